package dev.myelin.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serde;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandGateway;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.examples.bank.Account;
import dev.myelin.examples.bank.Deposit;
import dev.myelin.examples.bank.OpenAccount;

/**
 * Recovery after SIGKILL: how long a command processor holding many aggregates, the same with a
 * standby replica, and a projection holding many view keys take to serve again, and how many
 * changelog records each read to get there. The processors run in child JVMs ({@link RecoveryChild})
 * so that they can be killed without a shutdown hook, a commit or a leave-group; the load and the
 * clocks stay in this JVM.
 */
final class Recovery {

    /** Every benchmark name of this suite starts so: the report keeps them in a section of their own. */
    static final String PREFIX = "Recovery: ";
    /** After a restart, "full throughput" is a 1 s window with this share of the commands/s before the kill. */
    static final double FULL = 0.8;
    private static final int IN_FLIGHT = 2_000;
    private static final int DEFAULT_SESSION_TIMEOUT_MS = 45_000;
    private static final Duration WARM = Duration.ofSeconds(10);
    private static final Duration PATIENCE = Duration.ofMinutes(15);
    /** Answers of the killed instance's last commit may reach the gateway just after the kill: they do not count. */
    private static final Duration GRACE = Duration.ofMillis(500);

    private final EmbeddedKafkaCluster kafka;
    private final int aggregates;
    private final Path dir;
    private final Path logs;
    private final boolean transactionalStores;
    private final Settings settings;
    private final List<Measurement> results = new ArrayList<>();
    private final List<ChildJvm> children = new ArrayList<>();

    private Recovery(EmbeddedKafkaCluster kafka, int aggregates, Settings settings, Path dir) throws IOException {
        this.kafka = kafka;
        this.aggregates = aggregates;
        this.settings = settings;
        this.dir = dir;
        // outside the state directory, which is deleted after the run: the children's logs say what Kafka Streams did
        this.logs = Files.createTempDirectory("myelin-recovery-logs-");
        Benchmarks.progress("recovery: the child JVMs' logs go to " + logs);
        this.transactionalStores = transactionalStoresExist();
    }

    /**
     * Runs the three recovery benchmarks over {@code aggregates} accounts (and as many view keys).
     *
     * @param settings what the children run with beyond Myelin's defaults
     * @param dir      where the children's state directories and logs go
     */
    static List<Measurement> run(EmbeddedKafkaCluster kafka, int aggregates, Settings settings, Path dir) throws Exception {
        Recovery recovery = new Recovery(kafka, aggregates, settings, dir);
        try {
            recovery.commandProcessor();
            recovery.projection();
        } finally {
            recovery.children.forEach(ChildJvm::close);
        }
        return recovery.results;
    }

    /** Describes the run for the report: how many aggregates, with or without transactional state stores, which settings. */
    static String describe(int aggregates, Settings settings) {
        return String.format(Locale.ROOT, "%,d accounts and %,d view keys, transactional state stores %s; %s", aggregates, aggregates,
                transactionalStoresExist() ? "on (enable.transactional.statestores=true, default.interactive.query.isolation.level=READ_COMMITTED)"
                        : "off (Kafka before 4.4 has none)", settings.describe());
    }

    /**
     * What the children run with beyond Myelin's defaults.
     *
     * @param writeBufferBytes {@code myelin.rocksdb.write.buffer.bytes}, or 0 for Myelin's default
     * @param groupProtocol    {@code group.protocol}: classic or streams (KIP-1071)
     * @param sessionTimeoutMs the session timeout of the standby takeover
     */
    record Settings(long writeBufferBytes, String groupProtocol, int sessionTimeoutMs) {
        /** Myelin's defaults, the classic protocol and a 10 s session timeout for the standby takeover. */
        static final Settings DEFAULT = new Settings(0, "classic", 10_000);

        Settings {
            if (!groupProtocol.equals("classic") && !groupProtocol.equals("streams")) {
                throw new IllegalArgumentException("--recovery-group-protocol must be classic or streams, not '" + groupProtocol + "'");
            }
        }

        Settings withWriteBufferBytes(long bytes) {
            return new Settings(bytes, groupProtocol, sessionTimeoutMs);
        }

