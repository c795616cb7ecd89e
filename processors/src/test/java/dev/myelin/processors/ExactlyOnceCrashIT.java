package dev.myelin.processors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.embedded.Await;
import dev.myelin.eventstore.internal.AggregatePartitioner;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.schemas.EventMetadata;

/**
 * The proof of exactly-once views, which one JVM cannot give: a projection in a child JVM is killed
 * with SIGKILL three times while it works through a backlog, each time after a random number of
 * processed events, and started again on the same state directory. Its published view then equals
 * the fold of the event log: no event counted twice, none missed.
 *
 * <p>The kill moments come from a seed that is logged; {@code -Dmyelin.crash.seed=<seed>} replays them.
 */
@MyelinKafka(brokers = 1)
class ExactlyOnceCrashIT {
    private static final Logger log = LoggerFactory.getLogger(ExactlyOnceCrashIT.class);

    private static final int PARTITIONS = 3;
    private static final int ACCOUNTS = 500;
    private static final int EVENTS = 50_000;
    private static final int KILLS = 3;
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String GROUP = CrashChild.NAME + ".v1";

    private final EmbeddedKafkaCluster kafka;

    @TempDir
    Path stateDir;

    ExactlyOnceCrashIT(EmbeddedKafkaCluster kafka) {
        this.kafka = kafka;
    }

    @Test
    void aViewKilledThreeTimesMidStreamAndRestartedCountsEveryEventOnce() throws Exception {
        long seed = Long.getLong("myelin.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        log.info("kill moments drawn with seed {} (replay with -Dmyelin.crash.seed={})", seed, seed);
        kafka.createCompactedTopic(CrashChild.EVENTS, PARTITIONS);
        Map<String, long[]> fold = new HashMap<>();
        Map<String, Long> sequences = new HashMap<>();

        // the whole backlog first: every life of the projection then works flat out, so the kills land mid-stream
        write(0, EVENTS, fold, sequences);
        Process child = child(0);
        try {
            // where the current life started, read while no child runs: its committed position and the view updates
            // already sent, so that the updates it sends tell how far it has processed
            long committedAtPreviousKill = 0;
            long viewUpdatesBeforeLife = 0;
            for (int kill = 1; kill <= KILLS; kill++) {
                long lifeFrom = committedAtPreviousKill;
                long viewUpdatesAtLifeStart = viewUpdatesBeforeLife;
                // the random moment: a source position in the kill-th of KILLS + 1 equal stretches of the log,
                // give or take a fifth of a stretch, so that each kill leaves work before and after it
                long stretch = EVENTS / (KILLS + 1);
                long target = kill * stretch - stretch / 5 + random.nextInt((int) (2 * stretch / 5));
                long committedBefore = committedAtPreviousKill;
                // the kill also waits for this life's first commit, so that every life makes progress that stays
                Await.until(WAIT, "life " + (kill - 1) + " committed progress and processed up to about " + target,
                        () -> committed() > committedBefore
                                && lifeFrom + viewUpdates(IsolationLevel.READ_UNCOMMITTED) - viewUpdatesAtLifeStart >= target,
                        () -> "committed " + committed() + ", view updates " + viewUpdates(IsolationLevel.READ_UNCOMMITTED));
                long killedAt = System.nanoTime();
                child.destroyForcibly(); // SIGKILL: no close, no commit, an open transaction
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("killed child ended").isTrue();
                assertThat(child.exitValue()).as("exit status of a SIGKILLed JVM (128 + 9)").isEqualTo(137);

                long atKill = committed();
                // every record the dead producer sent is on the broker now; the ones past the last stable offset
                // belong to the transaction the kill left open, which the restart aborts
                long sent = viewUpdates(IsolationLevel.READ_UNCOMMITTED);
                long openViewUpdates = sent - viewUpdates(IsolationLevel.READ_COMMITTED);
                long processed = lifeFrom + sent - viewUpdatesAtLifeStart;
                assertThat(atKill).as("kill %d: committed progress since the previous kill", kill).isGreaterThan(committedAtPreviousKill);
                assertThat(atKill).as("kill %d: work remained at the kill", kill).isLessThan(EVENTS);
                assertThat(processed).as("kill %d: the child was still behind the end of the log", kill).isLessThan(EVENTS);
                committedAtPreviousKill = atKill;
                viewUpdatesBeforeLife = sent;

                child = child(kill);
                long runningMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
                Await.until(WAIT, "the child restarted after kill " + kill + " committed progress", () -> committed() > atKill,
                        this::committed);
                log.info("kill {} at about {} of {} events processed (target {}): {} committed, {} view updates of the open "
                                + "transaction cut off, {} events not yet processed; restarted JVM running {} ms after the kill, "
                                + "first commit past the kill {} ms after it", kill, processed, EVENTS, target, atKill, openViewUpdates,
                        EVENTS - processed, runningMillis, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
            }
            Await.until(WAIT, "the last child processed every event", () -> committed() == end(), this::committed);
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }

        Map<String, String> published = new HashMap<>();
        Map<String, List<Long>> counts = new HashMap<>();
        kafka.readAll(CrashChild.VIEWS, new StringDeserializer(), new StringDeserializer(), Duration.ofSeconds(60))
                .forEach(r -> {
                    published.put(r.key(), r.value());
                    counts.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(Long.parseLong(r.value().split(",")[1]));
                });
        Map<String, String> expected = new HashMap<>();
        fold.forEach((account, sumAndCount) -> expected.put(account, sumAndCount[0] + "," + sumAndCount[1]));
        assertThat(published).hasSize(ACCOUNTS).isEqualTo(expected);
        // Stronger than the end state: read_committed, each key's published counts run 1, 2, 3... with no
        // repeat, so not even a view update of a killed transaction became visible.
        counts.forEach((account, seen) -> assertThat(seen).as("published counts of %s", account)
                .isEqualTo(LongStream.rangeClosed(1, seen.size()).boxed().toList()));
    }

    /** Writes events {@code from} (inclusive) to {@code to} as the event store would, and folds them. */
    private void write(int from, int to, Map<String, long[]> fold, Map<String, Long> sequences) {
        Map<String, Object> props = new HashMap<>(kafka.clientProperties());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            for (int i = from; i < to; i++) {
                String account = "acc-" + (i % ACCOUNTS);
                long amount = i % 97 + 1;
                long sequence = sequences.merge(account, 1L, Long::sum);
                EventMetadata metadata = new EventMetadata("e-" + i, "Amount", account, sequence, Instant.EPOCH, "c-" + i,
                        "k-" + i, "c-" + i);
                int partition = AggregatePartitioner.partitionOf(account, PARTITIONS);
                producer.send(new ProducerRecord<>(CrashChild.EVENTS, partition, account + "@" + sequence,
                        Long.toString(amount), metadata.writeTo(new RecordHeaders())));
                long[] sumAndCount = fold.computeIfAbsent(account, a -> new long[2]);
                sumAndCount[0] += amount;
                sumAndCount[1]++;
            }
            producer.flush();
        }
    }

    private Process child(int life) throws IOException {
        String name = "child-" + life;
        Path logFile = Files.createDirectories(Path.of("target", "crash-it")).resolve(name + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                CrashChild.class.getName(), kafka.bootstrapServers(), stateDir.toString(),
                // -Dmyelin.crash.guarantee=at_least_once shows this test failing: events after the last commit count twice
                System.getProperty("myelin.crash.guarantee", "exactly_once_v2"))
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile())
                .start();
        Await.until(WAIT, "child " + name + " is running (see " + logFile + ")",
                () -> read(logFile.toFile()).contains("RUNNING") || !process.isAlive(), () -> tail(logFile.toFile()));
        assertThat(process.isAlive()).as("child %s is alive; its log: %s", name, tail(logFile.toFile())).isTrue();
        return process;
    }

