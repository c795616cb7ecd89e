package dev.myelin.sagas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.Health;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.eventstore.TopicConfigurationException;
import dev.myelin.sagas.shop.OrderPlaced;
import dev.myelin.sagas.shop.PlaceOrderData;
import dev.myelin.sagas.shop.Shop;

/**
 * The topics a saga runtime creates on a real broker: each as durable as the application (its
 * replication factor and {@code min.insync.replicas}, changelogs included), the log and the dead
 * letters kept for an explicit time; and an existing topic that would lose data stops the start with
 * an error naming the fix, as the event store's check does.
 */
@MyelinKafka(brokers = 1, shared = true)
class SagaTopicsIT {
    private static final AtomicInteger APPS = new AtomicInteger();
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final long DAY = Duration.ofDays(1).toMillis();

    private static MyelinConfig config(EmbeddedKafkaCluster kafka) {
        String application = "topics-" + APPS.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 100_000, 36);
        MyelinConfig config = MyelinConfig.builder(application).bootstrapServers(kafka.bootstrapServers()).singleBrokerDevMode()
                .partitions(2).build();
        // the participants' topics, as their event stores would have made them
        for (String aggregate : List.of("order", "customer", "stock")) {
            AggregateTopics topics = AggregateTopics.of(application, aggregate);
            kafka.createTopic(topics.commands(), 2);
            kafka.createTopic(topics.commandResults(), 2);
        }
        kafka.createCompactedTopic(AggregateTopics.of(application, "order").events(), 2);
        return config;
    }

    private static SagaRuntime.Builder<OrderPlaced, PlaceOrderData> builder(MyelinConfig config, Path dir) {
        return SagaRuntime.builder(Shop.placeOrder(config.application(), Shop.singleObject(), Duration.ofSeconds(5)), config)
                .stateDirectory(dir);
    }

    @Test
    void everyTopicAndChangelogIsAsDurableAsTheApplicationAndTheLogAndDeadLettersAreKeptForAnExplicitTime(EmbeddedKafkaCluster kafka,
                                                                                                          @TempDir Path dir) throws Exception {
        MyelinConfig config = config(kafka);
        String applicationId = config.application() + ".saga.place-order";
        SagaRuntime<OrderPlaced, PlaceOrderData> runtime = builder(config, dir).start();
        try {
            Await.until(PATIENCE, "running", () -> runtime.health() instanceof Health.Running);
            SagaTopics topics = runtime.topics();
            for (String topic : List.of(topics.inbox(), topics.log(), topics.deadLetters(), applicationId + "-sagas-changelog",
                    applicationId + "-saga-deadlines-changelog")) {
                assertThat(kafka.topicConfig(topic).get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).source()).as(topic)
                        .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            }
            Map<String, ConfigEntry> log = kafka.topicConfig(topics.log());
            assertThat(log.get(TopicConfig.RETENTION_MS_CONFIG).value()).as("30 days: longer than 7 days in the store plus 24 h of dedup")
                    .isEqualTo(Long.toString(30 * DAY));
            assertThat(log.get(TopicConfig.RETENTION_MS_CONFIG).source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            assertThat(log.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo(TopicConfig.CLEANUP_POLICY_DELETE);
            Map<String, ConfigEntry> dead = kafka.topicConfig(topics.deadLetters());
            assertThat(dead.get(TopicConfig.RETENTION_MS_CONFIG).value()).isEqualTo(Long.toString(30 * DAY));
            assertThat(dead.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo(TopicConfig.CLEANUP_POLICY_DELETE);
        } finally {
            runtime.close();
        }
        // closed: nothing to read, and it says why rather than throwing
        assertThat(runtime.state("o-1")).isEmpty();
        assertThat(runtime.health()).isInstanceOfSatisfying(Health.Degraded.class, d -> assertThat(d.reason()).contains("closed"));

        // a second start meets its own topics and finds them fine
        try (SagaRuntime<OrderPlaced, PlaceOrderData> again = builder(config, dir).start()) {
            assertThat(again.state("o-1")).isEmpty();
        }
    }

    @Test
    void aCompactedSagaLogIsAStartupErrorNamingTheFix(EmbeddedKafkaCluster kafka, @TempDir Path dir) {
        MyelinConfig config = config(kafka);
        String log = SagaTopics.of(config.application(), "place-order").log();
        kafka.createCompactedTopic(log, 2);

        assertThatThrownBy(() -> builder(config, dir).start())
                .isInstanceOf(TopicConfigurationException.class)
                .hasMessageContaining("topic " + log + " has cleanup.policy=compact")
                .hasMessageContaining("--add-config cleanup.policy=delete");
    }

    @Test
    void aSagaLogKeptShorterThanTheSagasItRecordsIsAStartupErrorNamingTheFix(EmbeddedKafkaCluster kafka, @TempDir Path dir) {
        MyelinConfig config = config(kafka);
        String log = SagaTopics.of(config.application(), "place-order").log();
        kafka.createTopic(log, 2, Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(DAY)));

        assertThatThrownBy(() -> builder(config, dir).start())
                .isInstanceOf(TopicConfigurationException.class)
                .hasMessageContaining("topic " + log + " has retention.ms=" + DAY)
                .hasMessageContaining("the saga store's retention plus the dedup retention (" + 8 * DAY + " ms")
                .hasMessageContaining("--add-config retention.ms=" + 8 * DAY);
    }

    @Test
    void aDeadLetterTopicKeptShorterThanConfiguredIsAStartupError(EmbeddedKafkaCluster kafka, @TempDir Path dir) {
        MyelinConfig config = config(kafka);
        String dead = SagaTopics.of(config.application(), "place-order").deadLetters();
        kafka.createTopic(dead, 2, Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(DAY)));

        assertThatThrownBy(() -> builder(config, dir).start())
                .isInstanceOf(TopicConfigurationException.class)
                .hasMessageContaining("topic " + dead + " has retention.ms=" + DAY)
                .hasMessageContaining(MyelinConfig.DEAD_LETTER_RETENTION_MS);
    }

    @Test
    void anInboxWhosePartitionsNoLongerMatchTheSagaStoreIsAStartupError(EmbeddedKafkaCluster kafka, @TempDir Path dir) {
        MyelinConfig config = config(kafka);
        String changelog = config.application() + ".saga.place-order-sagas-changelog";
        // the saga store of an earlier run had 3 partitions; the inbox (created now with the configured 2) cannot reach them all
        kafka.createCompactedTopic(changelog, 3);

        assertThatThrownBy(() -> builder(config, dir).start())
                .isInstanceOf(TopicConfigurationException.class)
                .hasMessageContaining("has 2 partitions but the saga store's changelog " + changelog + " has 3");
    }
}