        Settings withGroupProtocol(String protocol) {
            return new Settings(writeBufferBytes, protocol, sessionTimeoutMs);
        }

        Settings withSessionTimeoutMs(int ms) {
            return new Settings(writeBufferBytes, groupProtocol, ms);
        }

        boolean streamsProtocol() {
            return groupProtocol.equals("streams");
        }

        /** The heartbeat that goes with the session timeout: three per session, as Kafka's classic defaults (3 s of 10 s). */
        int heartbeatMs(int session) {
            return Math.max(100, session / 3);
        }

        /** What tells this run's column apart from a run with the defaults on the same Kafka version; empty for the defaults. */
        String column() {
            StringBuilder column = new StringBuilder();
            if (writeBufferBytes > 0) {
                column.append('+').append(writeBufferBytes % (1 << 20) == 0 ? (writeBufferBytes >> 20) + "MiB" : writeBufferBytes + "B")
                        .append("-buffers");
            }
            if (streamsProtocol()) {
                column.append("+streams-protocol");
            }
            if (sessionTimeoutMs != DEFAULT.sessionTimeoutMs) {
                column.append("+session-").append(sessionTimeoutMs).append("ms");
            }
            return column.toString();
        }

        String describe() {
            return String.format(Locale.ROOT, "RocksDB write buffers %s, group.protocol=%s, standby takeover with a %,d ms session timeout",
                    writeBufferBytes > 0 ? String.format(Locale.ROOT, "%,d bytes (myelin.rocksdb.write.buffer.bytes)", writeBufferBytes)
                            : "Myelin's default (4 MiB)", groupProtocol, sessionTimeoutMs);
        }
    }

    /** Returns the notes under the recovery section: how the figures were taken. */
    static List<String> notes() {
        return List.of(
                "The command processor is the bank example's account event store (state store plus history store, four partitions, exactly_once_v2, Myelin's defaults) in a child JVM (same java binary and class path, -Xmx1g) on one embedded broker in the benchmark's JVM. It is loaded with one OpenAccount command per account, so every account has a state and a one-event history, then deposits to random accounts keep 2,000 commands in flight from a gateway in the benchmark's JVM (command timeout 15 minutes, so nothing times out while the processor is down).",
                "Restart in place: SIGKILL (Process.destroyForcibly) 10 s into the deposits, then a new JVM on the same state directory with the same group.instance.id (static membership, as a supervisor restarting the same instance would run it, so the group does not wait out the dead member's session). Times run from the new JVM's start; 'commands/s before' is the mean of the 5 s ending 1 s before the kill; '80 %' is the end of the first 1 s window (100 ms steps) with at least 80 % of that rate; 'every partition serving' is when the last of the commands in flight at the kill was answered (those to the killed instance's partitions wait for whoever takes them over, so it is the end of the outage for every aggregate, where 'first accepted command' may come from a partition that never stopped).",
                "Standby: after the restart figures the processor is stopped politely and started again beside a second instance, both with num.standby.replicas=1 and a session timeout of 10 s unless the run line says otherwise, with a heartbeat of a third of it (Kafka's default session is 45 s: the broker notices the killed member only when its session expires, so the takeover cannot be faster than that; under group.protocol=streams both are configs of the group, which the benchmark sets through the admin client, and the embedded broker allows them down to 1 s and 100 ms); once the standby has read the changelogs, the deposits resume and the active instance is SIGKILLed. Its figures run from the kill.",
                "Projection: the bank's account-balances projection in a child JVM over an events topic pre-filled with one AccountOpened per view key, written directly in the event store's format; once caught up, 2,000 Deposited events a second keep coming while it is SIGKILLed and restarted on the same state directory (static membership). 'First fold' is the first view update committed to its changelog (read_committed) after the new JVM's start; 'caught up' is when the new JVM has folded every event written before it reached RUNNING.",
                "Changelog records restored are counted in each child from its Kafka Streams restore consumers' records-consumed-total metric (JMX): the event store starts its Kafka Streams instance itself and takes no StateRestoreListener, and the metric counts the same records. A count near the number of records in the changelogs means the local state was thrown away and rebuilt (under exactly_once_v2 without transactional state stores, a crash leaves no valid checkpoint); a smaller count means the local state was kept and only what it lacked was replayed. 'Tasks rebuilt from scratch' counts the tasks the new JVM's Kafka Streams logged as corrupted ('Tasks [...] are corrupted and hence need to be re-initialized': under exactly_once_v2 a store without valid committed offsets may hold uncommitted data, so it is wiped and restored from the start of its changelog), leaving out the same words from Kafka 4.4's start-up pass ('Failed to register startup state stores'), which opens stores as non-transactional and deletes nothing. On 4.4 a store that is not wiped restores from the offsets it last flushed to disk: each commit writes the store's changelog offsets into a column family of its own RocksDB with the write-ahead log off, and they reach disk only when a memtable flushes (atomic_flush carries the offsets along with the data) or the store closes cleanly, so what was written since the last flush is replayed. With Kafka's 16 MiB memtables a store that never filled one (the projection's cached view) replays its whole changelog without being wiped; Myelin's own RocksDB setter (4 MiB, myelin.rocksdb.write.buffer.bytes) bounds that. The column marked 16MiB-buffers sets the key to Kafka's size: the code before the setter.",
                "Transactional state stores: on Kafka 4.4 the children set enable.transactional.statestores=true and default.interactive.query.isolation.level=READ_COMMITTED (through MyelinConfig.property and the projection's config), Myelin's defaults on 4.4; Kafka 4.3 has neither setting, so its column is the before.",
                "group.protocol=streams (KIP-1071, the column marked streams-protocol): the same children with group.protocol=streams; the broker decides session timeout, heartbeat and standbys from the group's configs (streams.session.timeout.ms, streams.heartbeat.interval.ms, streams.num.standby.replicas), which the benchmark sets through the admin client to the classic run's values (45 s and no standby for the restart in place, 10 s, a third of it and one standby for the takeover). Under it static membership does not let a restarted instance take its place at once: the broker refuses the new member (UNRELEASED_INSTANCE_ID) until the killed one's session expires.");
    }

