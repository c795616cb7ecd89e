package dev.myelin.processors;

import dev.myelin.embedded.Await;
import dev.myelin.eventstore.internal.AggregatePartitioner;
import dev.myelin.eventstore.Health;
import static dev.myelin.processors.Bank.deposited;
import static dev.myelin.processors.Bank.opened;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.EmbeddedSchemaRegistry;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.processors.bank.Balance;
import dev.myelin.processors.bank.Deposited;
import dev.myelin.schemas.InMemorySchemaRegistry;
import dev.myelin.schemas.SchemaRegistry;
import dev.myelin.schemas.SchemaRegistryConfig;

/**
 * Projections on a real broker when something around them fails: a real schema registry goes away
 * and comes back, and the projection holds its partitions and then folds every event once, with no
 * dead letter; and the topics it creates keep dead letters for an explicit time, as durable as the
 * application's own topics.
 */
@MyelinKafka(brokers = 1)
class ProjectionOutageIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int PARTITIONS = 3;

    private final EmbeddedKafkaCluster kafka;

    @TempDir
    Path dir;

    ProjectionOutageIT(EmbeddedKafkaCluster kafka) {
        this.kafka = kafka;
    }

    private ProjectionConfig.Builder config() {
        return ProjectionConfig.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .application("outage")
                .property("state.dir", dir.resolve("state").toString())
                .property("commit.interval.ms", 50)
                .property("num.stream.threads", 1);
    }

    private void write(String topic, List<Bank.EventRecord> records) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.clientProperties(), new StringSerializer(),
                new ByteArraySerializer())) {
            for (Bank.EventRecord record : records) {
                String aggregateId = record.key().substring(0, record.key().lastIndexOf('@'));
                int partition = AggregatePartitioner.partitionOf(aggregateId, PARTITIONS);
                producer.send(new ProducerRecord<>(topic, partition, record.key(), record.value(), record.headers()));
            }
            producer.flush();
        }
    }

    private static SchemaRegistry client(EmbeddedSchemaRegistry registry) {
        // few, short retries, as a client that notices an outage quickly; the projection does the waiting
        return SchemaRegistry.connect(SchemaRegistryConfig.builder().url(registry.url()).retries(1)
                .retryBackoff(Duration.ofMillis(50)).requestTimeout(Duration.ofSeconds(2)).connectTimeout(Duration.ofSeconds(1))
                .build());
    }

    /** Balances by account from {@code topic}. */
    private static Projection<String, Balance> balances(Bank bank, String name, String topic) {
        return Projection.named(name)
                .from(topic, bank.events)
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (balance, deposited, metadata) -> Bank.apply(balance, deposited.getAmount(), metadata))
                .build();
    }

    private static Map<String, Balance> viewOf(RunningProjection<String, Balance> running) {
        Map<String, Balance> view = new LinkedHashMap<>();
        try {
            running.query().all().forEach(entry -> view.put(entry.key(), entry.view()));
        } catch (ViewUnavailableException e) {
            return Map.of();
        }
        return view;
    }

    @Test
    void aRegistryOutageHoldsThePartitionsAndEveryEventIsFoldedOnceWhenItReturnsWithNoDeadLetter() throws Exception {
        String topic = "bank.outage.events";
        kafka.createCompactedTopic(topic, PARTITIONS);
        Path storage = dir.resolve("registry");
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder().storageDirectory(storage).start();
        EmbeddedSchemaRegistry restarted = null;
        try {
            // the event store wrote these while the registry was up; the projection has never seen their schemas
            Bank writer = new Bank(client(registry));
            List<Bank.EventRecord> records = new ArrayList<>();
            Map<String, Balance> fold = new LinkedHashMap<>();
            for (int a = 0; a < 6; a++) {
                String id = "acc-" + a;
                records.add(writer.event(id, opened("owner-" + a)));
                for (int d = 1; d <= 4; d++) {
                    records.add(writer.event(id, deposited(d * 10L + a)));
                }
                long sum = 4 * a + 100;
                fold.put(id, new Balance(sum, 4, 5L));
            }
            write(topic, records);
            registry.close();

            Projection<String, Balance> projection = balances(new Bank(client(registry)), "outage-balances", topic);
            try (RunningProjection<String, Balance> running = RunningProjection.start(projection, config().build())) {
                Await.until(WAIT, "a partition held, named in the health", () -> running.health() instanceof Health.Degraded d
                        && d.reason().contains("partition " + topic + "-") && d.reason().contains("schema registry is unavailable"),
                        running::health);
                Instant since = ((Health.Degraded) running.health()).since();
                // past one hold budget (5 s): the held stream thread was replaced at least once, and nothing gave up
                Await.until(WAIT, "held for longer than one process call may block",
                        () -> Duration.between(since, Instant.now()).toSeconds() >= 8 && running.health() instanceof Health.Degraded,
                        running::health);
                assertThat(running.state()).as("still up, its held thread replaced").isNotIn(ProjectionState.FAILED,
                        ProjectionState.STOPPED);
                assertThat(running.deadLetters(WAIT)).as("nothing dead-lettered during the outage").isEmpty();
                assertThat(viewOf(running)).isEmpty();

                restarted = EmbeddedSchemaRegistry.builder().storageDirectory(storage).port(registry.port()).start();

                Await.until(WAIT, "every event folded once", () -> viewOf(running).equals(fold), () -> viewOf(running));
                Await.until(WAIT, "healthy again", () -> running.health() instanceof Health.Running, running::health);
                assertThat(running.deadLetters(WAIT)).isEmpty();
            }
        } finally {
            registry.close();
            if (restarted != null) {
                restarted.close();
            }
        }
    }

    @Test
    void theDeadLetterTopicKeepsDeadLettersForAnExplicitTimeAsDurableAsTheApplication() throws Exception {
        String topic = "bank.retention.events";
        kafka.createCompactedTopic(topic, PARTITIONS);
        Bank bank = new Bank(new InMemorySchemaRegistry());
        Projection<String, Balance> byDefault = Projection.named("kept-by-default")
                .from(topic, bank.events)
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (balance, deposited, metadata) -> Bank.apply(balance, deposited.getAmount(), metadata))
                .publishTo("bank.kept-by-default")
                .build();
        Projection<String, Balance> configured = balances(bank, "kept-a-week", topic);
        ProjectionConfig durable = config().property("replication.factor", 1).property("topic.min.insync.replicas", 1).build();
        ProjectionConfig week = config().property(ProjectionConfig.DEAD_LETTER_RETENTION_MS, Duration.ofDays(7).toMillis()).build();

        try (RunningProjection<String, Balance> first = RunningProjection.start(byDefault, durable);
             RunningProjection<String, Balance> second = RunningProjection.start(configured, week)) {
            first.awaitRunning(WAIT);
            second.awaitRunning(WAIT);
            Await.until(WAIT, "running and healthy", () -> first.health() instanceof Health.Running, first::health);

            Map<String, ConfigEntry> dead = kafka.topicConfig(first.projection().deadLetterTopic());
            assertThat(dead.get(TopicConfig.RETENTION_MS_CONFIG).value()).isEqualTo(Long.toString(Duration.ofDays(30).toMillis()));
            assertThat(dead.get(TopicConfig.RETENTION_MS_CONFIG).source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            assertThat(dead.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo(TopicConfig.CLEANUP_POLICY_DELETE);
            assertThat(dead.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).source())
                    .as("the application's topic.min.insync.replicas, set on the topic")
                    .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            for (String created : List.of("outage.kept-by-default.redrive", "bank.kept-by-default")) {
                assertThat(kafka.topicConfig(created).get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).source()).as(created)
                        .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            }
            assertThat(kafka.topicConfig("bank.kept-by-default").get(TopicConfig.CLEANUP_POLICY_CONFIG).value())
                    .isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);

            Map<String, ConfigEntry> weekly = kafka.topicConfig(second.projection().deadLetterTopic());
            assertThat(weekly.get(TopicConfig.RETENTION_MS_CONFIG).value()).isEqualTo(Long.toString(Duration.ofDays(7).toMillis()));
            assertThat(weekly.get(TopicConfig.RETENTION_MS_CONFIG).source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            assertThat(weekly.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).source())
                    .as("no topic.min.insync.replicas given: the broker's")
                    .isNotEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);

            first.close();
            assertThat(first.health()).isInstanceOfSatisfying(Health.Degraded.class,
                    d -> assertThat(d.reason()).contains("closed"));
        }
    }
}
