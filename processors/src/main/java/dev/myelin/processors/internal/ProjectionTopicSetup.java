package dev.myelin.processors.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.internal.Holds;
import dev.myelin.eventstore.internal.TopicSetup;
import dev.myelin.processors.MyelinProjectionException;

/**
 * The topics of a projection: checks its sources before it starts, creates its re-drive,
 * dead-letter and publish topics, and deletes its Kafka Streams state when it is destroyed.
 */
final class ProjectionTopicSetup {
    private static final Logger LOG = LoggerFactory.getLogger(ProjectionTopicSetup.class);
    private static final long TIMEOUT_MS = ProjectionAdmin.TIMEOUT.toMillis();

    private ProjectionTopicSetup() {
    }

    /**
     * Checks that the source topics exist and, unless told not to, creates the projection's own topics.
     *
     * @throws MyelinProjectionException if a source topic is missing or the cluster cannot be reached
     */
    static void prepare(ProjectionDefinition<?, ?, ?> definition, Admin admin, ProjectionSettings settings, Properties properties) {
        Map<String, TopicDescription> sources;
        try {
            sources = admin.describeTopics(definition.sourceTopics()).allTopicNames().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new MyelinProjectionException("a source topic of projection " + definition.name()
                        + " does not exist (" + definition.sourceTopics() + "); start the event store that owns it first", e);
            }
            throw ProjectionAdmin.failure("describe the source topics of projection " + definition.name(), e);
        } catch (InterruptedException | TimeoutException e) {
            throw ProjectionAdmin.failure("describe the source topics of projection " + definition.name(), e);
        }
        if (!settings.createTopics()) {
            return;
        }
        int partitions = sources.values().stream().mapToInt(d -> d.partitions().size()).max().orElse(1);
        // As durable as the application's own (changelog) topics: its replication.factor (-1, the
        // default, is the broker's) and any topic.min.insync.replicas.
        long factor = Holds.number(properties.get(StreamsConfig.REPLICATION_FACTOR_CONFIG), -1);
        Optional<Short> replication = factor > 0 ? Optional.of((short) factor) : Optional.empty();
        Map<String, String> durability = new HashMap<>();
        Object minIsr = properties.get(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG));
        if (minIsr != null) {
            durability.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr.toString());
        }
        List<NewTopic> topics = new ArrayList<>();
        // As many partitions as the sources, so a re-driven event meets its aggregate's view in one task.
        topics.add(new NewTopic(definition.redriveTopic(), Optional.of(partitions), replication).configs(durability));
        // One partition keeps dead letters in the order they happened; they are few. Kept for an explicit
        // time, not the broker's default: see ProjectionConfig.DEAD_LETTER_RETENTION_MS.
        Map<String, String> deadLetters = new HashMap<>(durability);
        deadLetters.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
        deadLetters.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(settings.deadLetterRetention().toMillis()));
        topics.add(new NewTopic(definition.deadLetterTopic(), Optional.of(1), replication).configs(deadLetters));
        Map<String, String> published = new HashMap<>(durability);
        published.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        definition.publishTopic().ifPresent(topic -> topics.add(new NewTopic(topic, Optional.of(partitions), replication)
                .configs(published)));
        try {
            TopicSetup.create(admin, topics);
        } catch (ExecutionException | InterruptedException | TimeoutException e) {
            throw ProjectionAdmin.failure("create the topics of projection " + definition.name(), e);
        }
    }

    /** Deletes the changelog and repartition topics and the consumer group of {@code applicationId}. */
    static void deleteState(Admin admin, String applicationId, String projection) {
        try {
            List<String> internal = admin.listTopics().names().get(TIMEOUT_MS, TimeUnit.MILLISECONDS).stream()
                    .filter(name -> name.startsWith(applicationId + "-")
                            && (name.endsWith("-changelog") || name.endsWith("-repartition")))
                    .toList();
            admin.deleteTopics(internal).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            admin.deleteConsumerGroups(List.of(applicationId)).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            LOG.info("Deleted {} and consumer group {} of projection {}", internal, applicationId, projection);
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            throw ProjectionAdmin.failure("delete the state of " + applicationId, e);
        }
    }
}