    /** Kafka 4.4 brought transactional state stores (KIP-892); before, the configs do not exist. */
    static boolean transactionalStoresExist() {
        String[] version = EmbeddedKafkaCluster.kafkaVersion().split("[.-]");
        try {
            int major = Integer.parseInt(version[0]);
            int minor = Integer.parseInt(version[1]);
            return major > 4 || major == 4 && minor >= 4;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** (a) restart in place after SIGKILL, then (b) failover to a standby, on one application loaded once. */
    private void commandProcessor() throws Exception {
        String application = "recovery-" + Long.toString(System.nanoTime() % 1_000_000, 36);
        Path stateA = dir.resolve("processor-a");
        Path stateB = dir.resolve("processor-b");
        groupConfigs(application + ".account", 0, DEFAULT_SESSION_TIMEOUT_MS);
        ChildJvm a = processor(application, stateA, "a", 0, DEFAULT_SESSION_TIMEOUT_MS);
        ChildJvm b = null;
        try {
            a.awaitLine(RecoveryChild.RUNNING, PATIENCE);
            MyelinConfig config = RecoveryChild.config(kafka.bootstrapServers(), application)
                    // nothing may time out while a million aggregates are restored: the load waits instead
                    .commandTimeout(PATIENCE).build();
            Serde<SpecificRecord> avro = RecoveryChild.avro();
            try (CommandGateway<SpecificRecord, SpecificRecord> gateway = CommandGateway.builder(Account.TYPE, config)
                    .commandSerde(avro).eventSerde(avro).start()) {
                Benchmarks.progress(String.format(Locale.ROOT, "recovery: opening %,d accounts", aggregates));
                long started = System.nanoTime();
                AtomicLong refused = new AtomicLong();
                MyelinCommands.pipeline(aggregates, IN_FLIGHT, i -> gateway.send(MyelinCommands.accountId(i), new OpenAccount("owner-" + i))
                        .thenAccept(result -> {
                            if (!(result instanceof CommandResult.Accepted)) {
                                refused.incrementAndGet();
                            }
                        }));
                if (refused.get() > 0) {
                    throw new IllegalStateException(refused.get() + " accounts were not opened");
                }
                Benchmarks.progress(String.format(Locale.ROOT, "recovery: %,d accounts opened in %.0f s", aggregates, RawKafka.seconds(started)));
                Arrivals answers = new Arrivals();
                try (Load load = new Load(gateway, aggregates, answers)) {
                    a = restartInPlace(a, application, stateA, answers, load);
                    Benchmarks.progress("recovery: restarting with a standby replica on a second instance");
                    load.pause();
                    a.close();
                    groupConfigs(application + ".account", 1, settings.sessionTimeoutMs());
                    a = processor(application, stateA, "a", 1, settings.sessionTimeoutMs());
                    a.awaitLine(RecoveryChild.RUNNING, PATIENCE);
                    b = processor(application, stateB, "b", 1, settings.sessionTimeoutMs());
                    b.awaitLine(RecoveryChild.RUNNING, PATIENCE);
                    long standbyRecords = awaitStill(b, Duration.ofSeconds(5), true);
                    Benchmarks.progress(String.format(Locale.ROOT, "recovery: the standby read %,d changelog records", standbyRecords));
                    load.resume();
                    failOver(a, b, answers, load);
                    if (load.failures() > 0) {
                        throw new IllegalStateException(load.failures() + " deposits failed or were not accepted; see the children's logs in " + dir);
                    }
                }
            }
        } finally {
            a.close();
            if (b != null) {
                b.close();
            }
        }
    }

    private ChildJvm restartInPlace(ChildJvm a, String application, Path stateA, Arrivals answers, Load load) throws Exception {
        String name = PREFIX + "command processor restarted in place";
        String how = "SIGKILL under load, same state directory, static membership";
        LockSupport.parkNanos(WARM.toNanos());
        Benchmarks.progress("recovery: SIGKILL of the command processor under load");
        long killedAt = System.nanoTime();
        a.kill();
        Set<Long> inFlight = load.inFlight();
        double before = answers.perSecond(killedAt - TimeUnit.SECONDS.toNanos(6), killedAt - TimeUnit.SECONDS.toNanos(1));
        LockSupport.parkNanos(GRACE.toNanos());
        long restartedAt = System.nanoTime();
        long restartedWall = System.currentTimeMillis();
        answers.mark(restartedAt);
        ChildJvm restarted = processor(application, stateA, "a", 0, DEFAULT_SESSION_TIMEOUT_MS);
        long running = Long.parseLong(restarted.awaitLine(RecoveryChild.RUNNING, PATIENCE));
        long first = answers.awaitFirst(PATIENCE);
        long all = load.awaitAnswered(inFlight);
        long full = answers.awaitRate(restartedAt, FULL * before, PATIENCE);
        long restored = restoredSoFar(restarted);
        results.add(Measurement.of(name, "commands/s before the kill", before, how + "; deposits to random accounts, " + IN_FLIGHT + " in flight"));
        results.add(Measurement.of(name, "s to RUNNING", (running - restartedWall) / 1000.0, how + "; from the new JVM's start"));
        results.add(Measurement.of(name, "s to first accepted command", seconds(first - restartedAt), how + "; from the new JVM's start"));
        results.add(Measurement.of(name, "s to every partition serving", seconds(all - restartedAt),
                how + "; from the new JVM's start until every command in flight at the kill was answered"));
        results.add(Measurement.of(name, "s to 80 % of the commands/s before", seconds(full - restartedAt),
                how + "; from the new JVM's start to the end of the first 1 s window at 80 %"));
        results.add(Measurement.of(name, "changelog records restored", restored, how + "; read by the new JVM's restore consumers"));
        long wiped = wipedTasks(restarted);
        results.add(Measurement.of(name, "tasks rebuilt from scratch", wiped, how + "; of " + RecoveryChild.PARTITIONS
                + ", each with a state and a history store; tasks Kafka Streams found corrupted and rebuilt (its log)"));
        Benchmarks.progress(String.format(Locale.ROOT, "recovery: restarted processor RUNNING after %.1f s, first command after %.1f s,"
                        + " every partition serving after %.1f s, 80 %% throughput after %.1f s, %,d records restored, %d of %d tasks rebuilt"
                        + " from scratch", (running - restartedWall) / 1000.0, seconds(first - restartedAt), seconds(all - restartedAt),
                seconds(full - restartedAt), restored, wiped, RecoveryChild.PARTITIONS));
        return restarted;
    }

    private void failOver(ChildJvm a, ChildJvm b, Arrivals answers, Load load) throws Exception {
        String name = PREFIX + "standby replica takes over";
        // the same words in every run: the column's name says when the session timeout was not 10 s
        String how = "two instances, num.standby.replicas=1, SIGKILL of the active one under load, session timeout 10 s unless the column says otherwise";
        LockSupport.parkNanos(WARM.toNanos());
        // the standby keeps reading under load, so its count never stands still: take it as it is
        long standbyBefore = Long.parseLong(b.lastLine(RecoveryChild.RESTORED).orElse("0"));
        Benchmarks.progress("recovery: SIGKILL of the active instance under load");
        long killedAt = System.nanoTime();
        a.kill();
        Set<Long> inFlight = load.inFlight();
        double before = answers.perSecond(killedAt - TimeUnit.SECONDS.toNanos(6), killedAt - TimeUnit.SECONDS.toNanos(1));
        LockSupport.parkNanos(GRACE.toNanos());
        answers.mark(System.nanoTime());
        long first = answers.awaitFirst(PATIENCE);
        long all = load.awaitAnswered(inFlight);
        long full = answers.awaitRate(killedAt, FULL * before, PATIENCE);
        // the survivor's restore consumer also kept its standby up to date before the kill: only what came after counts
        long restored = restoredSoFar(b) - standbyBefore;
        results.add(Measurement.of(name, "commands/s before the kill", before, how + "; deposits to random accounts, " + IN_FLIGHT + " in flight"));
        results.add(Measurement.of(name, "s to first accepted command", seconds(first - killedAt), how + "; from the kill, through the survivor"));
        results.add(Measurement.of(name, "s to every partition serving", seconds(all - killedAt),
                how + "; from the kill until every command in flight at it was answered (the killed instance's share only after the takeover)"));
        results.add(Measurement.of(name, "s to 80 % of the commands/s before", seconds(full - killedAt),
                how + "; from the kill to the end of the first 1 s window at 80 %"));
        results.add(Measurement.of(name, "changelog records restored", restored, how + "; read by the survivor's restore consumer after the kill"));
        Benchmarks.progress(String.format(Locale.ROOT, "recovery: survivor's first command %.1f s after the kill, every partition serving after"
                + " %.1f s, 80 %% throughput after %.1f s, %,d records restored", seconds(first - killedAt), seconds(all - killedAt),
                seconds(full - killedAt), restored));
    }

    /** (c) the balance projection over as many view keys, SIGKILLed while events keep coming, restarted in place. */
    private void projection() throws Exception {
        String name = PREFIX + "projection restarted in place";
        String how = "account balances, SIGKILL while 2,000 events/s arrive, same state directory, static membership";
        String application = "recovery-view-" + Long.toString(System.nanoTime() % 1_000_000, 36);
        String topic = AggregateTopics.of(application, "account").events();
        kafka.createCompactedTopic(topic, RecoveryChild.PARTITIONS);
        Path state = dir.resolve("projection");
        Serde<SpecificRecord> avro = RecoveryChild.avro();
        try (BankEventWriter writer = new BankEventWriter(kafka, topic, RecoveryChild.PARTITIONS, avro, aggregates)) {
            Benchmarks.progress(String.format(Locale.ROOT, "recovery: writing %,d account events for the projection", aggregates));
            for (int written = 0; written < aggregates; written += 100_000) {
                writer.write(Math.min(100_000, aggregates - written));
            }
            ChildJvm view = projection(application, state);
            try {
                String applicationId = view.awaitLine(RecoveryChild.APPLICATION_ID, PATIENCE);
                view.awaitLine(RecoveryChild.CAUGHT_UP, PATIENCE);
                Benchmarks.progress("recovery: projection caught up; events keep coming");
                Arrivals folds = new Arrivals();
                try (Feed feed = new Feed(writer);
                     ChangelogWatch watch = new ChangelogWatch(kafka, applicationId, folds)) {
                    LockSupport.parkNanos(WARM.toNanos());
                    Benchmarks.progress("recovery: SIGKILL of the projection");
                    view.kill();
                    LockSupport.parkNanos(GRACE.toNanos());
                    long restartedAt = System.nanoTime();
                    long restartedWall = System.currentTimeMillis();
                    folds.mark(restartedAt);
                    view = projection(application, state);
                    long running = Long.parseLong(view.awaitLine(RecoveryChild.RUNNING, PATIENCE));
                    long first = folds.awaitFirst(PATIENCE);
                    long caughtUp = Long.parseLong(view.awaitLine(RecoveryChild.CAUGHT_UP, PATIENCE));
                    long restored = restoredSoFar(view);
                    results.add(Measurement.of(name, "s to RUNNING", (running - restartedWall) / 1000.0, how + "; from the new JVM's start"));
                    results.add(Measurement.of(name, "s to first fold", seconds(first - restartedAt),
                            how + "; from the new JVM's start to the first view update committed to the changelog"));
                    results.add(Measurement.of(name, "s to caught up", (caughtUp - restartedWall) / 1000.0,
                            how + "; from the new JVM's start until it has folded every event written before it was RUNNING"));
                    results.add(Measurement.of(name, "changelog records restored", restored, how + "; read by the new JVM's restore consumer"));
                    results.add(Measurement.of(name, "tasks rebuilt from scratch", wipedTasks(view), how + "; of " + RecoveryChild.PARTITIONS
                            + "; tasks Kafka Streams found corrupted and rebuilt (its log)"));
                    Benchmarks.progress(String.format(Locale.ROOT, "recovery: projection RUNNING after %.1f s, first fold after %.1f s,"
                                    + " caught up after %.1f s, %,d records restored", (running - restartedWall) / 1000.0,
                            seconds(first - restartedAt), (caughtUp - restartedWall) / 1000.0, restored));
                }
            } finally {
                view.close();
            }
        }
    }

    private ChildJvm processor(String application, Path state, String instance, int standbys, int sessionTimeoutMs) throws Exception {
        return child("processor-" + instance, List.of("processor", kafka.bootstrapServers(), application, state.toString(),
                "processor-" + instance, Integer.toString(standbys), Integer.toString(sessionTimeoutMs),
                Integer.toString(settings.heartbeatMs(sessionTimeoutMs)), Boolean.toString(transactionalStores),
                Long.toString(settings.writeBufferBytes()), settings.groupProtocol()));
    }

    private ChildJvm projection(String application, Path state) throws Exception {
        return child("projection", List.of("projection", kafka.bootstrapServers(), application, state.toString(), "projection-1",
                Boolean.toString(transactionalStores), Long.toString(settings.writeBufferBytes()), settings.groupProtocol()));
    }

    /**
     * Under the streams protocol the broker, not the client, decides the session timeout, the
     * heartbeat and the standby count: they are configs of the group, set here before its members
     * start (the embedded broker allows sessions down to a second). The classic protocol takes them
     * from the children's own properties.
     */
    private void groupConfigs(String group, int standbys, int sessionTimeoutMs) throws Exception {
        if (!settings.streamsProtocol()) {
            return;
        }
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
        List<AlterConfigOp> ops = List.of(
                new AlterConfigOp(new ConfigEntry("streams.session.timeout.ms", Integer.toString(sessionTimeoutMs)), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("streams.heartbeat.interval.ms", Integer.toString(settings.heartbeatMs(sessionTimeoutMs))),
                        AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("streams.num.standby.replicas", Integer.toString(standbys)), AlterConfigOp.OpType.SET));
        kafka.admin().incrementalAlterConfigs(Map.of(resource, ops)).all().get(30, TimeUnit.SECONDS);
    }

    private ChildJvm child(String name, List<String> args) throws Exception {
        Files.createDirectories(dir);
        Path log = logs.resolve(String.format(Locale.ROOT, "%02d-%s.log", children.size() + 1, name));
        ChildJvm child = ChildJvm.start(name, RecoveryChild.class, "1g", log, args);
        children.add(child);
        return child;
    }

    /**
     * Counts the tasks whose local state Kafka Streams threw away after the crash, from the
     * TaskCorruptedException it logs for them ("Tasks [0_1, 0_3] are corrupted and hence need to be
     * re-initialized"), in the same words on 4.3 and 4.4. Kafka 4.4 also logs those words from a
     * start-up pass that opens each task's stores as non-transactional ("Failed to register startup
     * state stores for task ..."); that pass deletes nothing, and the task then restores from the
     * offsets its stores hold, so those lines are not wipes.
     */
    private static long wipedTasks(ChildJvm child) {
        Pattern corrupted = Pattern.compile("Tasks \\[([^\\]]*)\\] are corrupted");
        return child.linesContaining("are corrupted").stream().filter(line -> !line.contains("Failed to register startup state stores"))
                .map(corrupted::matcher).filter(Matcher::find)
                .flatMap(m -> Arrays.stream(m.group(1).split(",\\s*"))).filter(task -> !task.isBlank()).distinct().count();
    }

    /** The records the child's restore consumers have read, once the count has not moved for a moment. */
    private static long restoredSoFar(ChildJvm child) {
        return awaitStill(child, Duration.ofMillis(500), false);
    }

    /** Waits until the child's restored-records count has not changed for {@code still}, and returns it. */
    private static long awaitStill(ChildJvm child, Duration still, boolean someRecords) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        long last = Long.parseLong(child.awaitLine(RecoveryChild.RESTORED, PATIENCE));
        long since = System.nanoTime();
        while (System.nanoTime() - since < still.toNanos() || someRecords && last == 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the restored-records count still moves after " + PATIENCE);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            long now = Long.parseLong(child.lastLine(RecoveryChild.RESTORED).orElse("0"));
            if (now != last) {
                last = now;
                since = System.nanoTime();
            }
        }
        return last;
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    /** When things arrived, in 100 ms buckets, and the first arrival after a mark. */
    static final class Arrivals {
        private static final long BUCKET = TimeUnit.MILLISECONDS.toNanos(100);
        private final long origin = System.nanoTime();
        private final AtomicIntegerArray buckets = new AtomicIntegerArray(10 * 60 * 60 * 2);
        private final AtomicLong firstAfterMark = new AtomicLong();
        private volatile long mark = Long.MAX_VALUE;

        void arrived(int count) {
            long now = System.nanoTime();
            int bucket = (int) ((now - origin) / BUCKET);
            if (bucket < buckets.length()) {
                buckets.addAndGet(bucket, count);
            }
            if (now >= mark) {
                firstAfterMark.compareAndSet(0, now);
            }
        }

        /** Forgets the previous first arrival: the next one after {@code at} counts. */
        void mark(long at) {
            firstAfterMark.set(0);
            mark = at;
        }

        /** Returns arrivals per second between two instants (whole buckets). */
        double perSecond(long from, long to) {
            int first = bucket(from);
            int last = bucket(to);
            long sum = 0;
            for (int i = first; i < last; i++) {
                sum += buckets.get(i);
            }
            return sum / ((last - first) * BUCKET / 1e9);
        }

        /** Waits for the first arrival after the mark and returns its nanoTime. */
        long awaitFirst(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (firstAfterMark.get() == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("nothing arrived within " + timeout + " after the restart");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
            return firstAfterMark.get();
        }

        /** Waits for the first 1 s window after {@code from} with at least {@code perSecond} arrivals and returns its end. */
        long awaitRate(long from, double perSecond, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            int windowEnd = bucket(from) + 10;
            long sum = -1;
            while (true) {
                // only windows whose every bucket is over
                while (windowEnd < bucket(System.nanoTime())) {
                    sum = 0;
                    for (int i = windowEnd - 10; i < windowEnd; i++) {
                        sum += buckets.get(i);
                    }
                    if (sum >= perSecond) {
                        return origin + windowEnd * BUCKET;
                    }
                    windowEnd++;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(String.format(Locale.ROOT, "no 1 s window reached %.0f/s within %s; the last had %d",
                            perSecond, timeout, sum));
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }

        private int bucket(long nanos) {
            return (int) Math.max(0, (nanos - origin) / BUCKET);
        }
    }

    /** Deposits to random accounts as fast as the processor answers, at most {@value #IN_FLIGHT} unanswered. */
    private static final class Load implements AutoCloseable {
        private final Semaphore window = new Semaphore(IN_FLIGHT);
        private final AtomicLong failures = new AtomicLong();
        private final Thread sender;
        /** The commands sent and not yet answered, by a number of their own. */
        private final Set<Long> unanswered = ConcurrentHashMap.newKeySet();
        private final AtomicLong sent = new AtomicLong();
        private volatile boolean paused;
        private volatile boolean stopped;

        Load(CommandGateway<SpecificRecord, SpecificRecord> gateway, int accounts, Arrivals answers) {
            sender = new Thread(() -> {
                while (!stopped) {
                    try {
                        if (paused || !window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(paused ? 10 : 0));
                            continue;
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                    String account = MyelinCommands.accountId(ThreadLocalRandom.current().nextInt(accounts));
                    long number = sent.incrementAndGet();
                    unanswered.add(number);
                    gateway.send(account, new Deposit(1L)).whenComplete((result, error) -> {
                        unanswered.remove(number);
                        if (result instanceof CommandResult.Accepted) {
                            answers.arrived(1);
                        } else {
                            failures.incrementAndGet();
                        }
                        window.release();
                    });
                }
            }, "recovery-load");
            sender.setDaemon(true);
            sender.start();
        }

        /**
         * Returns the commands in flight now. The killed instance's share of them can only be answered
         * by whoever takes its partitions over, so the moment the last of them is answered is when
         * every partition serves again.
         */
        Set<Long> inFlight() {
            return Set.copyOf(unanswered);
        }

        /** Waits until none of {@code commands} is unanswered and returns the nanoTime it noticed. */
        long awaitAnswered(Set<Long> commands) {
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (commands.stream().anyMatch(unanswered::contains)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("commands in flight at the kill still unanswered after " + PATIENCE);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            return System.nanoTime();
        }

        /** Stops sending and waits until every command sent has its answer. */
        void pause() throws InterruptedException {
            paused = true;
            if (!window.tryAcquire(IN_FLIGHT, PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("deposits still unanswered after " + PATIENCE);
            }
            window.release(IN_FLIGHT);
        }

        void resume() {
            paused = false;
        }

        long failures() {
            return failures.get();
        }

        @Override
        public void close() throws InterruptedException {
            stopped = true;
            sender.join(TimeUnit.SECONDS.toMillis(10));
        }
    }

    /** Writes 2,000 bank events a second from its own thread while the projection is killed and restarted. */
    private static final class Feed implements AutoCloseable {
        private final Thread thread;
        private volatile boolean stopped;
        private volatile RuntimeException failure;

        Feed(BankEventWriter writer) {
            thread = new Thread(() -> {
                long next = System.nanoTime();
                while (!stopped) {
                    try {
                        writer.write(200);
                    } catch (RuntimeException e) {
                        failure = e;
                        return;
                    }
                    next += TimeUnit.MILLISECONDS.toNanos(100);
                    LockSupport.parkNanos(next - System.nanoTime());
                }
            }, "recovery-feed");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stopped = true;
            thread.join(TimeUnit.SECONDS.toMillis(30));
            if (failure != null) {
                throw new IllegalStateException("writing events for the projection failed: " + failure.getMessage(), failure);
            }
        }
    }

    /** Reads the projection's changelog (read_committed) from its end and notes when committed folds arrive. */
    private static final class ChangelogWatch implements AutoCloseable {
        private final Thread thread;
        private volatile boolean stopped;

        ChangelogWatch(EmbeddedKafkaCluster kafka, String applicationId, Arrivals folds) throws Exception {
            List<String> changelogs = kafka.admin().listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(name -> name.startsWith(applicationId) && name.endsWith("-changelog")).sorted().toList();
            if (changelogs.isEmpty()) {
                throw new IllegalStateException("no changelog topic of " + applicationId);
            }
            Map<String, Object> config = kafka.clientProperties();
            config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions = changelogs.stream()
                    .flatMap(topic -> consumer.partitionsFor(topic).stream().map(info -> new TopicPartition(topic, info.partition())))
                    .collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            thread = new Thread(() -> {
                try (consumer) {
                    while (!stopped) {
                        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(20));
                        if (!records.isEmpty()) {
                            folds.arrived(records.count());
                        }
                    }
                }
            }, "recovery-changelog-watch");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stopped = true;
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
    }
}
