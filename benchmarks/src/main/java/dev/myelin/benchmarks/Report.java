package dev.myelin.benchmarks;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;


/**
 * Turns measurements into the Markdown table printed on the terminal and written to
 * {@code docs/benchmarks.md}, with what a reader needs to trust them: the command, the machine
 * and the date.
 */
final class Report {

    private Report() {
    }

    static String table(List<Measurement> measurements) {
        StringBuilder table = new StringBuilder();
        table.append("| benchmark | metric | value | baseline | ratio | how |\n");
        table.append("|---|---|---:|---:|---:|---|\n");
        for (Measurement m : measurements) {
            table.append("| ").append(m.benchmark())
                    .append(" | ").append(m.metric())
                    .append(" | ").append(format(m.value()))
                    .append(" | ").append(m.baseline().map(b -> format(b.value()) + " (" + b.benchmark() + ")").orElse(""))
                    .append(" | ").append(m.ratio().map(r -> String.format(Locale.ROOT, "%.2f", r)).orElse(""))
                    .append(" | ").append(m.note())
                    .append(" |\n");
        }
        return table.toString();
    }

    static void write(Path file, String command, List<Measurement> measurements, List<String> notes) throws IOException {
        Runtime runtime = Runtime.getRuntime();
        StringBuilder doc = new StringBuilder();
        doc.append("# Benchmarks\n\n");
        doc.append("Written by `benchmarks/run.sh`; do not edit by hand — run it again.\n\n");
        doc.append("- command: `").append(command).append("`\n");
        doc.append("- date: ").append(LocalDate.now()).append("\n");
        doc.append("- machine: ").append(runtime.availableProcessors()).append(" cores, ")
                .append(String.format(Locale.ROOT, "%.0f GiB", totalMemoryGiB())).append(" memory, JDK ")
                .append(System.getProperty("java.version")).append(" (").append(System.getProperty("java.vm.name")).append(")\n");
        doc.append("- Kafka: ").append(EmbeddedKafkaCluster.kafkaVersion())
                .append(", one embedded broker (KRaft, in the benchmark's JVM), the same broker for Myelin and its raw baseline");
        if (measurements.stream().anyMatch(m -> m.benchmark().endsWith(Benchmarks.ON_THREE_BROKERS))) {
            doc.append("; rows ending in '").append(Benchmarks.ON_THREE_BROKERS.substring(2))
                    .append("': three brokers (KRaft, each in a child JVM from the same jars, Kafka's broker defaults),")
                    .append(" every topic replicated 3 times with min.insync.replicas=2, the same cluster for Myelin and its raw baseline");
        }
        doc.append("\n\n");
        doc.append("Ratios compare Myelin to raw Kafka, or in the Myelin vs Axon rows to the Axon Framework, measured\n");
        doc.append("in the same run: the machine is shared and noisy, so\n");
        doc.append("the ratio is the figure to quote, not the absolute number.\n\n");
        List<Goals.Goal> goals = Goals.evaluate(measurements);
        if (goals.stream().anyMatch(goal -> goal.measured().isPresent())) {
            doc.append("## Goals (issue 17)\n\n");
            doc.append("Each goal of issue 17 beside the figure of this run that measures it (from the table below), its ratio to\n");
            doc.append("the raw-Kafka baseline of the same run where there is one, and whether it is met.\n\n");
            doc.append(Goals.table(goals)).append('\n');
            doc.append("## All figures\n\n");
        }
        doc.append(table(measurements)).append('\n');
        for (String note : notes) {
            doc.append("- ").append(note).append('\n');
        }
        // the recovery section is written by its own runs, one Kafka version at a time: keep it
        String old = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        int begin = old.indexOf(RECOVERY_BEGIN);
        int end = old.indexOf(RECOVERY_END);
        if (begin >= 0 && end > begin) {
            doc.append('\n').append(old, begin, end + RECOVERY_END.length()).append('\n');
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, doc.toString(), StandardCharsets.UTF_8);
    }

    static final String RECOVERY_BEGIN = "<!-- recovery: written by benchmarks/run.sh --only recovery, one Kafka version's column per run; the other columns are kept -->";
    static final String RECOVERY_END = "<!-- end of recovery -->";
    private static final String VERSION_COLUMN = "Kafka ";
    private static final String RUN_LINE = "- run on Kafka ";