    /** Returns the projection's committed position, summed over the source partitions. */
    private long committed() {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = kafka.admin().listConsumerGroupOffsets(GROUP)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(CrashChild.EVENTS))
                    .mapToLong(e -> e.getValue().offset()).sum();
        } catch (Exception e) {
            throw new AssertionError("could not read the committed offsets of " + GROUP, e);
        }
    }

    /**
     * Returns the end of the published views, summed over their partitions: with {@code READ_UNCOMMITTED}
     * every view update sent so far (one per processed event, plus a marker per partition and commit),
     * with {@code READ_COMMITTED} the last stable offset, short of any open transaction.
     */
    private long viewUpdates(IsolationLevel isolation) {
        try {
            int partitions = kafka.admin().describeTopics(List.of(CrashChild.VIEWS)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(CrashChild.VIEWS).partitions().size();
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                request.put(new TopicPartition(CrashChild.VIEWS, p), OffsetSpec.latest());
            }
            return kafka.admin().listOffsets(request, new ListOffsetsOptions(isolation)).all()
                    .get(30, TimeUnit.SECONDS).values().stream().mapToLong(info -> info.offset()).sum();
        } catch (Exception e) {
            throw new AssertionError("could not read the end of " + CrashChild.VIEWS, e);
        }
    }

    /** Returns the end of the events topic, summed over its partitions. */
    private long end() {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            request.put(new TopicPartition(CrashChild.EVENTS, p), OffsetSpec.latest());
        }
        try {
            return kafka.admin().listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                    .get(30, TimeUnit.SECONDS).values().stream().mapToLong(info -> info.offset()).sum();
        } catch (Exception e) {
            throw new AssertionError("could not read the end of " + CrashChild.EVENTS, e);
        }
    }

    private static String read(File file) {
        try {
            return file.exists() ? Files.readString(file.toPath()) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(File file) {
        String text = read(file);
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
