package dev.myelin.processors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.schemas.EventMetadata;

/**
 * The proof of exactly-once views, which one JVM cannot give: a projection in a child JVM is killed
 * with SIGKILL while it processes, started again on the same state directory, and its published view
 * then equals the fold of the event log: no event counted twice, none missed.
 */
@MyelinKafka(brokers = 1)
class ExactlyOnceCrashIT {

    private static final int PARTITIONS = 3;
    private static final int ACCOUNTS = 500;
    private static final int EVENTS = 50_000;
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String GROUP = CrashChild.NAME + ".v1";

    private final EmbeddedKafkaCluster kafka;

    @TempDir
    Path stateDir;

    ExactlyOnceCrashIT(EmbeddedKafkaCluster kafka) {
        this.kafka = kafka;
    }

    @Test
    void aViewKilledMidStreamAndRestartedCountsEveryEventOnce() throws Exception {
        kafka.createCompactedTopic(CrashChild.EVENTS, PARTITIONS);
        Map<String, long[]> fold = new HashMap<>();
        Map<String, Long> sequences = new HashMap<>();

        write(0, EVENTS / 2, fold, sequences);
        Process first = child("first");
        try {
            Poll.until(WAIT, "the first child made progress", () -> committed() >= 2_000, this::committed);
            write(EVENTS / 2, EVENTS, fold, sequences);
        } finally {
            first.destroyForcibly(); // SIGKILL: no close, no commit, an open transaction
        }
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        long atKill = committed();
        assertThat(atKill).as("killed in the middle").isLessThan(EVENTS);

        Process second = child("second");
        try {
            Poll.until(WAIT, "the second child processed every event", () -> committed() == end(), this::committed);
        } finally {
            second.destroyForcibly();
            second.waitFor(30, TimeUnit.SECONDS);
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
        // repeat, so not even a view update of the killed transaction became visible.
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
                int partition = Utils.toPositive(Utils.murmur2(account.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
                producer.send(new ProducerRecord<>(CrashChild.EVENTS, partition, account + "@" + sequence,
                        Long.toString(amount), metadata.writeTo(new RecordHeaders())));
                long[] sumAndCount = fold.computeIfAbsent(account, a -> new long[2]);
                sumAndCount[0] += amount;
                sumAndCount[1]++;
            }
            producer.flush();
        }
    }

    private Process child(String name) throws IOException {
        Path log = Files.createDirectories(Path.of("target", "crash-it")).resolve(name + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                CrashChild.class.getName(), kafka.bootstrapServers(), stateDir.toString(),
                // -Dmyelin.crash.guarantee=at_least_once shows this test failing: events after the last commit count twice
                System.getProperty("myelin.crash.guarantee", "exactly_once_v2"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Poll.until(WAIT, "child " + name + " is running (see " + log + ")",
                () -> read(log.toFile()).contains("RUNNING") || !process.isAlive(), () -> tail(log.toFile()));
        assertThat(process.isAlive()).as("child %s is alive; its log: %s", name, tail(log.toFile())).isTrue();
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
