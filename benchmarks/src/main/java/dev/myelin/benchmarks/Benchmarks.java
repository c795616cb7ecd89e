package dev.myelin.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.internal.Directories;

/**
 * Runs Myelin's benchmarks, each beside its raw-Kafka baseline on the same embedded broker, prints
 * a table and (unless told not to) rewrites {@code docs/benchmarks.md}.
 *
 * <pre>
 * java ... dev.myelin.benchmarks.Benchmarks [--size tiny|full] [--only raw,commands] [--no-write] [--out FILE]
 *     [--axon-jdbc jdbc:postgresql://127.0.0.1:PORT/bench?user=postgres] [--recovery-aggregates N]
 * </pre>
 *
 * <p>The {@code axon} suite runs the bank workload on the Axon Framework with its JDBC event store,
 * and needs a PostgreSQL database: {@code benchmarks/run.sh} starts one and passes its URL. Without
 * {@code --axon-jdbc} the suite is skipped when all suites run (as in CI) and refused when asked for
 * by name.
 *
 * <p>The {@code recovery} suite (SIGKILL and restart of processors holding a million aggregates, in
 * child JVMs) takes minutes and runs only when named in {@code --only}; its figures go to a section of
 * their own that keeps one column per Kafka version.
 */
public final class Benchmarks {

    static final List<String> SUITES = List.of("raw", "commands", "latency", "projection", "reads", "sagas", "axon");
    /** Suites that run only when named in {@code --only}: they take long or kill processes. */
    static final List<String> OPT_IN_SUITES = List.of("recovery");
    /** The clusters a run can measure on: one broker in this JVM, three brokers in child JVMs. */
    static final List<String> CLUSTERS = List.of("one", "child3");
    /** The suites that also run on the three-broker cluster. */
    static final List<String> THREE_BROKER_SUITES = List.of("raw", "commands", "sagas");
    /** What a three-broker row's benchmark name ends with, so that its rows stand apart from the one-broker rows. */
    static final String ON_THREE_BROKERS = ", 3 brokers";
    /** The broker log lines the three-broker run counts (issue 17: ERROR lines on every Myelin transaction). */
    static final String OUT_OF_ORDER_SEQUENCE = "OutOfOrderSequenceException";

    private Benchmarks() {
    }

