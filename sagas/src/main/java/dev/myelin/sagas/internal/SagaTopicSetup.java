package dev.myelin.sagas.internal;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;

import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.eventstore.TopicConfigurationException;
import dev.myelin.eventstore.internal.TopicSetup;
import dev.myelin.sagas.SagaTopics;

/**
 * Creates a saga runtime's own topics when missing and checks them when present, as the event store
 * does its own (with {@link TopicSetup}): every topic gets the application's replication factor and
 * {@code min.insync.replicas}; the log and the dead-letter topic get an explicit retention; and an
 * existing topic that would lose data (compacted, kept too briefly, or an inbox whose partitions no
 * longer match the saga store's) is a startup error naming the fix.
 */
final class SagaTopicSetup {
    private static final long TIMEOUT_SECONDS = 60;

    private SagaTopicSetup() {
    }

    /**
     * Returns the shortest log retention allowed: a finished saga stays in the store for
     * {@code storeRetention}, and a participant remembers the command ids it answered for the dedup
     * retention, so a saga's log entries must outlive both, or the trail of a saga still queryable, or
     * of a command a participant may still answer as a duplicate, would be gone.
     */
    static Duration minimumLogRetention(Duration storeRetention, MyelinConfig config) {
        return storeRetention.plus(config.dedupRetention());
    }

    /**
     * Returns the log retention to use: the configured one, or the longer of 30 days and the minimum.
     *
     * @throws IllegalArgumentException if the configured one is shorter than the minimum
     */
    static Duration logRetention(Duration storeRetention, MyelinConfig config, String saga) {
        Duration minimum = minimumLogRetention(storeRetention, config);
        if (config.sagaLogRetention().isEmpty()) {
            Duration month = Duration.ofDays(30);
            return minimum.compareTo(month) > 0 ? minimum : month;
        }
        Duration configured = config.sagaLogRetention().get();
        if (configured.compareTo(minimum) < 0) {
            throw new IllegalArgumentException("saga " + saga + ": " + MyelinConfig.SAGA_LOG_RETENTION_MS + " is " + configured.toMillis()
                    + " ms (" + configured + "), shorter than the saga store's retention (retainFinishedSagas, " + storeRetention
                    + ") plus the dedup retention (" + MyelinConfig.DEDUP_RETENTION_MS + ", " + config.dedupRetention() + ") = "
                    + minimum + ": the saga log must outlive the sagas it records; set it to at least " + minimum.toMillis() + " ms");
        }
        return configured;
    }

    /**
     * Creates the saga's topics if missing and checks them.
     *
     * @param admin         an admin client
     * @param config        the application's configuration
     * @param topics        the saga's topics
     * @param applicationId the saga runtime's Kafka Streams application id, whose store changelog is checked too
     * @param logRetention  the log's retention
     * @param minimumLog    the shortest log retention that loses nothing
     * @throws TopicConfigurationException if an existing topic would lose data
     */
    static void ensure(Admin admin, MyelinConfig config, SagaTopics topics, String applicationId, Duration logRetention,
                       Duration minimumLog) throws InterruptedException, ExecutionException, TimeoutException {
        String minIsr = Integer.toString(config.minInsyncReplicas());
        Map<String, Map<String, String>> wanted = new LinkedHashMap<>();
        wanted.put(topics.inbox(), Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr));
        wanted.put(topics.log(), Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr, TopicConfig.RETENTION_MS_CONFIG, Long.toString(logRetention.toMillis())));
        wanted.put(topics.deadLetters(), Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(config.deadLetterRetention().toMillis())));
        TopicSetup.createMissing(admin, config, wanted);
        TopicSetup.checkOnceVisible(() -> check(admin, config, topics, applicationId, minimumLog));
    }

    private static void check(Admin admin, MyelinConfig config, SagaTopics topics, String applicationId, Duration minimumLog)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, Config> configs = TopicSetup.configs(admin, List.of(topics.inbox(), topics.log(), topics.deadLetters()));
        for (String topic : List.of(topics.inbox(), topics.log(), topics.deadLetters())) {
            Set<String> policies = TopicSetup.cleanupPolicies(configs.get(topic));
            if (policies.contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
                // keyed by saga id (or by the original record's key): compaction keeps the last record of each key only
                throw new TopicConfigurationException("topic " + topic + " has cleanup.policy=" + String.join(",", new TreeSet<>(policies))
                        + ", but a saga runtime's topics must have cleanup.policy=delete: compaction keeps only the last record of each "
                        + "saga and loses the rest; fix it with: kafka-configs.sh --alter --entity-type topics --entity-name " + topic
                        + " --add-config cleanup.policy=delete");
            }
        }
        requireRetention(topics.log(), configs.get(topics.log()), minimumLog, "the saga store's retention plus the dedup retention",
                MyelinConfig.SAGA_LOG_RETENTION_MS);
        requireRetention(topics.deadLetters(), configs.get(topics.deadLetters()), config.deadLetterRetention(),
                MyelinConfig.DEAD_LETTER_RETENTION_MS, MyelinConfig.DEAD_LETTER_RETENTION_MS);
        String changelog = applicationId + "-" + SagaTopology.SAGAS_STORE + "-changelog";
        Set<String> existing = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (existing.contains(changelog)) {
            Map<String, TopicDescription> described = admin.describeTopics(List.of(topics.inbox(), changelog)).allTopicNames()
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            int inbox = described.get(topics.inbox()).partitions().size();
            int store = described.get(changelog).partitions().size();
            if (inbox != store) {
                throw new TopicConfigurationException("topic " + topics.inbox() + " has " + inbox + " partitions but the saga store's "
                        + "changelog " + changelog + " has " + store + ": a saga's messages would reach a task that does not hold its "
                        + "state. Give the inbox " + store + " partitions again (recreate it while no saga runs), or start a new saga "
                        + "application");
            }
        }
    }

    /** Fails when {@code topic} keeps records for less than {@code minimum} (-1, forever, is fine). */
    private static void requireRetention(String topic, Config config, Duration minimum, String why, String key) {
        ConfigEntry entry = config.get(TopicConfig.RETENTION_MS_CONFIG);
        long retention = entry == null ? -1 : Long.parseLong(entry.value());
        if (retention >= 0 && retention < minimum.toMillis()) {
            throw new TopicConfigurationException("topic " + topic + " has retention.ms=" + retention + ", shorter than " + why + " ("
                    + minimum.toMillis() + " ms, " + minimum + "), so records would be deleted while they are still needed; fix it with: "
                    + "kafka-configs.sh --alter --entity-type topics --entity-name " + topic + " --add-config retention.ms="
                    + minimum.toMillis() + " (or lower " + key + " if that is what you meant)");
        }
    }
}
