package dev.myelin.benchmarks;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;


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
                .append(", one embedded broker (KRaft, in the benchmark's JVM), the same broker for Myelin and its raw baseline\n\n");
        doc.append("Ratios compare Myelin to raw Kafka, or in the Myelin vs Axon rows to the Axon Framework, measured\n");
        doc.append("in the same run: the machine is shared and noisy, so\n");
        doc.append("the ratio is the figure to quote, not the absolute number.\n\n");
        doc.append(table(measurements)).append('\n');
        for (String note : notes) {
            doc.append("- ").append(note).append('\n');
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, doc.toString(), StandardCharsets.UTF_8);
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

    private static String format(double value) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        return value >= 100 ? String.format(Locale.ROOT, "%,.0f", value) : String.format(Locale.ROOT, "%.2f", value);
    }
}