    /**
     * Runs the benchmarks; exits 2 on a bad option.
     *
     * @param args the options, see the class comment
     */
    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.println(Options.USAGE);
            return;
        }
        List<Measurement> results = run(options);
        System.out.println();
        System.out.println(Report.table(results));
        List<Goals.Goal> goals = Goals.evaluate(results);
        if (goals.stream().anyMatch(goal -> goal.measured().isPresent())) {
            System.out.println(Goals.table(goals));
        }
        if (options.out() != null) {
            String command = "benchmarks/run.sh " + String.join(" ", withoutDatabase(args));
            List<Measurement> recovery = results.stream().filter(m -> m.benchmark().startsWith(Recovery.PREFIX)).toList();
            List<Measurement> others = results.stream().filter(m -> !m.benchmark().startsWith(Recovery.PREFIX)).toList();
            if (!others.isEmpty()) {
                Report.write(options.out(), command, others, notes());
            }
            if (!recovery.isEmpty()) {
                String version = EmbeddedKafkaCluster.kafkaVersion();
                Report.writeRecovery(options.out(), version + options.recovery().column(), "KAFKA_VERSION=" + version + " " + command,
                        Recovery.describe(options.sizes().recoveryAggregates(), options.recovery()), recovery, Recovery.notes());
            }
            System.out.println("Wrote " + options.out());
        }
    }

    /** The command line as the reader would type it: run.sh adds the database URL of its own PostgreSQL. */
    private static List<String> withoutDatabase(String[] args) {
        List<String> typed = new ArrayList<>(Arrays.asList(args));
        int at = typed.indexOf("--axon-jdbc");
        if (at >= 0) {
            typed.subList(at, Math.min(at + 2, typed.size())).clear();
        }
        return typed;
    }

    /**
     * Runs the chosen suites on a fresh one-broker embedded cluster, then those of them that also
     * run on three brokers on a fresh cluster of three child-JVM brokers, and returns every figure.
     *
     * @param options sizes, suites and clusters
     * @return the measurements, in the order they were taken
     */
    static List<Measurement> run(Options options) throws Exception {
        List<Measurement> results = new ArrayList<>();
        if (options.skipped() != null) {
            progress(options.skipped());
        }
        if (options.clusters().contains("one")) {
            results.addAll(onOneBroker(options));
        }
        if (options.clusters().contains("child3") && THREE_BROKER_SUITES.stream().anyMatch(options.suites()::contains)) {
            results.addAll(onThreeBrokers(options));
        }
        return results;
    }

    /**
     * The raw, commands and sagas suites (those of them chosen) on three brokers, each in a child JVM
     * with Kafka's broker defaults, every topic replicated 3 times with {@code min.insync.replicas=2}:
     * fewer records than on one broker, the same steps. Each row's name ends with {@link #ON_THREE_BROKERS}.
     */
    private static List<Measurement> onThreeBrokers(Options options) throws Exception {
        Sizes sizes = options.sizes();
        int records = sizes.threeBrokerRecords();
        List<Measurement> results = new ArrayList<>();
        Path stateDir = Files.createTempDirectory("myelin-bench-3-");
        EmbeddedKafkaCluster.Builder cluster = EmbeddedKafkaCluster.builder().brokers(3).inChildProcesses();
        options.threeBrokerProperties().forEach(cluster::brokerProperty);
        try (EmbeddedKafkaCluster kafka = cluster.start()) {
            progress("3 brokers in child JVMs (replication 3, min.insync.replicas 2) at " + kafka.bootstrapServers());
            rawAndCommands(kafka, options.suites(), records, sizes.aggregates(), "3 brokers, ", stateDir, results);
            if (options.suites().contains("sagas")) {
                results.addAll(sagas(kafka, sizes.threeBrokerSagaOrders(), sizes.latencyDuration(), options.sagaCommitIntervalMs(), stateDir));
            }
            results.add(Measurement.of("broker log ERROR lines with " + OUT_OF_ORDER_SEQUENCE, "lines",
                    errorLines(kafka, OUT_OF_ORDER_SEQUENCE), "all three brokers' logs, over every suite above"));
        } finally {
            Directories.deleteQuietly(stateDir);
        }
        String how = "; 3 brokers in child JVMs, replication 3, min.insync.replicas 2" + (options.threeBrokerProperties().isEmpty() ? ""
                : ", broker settings " + options.threeBrokerProperties());
        return results.stream().map(m -> onThreeBrokers(m, how)).toList();
    }

    private static Measurement onThreeBrokers(Measurement m, String how) {
        return new Measurement(m.benchmark() + ON_THREE_BROKERS, m.metric(), m.value(), m.baseline().map(b -> onThreeBrokers(b, how)),
                m.note() + how);
    }

    /**
     * How many ERROR lines of the brokers' logs mention {@code text}, themselves or in the line after
     * them (where the exception of "Error processing append operation" is named).
     */
    static long errorLines(EmbeddedKafkaCluster kafka, String text) throws IOException {
        long count = 0;
        for (int broker : kafka.brokerIds()) {
            Optional<Path> log = kafka.brokerLog(broker);
            if (log.isPresent() && Files.exists(log.get())) {
                List<String> lines = Files.readAllLines(log.get(), StandardCharsets.ISO_8859_1);
                for (int i = 0; i < lines.size(); i++) {
                    if (lines.get(i).contains("] ERROR ")
                            && (lines.get(i).contains(text) || i + 1 < lines.size() && lines.get(i + 1).contains(text))) {
                        count++;
                    }
                }
            }
        }
        return count;
    }

    /** The raw baseline and Myelin's commands/s of one cluster, each present when its suite ran. */
    private record CommandFigures(Optional<Measurement> passThrough, Optional<Measurement> unchecked, Optional<Measurement> checked) {
    }

    /**
     * The raw suite (idempotent producer, EOS pass-through) and the commands suite (unchecked, then
     * checked), those of them chosen, on {@code kafka}: {@code records} each, every figure added to
     * {@code results} in that order and its progress lines starting with {@code label}.
     */
    private static CommandFigures rawAndCommands(EmbeddedKafkaCluster kafka, Set<String> suites, int records, int aggregates, String label,
                                                 Path stateDir, List<Measurement> results) throws Exception {
        Optional<Measurement> passThrough = Optional.empty();
        Measurement[] myelin = new Measurement[2];
        if (suites.contains("raw") || suites.contains("commands")) {
            progress(label + "raw: idempotent producer, " + records + " x 1 KB");
            results.add(RawKafka.producerThroughput(kafka, records, 4));
            // both sides are measured warm: a first, unmeasured fifth lets the JIT compile their paths
            // (before, Myelin's first phase ran with the compiler at about two thirds of a core)
            progress(label + "raw: Kafka Streams EOS v2 pass-through, warming up with " + records / 5 + " records");
            RawKafka.eosPassThroughThroughput(kafka, records / 5, 4, 100, stateDir);
            progress(label + "raw: Kafka Streams EOS v2 pass-through, " + records + " records");
            passThrough = Optional.of(RawKafka.eosPassThroughThroughput(kafka, records, 4, 100, stateDir));
            results.add(passThrough.get());
        }
        if (suites.contains("commands")) {
            progress(label + "Myelin: opening " + aggregates + " accounts");
            try (MyelinCommands bank = new MyelinCommands(kafka, aggregates, 4, 100, stateDir)) {
                progress(label + "Myelin: warming up with " + records / 5 + " deposits");
                bank.throughput(records / 5, false, passThrough);
                for (boolean checked : List.of(false, true)) {
                    progress(label + "Myelin: " + records + " deposits, expected version " + (checked ? "checked" : "unchecked"));
                    Measurement throughput = bank.throughput(records, checked, passThrough);
                    results.add(throughput);
                    myelin[checked ? 1 : 0] = throughput;
                }
            }
        }
        return new CommandFigures(passThrough, Optional.ofNullable(myelin[0]), Optional.ofNullable(myelin[1]));
    }

    private static List<Measurement> onOneBroker(Options options) throws Exception {
        Sizes sizes = options.sizes();
        List<Measurement> results = new ArrayList<>();
        Path stateDir = Files.createTempDirectory("myelin-bench-");
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1)) {
            progress("embedded broker at " + kafka.bootstrapServers());
            int latencyRate = sizes.latencyRate();
            // the Axon suite compares its commands/s with these, measured in the same run
            CommandFigures commandFigures = rawAndCommands(kafka, options.suites(), sizes.records(), sizes.aggregates(), "", stateDir, results);
            Measurement passThrough = commandFigures.passThrough().orElse(null);
            Measurement[] myelinCommands = {commandFigures.unchecked().orElse(null), commandFigures.checked().orElse(null)};
            if (myelinCommands[0] != null) {
                // latency is measured at a fixed fifth of the maximum, as the issue asks
                latencyRate = Math.max(50, (int) (myelinCommands[0].value() / 5));
            }
            if (options.suites().contains("latency")) {
                // 5 ms is the event store's own default, measured at a fifth and at four fifths of the
                // maximum; 100 and 20 show how latency follows the interval
                boolean measured = myelinCommands[0] != null;
                for (int[] load : new int[][] {{100, 20}, {20, 20}, {5, 20}, {5, 80}}) {
                    int commitInterval = load[0];
                    int rate = latencyRate;
                    String share = measured ? "20 % of max" : "a fixed rate (commands suite not run)";
                    if (load[1] == 80) {
                        // four fifths of the throughput suite's maximum (4 partitions, commit.interval.ms=100) may be more
                        // than one partition committing every 5 ms sustains; that would measure a growing queue
                        Measurement maximum = latencyMaximum(kafka, sizes, commitInterval, stateDir);
                        results.add(maximum);
                        rate = Math.max(50, (int) (maximum.value() * 0.8));
                        share = "80 % of max: of the " + Report.format(maximum.value()) + " commands/s of the same configuration";
                    }
                    progress("raw: EOS v2 pass-through latency at " + rate + "/s, commit.interval.ms=" + commitInterval);
                    List<Measurement> raw = RawKafka.eosPassThroughLatency(kafka, rate, sizes.latencyDuration(),
                            commitInterval, share, stateDir);
                    results.addAll(raw);
                    progress("Myelin: command latency at " + rate + "/s (" + share + "), commit.interval.ms=" + commitInterval);
                    try (MyelinCommands bank = new MyelinCommands(kafka, sizes.aggregates(), 1, commitInterval, stateDir)) {
                        List<Measurement> myelin = bank.latency(rate, sizes.latencyDuration(), commitInterval, share);
                        for (int i = 0; i < myelin.size(); i++) {
                            results.add(myelin.get(i).against(raw.get(i)));
                        }
                    }
                }
            }
            if (options.suites().contains("axon")) {
                results.addAll(axon(options.axonJdbc(), sizes, myelinCommands, results));
            }
            if (options.suites().contains("projection")) {
                int events = sizes.projectionEvents();
                Measurement baseline = passThrough;
                if (baseline == null || sizes.records() != events) {
                    progress("raw: Kafka Streams EOS v2 pass-through, " + events + " records");
                    baseline = RawKafka.eosPassThroughThroughput(kafka, events, 4, 100, stateDir);
                    results.add(baseline);
                }
                progress("Myelin: projection folding " + events + " events into account balances");
                results.add(MyelinProjection.throughput(kafka, events, sizes.aggregates(), 4, 100, stateDir, baseline));
            }
            if (options.suites().contains("reads")) {
                progress("Myelin: state and history reads, " + sizes.deepHistory() + " events of history, "
                        + sizes.reads() + " reads each");
                results.addAll(MyelinReads.run(kafka, sizes.aggregates(), sizes.deepHistory(), sizes.reads(), stateDir));
            }
            if (options.suites().contains("sagas")) {
                results.addAll(sagas(kafka, sizes.sagaOrders(), sizes.latencyDuration(), options.sagaCommitIntervalMs(), stateDir));
            }
            if (options.suites().contains("recovery")) {
                progress("recovery: " + Recovery.describe(sizes.recoveryAggregates(), options.recovery()) + ", Kafka "
                        + EmbeddedKafkaCluster.kafkaVersion());
                results.addAll(Recovery.run(kafka, sizes.recoveryAggregates(), options.recovery(), stateDir.resolve("recovery")));
            }
        } finally {
            Directories.deleteQuietly(stateDir);
        }
        return results;
    }

    /** Myelin's unchecked commands/s in the latency suite's configuration: one partition, {@code commitInterval}. */
    private static Measurement latencyMaximum(EmbeddedKafkaCluster kafka, Sizes sizes, int commitInterval, Path stateDir)
            throws Exception {
        progress("Myelin: maximum commands/s with 1 partition, commit.interval.ms=" + commitInterval + ", " + sizes.records() / 5
                + " deposits to warm up, as many to estimate it, then as many as it answers in " + sizes.latencyDuration().toSeconds() + " s");
        try (MyelinCommands bank = new MyelinCommands(kafka, sizes.aggregates(), 1, commitInterval, stateDir)) {
            bank.throughput(sizes.records() / 5, false, Optional.empty());
            Measurement estimate = bank.throughput(sizes.records() / 5, false, Optional.empty());
            // a short burst overstates what one partition sustains (the queue behind a 20,000-deposit burst hides the
            // rate at which stores and changelogs fall behind): the maximum is measured over as long as the latency run
            // that uses it lasts, so four fifths of it is a load the processor keeps up with, not a growing queue
            int sustained = (int) Math.max(sizes.records() / 5, estimate.value() * sizes.latencyDuration().toSeconds());
            Measurement maximum = bank.throughput(sustained, false, Optional.empty());
            return Measurement.of(maximum.benchmark() + ", latency suite's configuration", maximum.metric(), maximum.value(),
                    maximum.note() + ", 1 partition, commit.interval.ms=" + commitInterval);
        }
    }

    /**
     * The shop's place-order saga: the first saga after a cold start, the maximum (sagas/s), then
     * end-to-end latency at a fifth of that maximum.
     */
    private static List<Measurement> sagas(EmbeddedKafkaCluster kafka, int orders, Duration latencyDuration,
                                           OptionalInt commitIntervalMs, Path stateDir) throws Exception {
        List<Measurement> results = new ArrayList<>();
        progress("Myelin: starting the shop, one order through the place-order saga from a cold start");
        try (MyelinSagas shop = new MyelinSagas(kafka, stateDir, commitIntervalMs)) {
            results.add(shop.firstSaga());
            // measured warm, as the commands are: a first, unmeasured half lets the JIT compile every participant's path
            progress("Myelin: warming up with " + orders / 2 + " shop orders through the place-order saga");
            shop.throughput(orders / 2);
            progress("Myelin: " + orders + " shop orders through the place-order saga");
            Measurement maximum = shop.throughput(orders);
            results.add(maximum);
            int rate = Math.max(5, (int) (maximum.value() / 5));
            progress("Myelin: place-order saga latency at " + rate + " orders/s, a fifth of the maximum");
            results.addAll(shop.latency(rate, latencyDuration,
                    Goals.FIFTH + ": a fifth of the " + Report.format(maximum.value()) + " sagas/s above"));
        }
        return results;
    }

    /**
     * The bank workload on Axon: every {@link AxonBank#setups() setup}'s commands/s unchecked, then,
     * for the best of them, checked commands/s and latency at a fifth of its maximum; each of those
     * beside Myelin's figure of the same run (the ratio is Myelin's over Axon's).
     */
    private static List<Measurement> axon(String jdbcUrl, Sizes sizes, Measurement[] myelinCommands, List<Measurement> sofar)
            throws Exception {
        List<Measurement> results = new ArrayList<>();
        int commands = sizes.records() / 4;
        Measurement best = null;
        AxonBank.Setup bestSetup = null;
        for (AxonBank.Setup setup : AxonBank.setups()) {
            progress("Axon: opening " + sizes.aggregates() + " accounts, then " + commands + " deposits: " + setup.describe());
            try (AxonBank bank = new AxonBank(jdbcUrl, sizes.aggregates(), setup)) {
                Measurement axon = bank.throughput(commands, false);
                results.add(axon);
                if (best == null || axon.value() > best.value()) {
                    best = axon;
                    bestSetup = setup;
                }
            }
        }
        Measurement bestUnchecked = new Measurement(best.benchmark() + ", best setup", best.metric(), best.value(), best.baseline(),
                best.note());
        results.add(bestUnchecked);
        compare(results, myelinCommands[0], bestUnchecked, "Myelin vs Axon commands, expected version unchecked",
                "ratio: Myelin's commands/s over Axon's best setup's, the same run");
        progress("Axon: best setup " + bestSetup.describe() + "; " + commands + " deposits, expected version checked");
        try (AxonBank bank = new AxonBank(jdbcUrl, sizes.aggregates(), bestSetup)) {
            Measurement checked = bank.throughput(commands, true);
            results.add(new Measurement(checked.benchmark() + ", best setup", checked.metric(), checked.value(), checked.baseline(),
                    checked.note()));
            compare(results, myelinCommands[1], results.get(results.size() - 1), "Myelin vs Axon commands, expected version checked",
                    "ratio: Myelin's commands/s over Axon's best setup's, the same run");
            // Latency means something only at a rate the system sustains: the same rule as Myelin's, a fifth of its own maximum
            int rate = Math.max(50, (int) (best.value() / 5));
            progress("Axon: command latency at " + rate + "/s, a fifth of the best setup's maximum");
            List<Measurement> latency = bank.latency(rate, sizes.latencyDuration(), Goals.FIFTH + ": a fifth of the best setup's "
                    + Report.format(best.value()) + " commands/s");
            results.addAll(latency);
            for (Measurement axon : latency) {
                Optional<Measurement> myelin = sofar.stream().filter(m -> m.benchmark().equals("Myelin command round trip")
                        && m.metric().equals(axon.metric()) && m.note().contains(Goals.FIFTH)
                        && Goals.DEFAULT_COMMIT.matcher(m.note()).find()).findFirst();
                compare(results, myelin.orElse(null), axon, "Myelin vs Axon command round trip",
                        "ratio: Myelin's round trip (commit.interval.ms=5, a fifth of Myelin's max) over Axon's (a fifth of Axon's best max)");
            }
        }
        return results;
    }

    /** Adds Myelin's figure against Axon's as {@code benchmark}, if Myelin's was measured in this run. */
    private static void compare(List<Measurement> results, Measurement myelin, Measurement axon, String benchmark, String note) {
        if (myelin == null) {
            progress("Axon: no Myelin figure to compare with for " + benchmark + " (run the commands and latency suites too)");
            return;
        }
        results.add(new Measurement(benchmark, myelin.metric(), myelin.value(), Optional.of(axon), note));
    }

    private static List<String> notes() {
        return List.of(
                "Throughput is measured warm: the raw EOS pass-through and Myelin's commands each run a first, unmeasured fifth of the records, so the JIT has compiled both paths (figures before 2026-12-03 measured Myelin's unchecked phase with the compiler still busy).",
                "Durability: acks=all on one broker; the broker does not fsync per write (Kafka's default: durability comes from replication, which a one-broker run does not have).",
                "Axon peer: Axon Framework " + AxonBank.version() + " from Maven Central, no Axon Server: its JdbcEventStorageEngine on a local PostgreSQL that run.sh starts for the run (Debian package, fresh cluster on 127.0.0.1, data on the same disk as the broker's), events serialized by Jackson, each command's events stored and committed in a database transaction of its own, no snapshots. Commands come from closed-loop clients (each client thread sends a deposit and waits for its answer before the next, to accounts of its own, as request threads of a web application would). Every setup in the table is tried with fresh accounts, each for a quarter of the records Myelin's throughput suite sends: SimpleCommandBus (the command runs on the client's thread) and AsynchronousCommandBus (a thread pool runs it), each with 8 and 32 clients, with and without a caching repository (a cache keeping every aggregate in memory, as a JCache or Ehcache sized for the working set would; without it each command rebuilds its account from its events), and the DisruptorCommandBus this suite used before (" + AxonBank.INVOKER_THREADS + " invoker thread, " + AxonBank.PUBLISHER_THREADS + " publisher threads, its own WeakReferenceCache) with 32 clients. The Myelin vs Axon rows compare with the best setup's figures, marked 'best setup': its commands/s unchecked, a checked run on fresh accounts, and its round trips at a fifth of its maximum.",
                "Axon's durability: PostgreSQL with fsync=on and synchronous_commit=on (its defaults), so every command's commit waits for its WAL record to be flushed to the local disk; concurrent commits share a flush. Myelin's: acks=all on one broker that does not fsync per write (Kafka's default; durability comes from replication, which a one-broker run does not have). Axon's is the stronger: the Myelin vs Axon ratios compare each system at its default durability, not at equal durability.",
                "Myelin vs Axon round trips: each system at a fifth of its own maximum (Myelin at its default commit.interval.ms=5, rate from its unchecked commands/s; Axon's best setup, rate from its unchecked commands/s, deposits to random accounts run by as many threads as the setup has clients); a ratio above 1 is how many times longer Myelin takes to answer.",
                "Latency percentiles are measured from each record's scheduled send time at a fixed rate (no coordinated omission); the first 10 % of each run is warm-up and not counted.",
                "Projection throughput is timed from RUNNING to caught up on a pre-filled events topic, as the raw pass-through is timed from RUNNING to its last record; the events are written in the event store's format directly rather than decided through commands.",
                "State and history reads are single-threaded calls on the local store (the first 10 % are warm-up); the history read's baseline is a read_committed consumer scanning the aggregate's whole partition, so there a ratio below 1 is the saving.",
                "Sagas are the shop example's place-order saga (four steps over the customer, stock and order aggregates) with its three event stores and saga runtime on the same broker, at Myelin's default commit intervals (5 ms for an event store, 20 ms for a saga runtime) unless --saga-commit-interval-ms sets one for all (the shop demo sets 50 ms, as this suite did before 2026-12-03; each row's note says which); a saga counts as ended when its COMPLETED transition is committed on the saga's log topic (read_committed). First, one order placed as soon as the saga runtime's start() returned (event stores running, customers open): the time to its saga's end stands for the demo's time to the first saga's end, which the demo itself prints and this run does not start. Then, after half as many orders again to warm up, not measured (since 2026-12-04; the commands suite warms up the same way, and so the figure no longer includes the JIT compiling every participant's path), the maximum, at most 200 orders in flight, timed from the first order placed to the last saga completed; then end-to-end latency at a fifth of that maximum, orders placed at a fixed rate and timed from each one's scheduled placing (no coordinated omission), the first 10 % not counted. There is no raw-Kafka equivalent to compare with.",
                "Command latency at the default commit.interval.ms=5 is measured at a fifth of the throughput suite's maximum (as at the intervals 100 and 20) and at four fifths of the maximum of the latency suite's own configuration (1 partition, commit.interval.ms=5, measured just before over as many deposits as it answers in the latency run's duration, and shown as a row): four fifths of the throughput suite's maximum, on 4 partitions committing every 100 ms, may be more than that configuration sustains.",
                "Rows ending in '3 brokers' (issue 17, production-like figures): the raw, commands and sagas suites again, after the one-broker suites, on a fresh cluster of three brokers, each in a child JVM started from the same Kafka jars with Kafka's broker defaults (50 partitions for offsets and transaction state, Kafka's thread counts, add.partitions.to.txn.retry.backoff.ms 20 ms, group.initial.rebalance.delay.ms 3 s) and Kafka's own JVM settings (1 GiB heap, G1); every topic, Myelin's and the raw baseline's, replicated 3 times with min.insync.replicas=2 (Myelin's defaults for such a cluster), acks=all waiting for two copies. They send a fifth of the one-broker records and a quarter of its orders, so that a full run takes a few minutes more; compare their ratios, not their absolute figures, with the one-broker rows. The three brokers, the benchmark and its Kafka Streams threads share the same 2 cores. The 'broker log ERROR lines' row counts ERROR lines naming OutOfOrderSequenceException in the three brokers' logs over those suites.",
                "Goals (issue 17): each target beside the row of this run that measures it; for the commands/s goal the ratio to the raw EOS pass-through is the measured figure itself.");
    }

    static void progress(String message) {
        System.out.printf(Locale.ROOT, "[%tT] %s%n", System.currentTimeMillis(), message);
    }

    /** How big each benchmark runs. */
    record Sizes(int records, int aggregates, int latencyRate, Duration latencyDuration,
                 int projectionEvents, int deepHistory, int reads, int sagaOrders, int recoveryAggregates,
                 int threeBrokerRecords, int threeBrokerSagaOrders) {
        static Sizes of(String name) {
            // three brokers run a fifth of the records and a quarter of the orders: a full run takes a few minutes longer
            return switch (name) {
                case "tiny" -> new Sizes(2_000, 200, 200, Duration.ofSeconds(2), 2_000, 200, 2_000, 50, 2_000, 2_000, 50);
                case "full" -> new Sizes(100_000, 10_000, 1_000, Duration.ofSeconds(15), 300_000, 20_000, 20_000, 2_000, 1_000_000,
                        20_000, 500);
                default -> throw new IllegalArgumentException("--size must be tiny or full, not '" + name + "'");
            };
        }

        Sizes withRecoveryAggregates(int count) {
            return new Sizes(records, aggregates, latencyRate, latencyDuration, projectionEvents, deepHistory, reads, sagaOrders, count,
                    threeBrokerRecords, threeBrokerSagaOrders);
        }
    }

    /** The parsed command line. */
    record Options(Sizes sizes, Set<String> suites, Path out, boolean help, String axonJdbc, String skipped,
                   Recovery.Settings recovery, OptionalInt sagaCommitIntervalMs, Set<String> clusters,
                   Map<String, String> threeBrokerProperties) {
        static final String USAGE = """
                Usage: Benchmarks [--size tiny|full] [--only SUITE,...] [--cluster one|child3|both] [--no-write | --out FILE]
                                  [--axon-jdbc URL] [--saga-commit-interval-ms MS] [--recovery-aggregates N] [--recovery-write-buffer BYTES]
                                  [--recovery-group-protocol classic|streams] [--recovery-session-timeout-ms MS]
                                  [--three-broker-property NAME=VALUE ...]
                  --size   tiny runs each benchmark once on a few thousand records (what CI does);
                           full is the real run (default)
                  --only   suites to run, from: %s (default: all but recovery)
                  --cluster  one: every suite on one broker inside the benchmark's JVM; child3: the
                           raw, commands and sagas suites on 3 brokers, each in a child JVM with
                           Kafka's broker defaults, topics replicated 3 times, min.insync.replicas 2
                           (a fifth of the records, a quarter of the orders; rows marked '3 brokers');
                           both (default): the one, then the other
                  --three-broker-property NAME=VALUE  a broker setting of the 3-broker cluster instead
                           of Kafka's default (repeatable), such as
                           add.partitions.to.txn.retry.backoff.max.ms=5000
                  --saga-commit-interval-ms  the commit.interval.ms of the sagas suite's event stores and
                           saga runtime (default: Myelin's own, 5 and 20; the shop demo sets 50)
                  --recovery-aggregates  accounts (and view keys) the recovery suite loads before it
                           kills the processors: 1000000 at the full size, 2000 at the tiny one
                  --recovery-write-buffer  the children's myelin.rocksdb.write.buffer.bytes (default:
                           Myelin's own, 4 MiB; 16777216 is Kafka's, Myelin's before it set one)
                  --recovery-group-protocol  the children's group.protocol: classic (default) or
                           streams (KIP-1071; session timeout and standbys become group configs)
                  --recovery-session-timeout-ms  the session timeout of the standby takeover (default 10000)
                  --out    where to write the Markdown report (default docs/benchmarks.md for full runs)
                  --no-write  print the table only
                  --axon-jdbc the PostgreSQL database for the axon suite, such as
                           jdbc:postgresql://127.0.0.1:5432/bench?user=postgres&password=secret;
                           benchmarks/run.sh starts one and passes it. Without it, the axon suite
                           is skipped when all suites run and refused when named in --only""".formatted(String.join(",", SUITES) + "," + String.join(",", OPT_IN_SUITES));

        static Options parse(String[] args) {
            String size = "full";
            Set<String> suites = new LinkedHashSet<>(SUITES);
            Path out = null;
            boolean noWrite = false;
            boolean help = false;
            boolean only = false;
            String axonJdbc = null;
            Integer recoveryAggregates = null;
            Recovery.Settings recovery = Recovery.Settings.DEFAULT;
            OptionalInt sagaCommitInterval = OptionalInt.empty();
            Set<String> clusters = new LinkedHashSet<>(CLUSTERS);
            Map<String, String> threeBrokerProperties = new TreeMap<>();
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--size" -> size = value(args, ++i, "--size");
                    case "--only" -> {
                        suites = new LinkedHashSet<>(Arrays.asList(value(args, ++i, "--only").split(",")));
                        only = true;
                        for (String suite : suites) {
                            if (!SUITES.contains(suite) && !OPT_IN_SUITES.contains(suite)) {
                                throw new IllegalArgumentException("unknown suite '" + suite + "'; suites are " + SUITES + " and " + OPT_IN_SUITES);
                            }
                        }
                    }
                    case "--cluster" -> {
                        String cluster = value(args, ++i, "--cluster");
                        if (!cluster.equals("both") && !CLUSTERS.contains(cluster)) {
                            throw new IllegalArgumentException("--cluster must be one, child3 or both, not '" + cluster + "'");
                        }
                        clusters = cluster.equals("both") ? new LinkedHashSet<>(CLUSTERS) : Set.of(cluster);
                    }
                    case "--three-broker-property" -> {
                        String property = value(args, ++i, "--three-broker-property");
                        int equals = property.indexOf('=');
                        if (equals < 1) {
                            throw new IllegalArgumentException("--three-broker-property must be NAME=VALUE, not '" + property + "'");
                        }
                        threeBrokerProperties.put(property.substring(0, equals), property.substring(equals + 1));
                    }
                    case "--out" -> out = Path.of(value(args, ++i, "--out"));
                    case "--no-write" -> noWrite = true;
                    case "--axon-jdbc" -> axonJdbc = value(args, ++i, "--axon-jdbc");
                    case "--recovery-aggregates" -> {
                        recoveryAggregates = (int) positive(value(args, ++i, "--recovery-aggregates"), "--recovery-aggregates");
                    }
                    case "--saga-commit-interval-ms" -> sagaCommitInterval = OptionalInt.of(
                            (int) positive(value(args, ++i, "--saga-commit-interval-ms"), "--saga-commit-interval-ms"));
                    case "--recovery-write-buffer" -> recovery = recovery.withWriteBufferBytes(
                            positive(value(args, ++i, "--recovery-write-buffer"), "--recovery-write-buffer"));
                    case "--recovery-group-protocol" -> recovery = recovery.withGroupProtocol(value(args, ++i, "--recovery-group-protocol"));
                    case "--recovery-session-timeout-ms" -> recovery = recovery.withSessionTimeoutMs(
                            (int) positive(value(args, ++i, "--recovery-session-timeout-ms"), "--recovery-session-timeout-ms"));
                    case "--help", "-h" -> help = true;
                    default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
                }
            }
            if (noWrite && out != null) {
                throw new IllegalArgumentException("--out and --no-write contradict each other");
            }
            String skipped = null;
            if (axonJdbc == null && suites.contains("axon")) {
                if (only) {
                    throw new IllegalArgumentException("the axon suite needs a PostgreSQL database: give --axon-jdbc URL,"
                            + " or run benchmarks/run.sh, which starts one");
                }
                // CI and a plain run have no PostgreSQL: all suites but the one that needs it
                suites.remove("axon");
                skipped = "axon: skipped, no --axon-jdbc given (benchmarks/run.sh starts a PostgreSQL for it)";
            }
            Sizes sizes = recoveryAggregates == null ? Sizes.of(size) : Sizes.of(size).withRecoveryAggregates(recoveryAggregates);
            if (out == null && !noWrite && size.equals("full")) {
                out = Path.of("docs", "benchmarks.md");
            }
            return new Options(sizes, suites, noWrite ? null : out, help, axonJdbc, skipped, recovery, sagaCommitInterval, clusters,
                    Collections.unmodifiableMap(threeBrokerProperties));
        }

        private static long positive(String text, String option) {
            long count;
            try {
                count = Long.parseLong(text.replace("_", "").replace(",", ""));
            } catch (NumberFormatException e) {
                count = 0;
            }
            if (count < 1 || count > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(option + " must be a positive count, not '" + text + "'");
            }
            return count;
        }

        private static String value(String[] args, int index, String option) {
            if (index >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[index];
        }
    }
}