    /**
     * Writes the recovery figures of this run into their section of {@code file} (appended if
     * missing), in the column of this run's Kafka version; the columns of other versions stay as they
     * were, so that one section compares the versions side by side.
     */
    static void writeRecovery(Path file, String version, String command, String description, List<Measurement> measurements,
                              List<String> notes) throws IOException {
        String old = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "# Benchmarks\n";
        int begin = old.indexOf(RECOVERY_BEGIN);
        int end = old.indexOf(RECOVERY_END);
        boolean present = begin >= 0 && end > begin;
        String section = present ? old.substring(begin, end) : "";

        // what the section holds: rows in order, each with a value per version, and one run line per version
        List<String> versions = new ArrayList<>();
        Map<String, Map<String, String>> values = new LinkedHashMap<>();
        Map<String, String> hows = new LinkedHashMap<>();
        Map<String, String> runs = new TreeMap<>(Report::compareVersions);
        for (String line : section.split("\n")) {
            if (line.startsWith("| benchmark | metric |")) {
                String[] cells = cells(line);
                for (int i = 2; i < cells.length - 1; i++) {
                    versions.add(cells[i].substring(VERSION_COLUMN.length()));
                }
            } else if (line.startsWith("| ") && !versions.isEmpty()) {
                String[] cells = cells(line);
                String row = cells[0] + " | " + cells[1];
                Map<String, String> byVersion = values.computeIfAbsent(row, r -> new HashMap<>());
                for (int i = 0; i < versions.size(); i++) {
                    byVersion.put(versions.get(i), cells[i + 2]);
                }
                hows.put(row, cells[cells.length - 1]);
            } else if (line.startsWith(RUN_LINE)) {
                runs.put(line.substring(RUN_LINE.length()).split(" ", 2)[0], line);
            }
        }
        for (Map<String, String> byVersion : values.values()) {
            byVersion.remove(version);
        }
        for (Measurement m : measurements) {
            String row = m.benchmark() + " | " + m.metric();
            // counts (records, tasks) are whole numbers: no decimals
            String value = m.value() == Math.rint(m.value()) ? String.format(Locale.ROOT, "%,.0f", m.value()) : format(m.value());
            values.computeIfAbsent(row, r -> new HashMap<>()).put(version, value);
            hows.put(row, m.note());
        }
        runs.put(version, RUN_LINE + version + " (" + LocalDate.now() + "): `" + command + "`; " + description);
        List<String> columns = new ArrayList<>(runs.keySet());

        StringBuilder text = new StringBuilder();
        text.append(RECOVERY_BEGIN).append("\n");
        text.append("## Recovery after SIGKILL\n\n");
        text.append("Each Kafka version's figures come from its own run of the same code on the same machine;\n");
        text.append("the build picks the version with `-Dkafka.version` (run.sh: `KAFKA_VERSION=...`). A column whose name\n");
        text.append("goes on after the version (`+16MiB-buffers`, `+streams-protocol`, `+session-2000ms`) is the same version\n");
        text.append("run with one of the recovery suite's switches; its run line below gives the command.\n\n");
        text.append("| benchmark | metric |");
        columns.forEach(c -> text.append(' ').append(VERSION_COLUMN).append(c).append(" |"));
        text.append(" how |\n|---|---|");
        columns.forEach(c -> text.append("---:|"));
        text.append("---|\n");
        values.forEach((row, byVersion) -> {
            text.append("| ").append(row).append(" |");
            columns.forEach(c -> text.append(' ').append(byVersion.getOrDefault(c, "")).append(" |"));
            text.append(' ').append(hows.get(row)).append(" |\n");
        });
        text.append('\n');
        runs.values().forEach(line -> text.append(line).append('\n'));
        text.append('\n');
        notes.forEach(note -> text.append("- ").append(note).append('\n'));

        String doc = present ? old.substring(0, begin) + text + old.substring(end)
                : old.stripTrailing() + "\n\n" + text + RECOVERY_END + "\n";
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, doc, StandardCharsets.UTF_8);
    }

    private static String[] cells(String row) {
        String inner = row.strip();
        inner = inner.substring(1, inner.length() - 1);
        String[] cells = inner.split("\\|", -1);
        for (int i = 0; i < cells.length; i++) {
            cells[i] = cells[i].strip();
        }
        return cells;
    }

    private static int compareVersions(String a, String b) {
        String[] left = a.split("[.-]");
        String[] right = b.split("[.-]");
        for (int i = 0; i < Math.max(left.length, right.length); i++) {
            String l = i < left.length ? left[i] : "";
            String r = i < right.length ? right[i] : "";
            int order = l.matches("\\d+") && r.matches("\\d+") ? Integer.compare(Integer.parseInt(l), Integer.parseInt(r)) : l.compareTo(r);
            if (order != 0) {
                return order;
            }
        }
        return 0;
    }

    private static double totalMemoryGiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0 / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: fall back to the JVM's view below
        }
        return Runtime.getRuntime().maxMemory() / 1024.0 / 1024.0 / 1024.0;
    }

    static String format(double value) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        return value >= 100 ? String.format(Locale.ROOT, "%,.0f", value) : String.format(Locale.ROOT, "%.2f", value);
    }
}
