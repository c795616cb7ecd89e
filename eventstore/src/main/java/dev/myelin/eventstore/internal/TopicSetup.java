package dev.myelin.eventstore.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.eventstore.MyelinEventStoreException;
import dev.myelin.eventstore.TopicConfigurationException;

/**
 * Creates an aggregate type's topics when missing and checks them when present. A wrong existing
 * topic is a startup error, never silently used: a non-compacted events topic would lose events to
 * retention, and differing partition counts would split an aggregate's commands from its events.
 */
public final class TopicSetup {
    private static final Logger log = LoggerFactory.getLogger(TopicSetup.class);
    private static final long TIMEOUT_SECONDS = 60;

    private TopicSetup() {
    }

    /**
     * Ensures the topics exist and are usable.
     *
     * @param admin  an admin client
     * @param config the configuration (partitions, replication)
     * @param topics the topic names
     * @throws TopicConfigurationException if an existing topic is configured wrongly
     */
    public static void ensure(Admin admin, MyelinConfig config, AggregateTopics topics) {
        Map<String, String> compact = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(config.minInsyncReplicas()));
        Map<String, String> delete = Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(config.minInsyncReplicas()));
        Map<String, Map<String, String>> wanted = new LinkedHashMap<>();
        wanted.put(topics.commands(), delete);
        wanted.put(topics.events(), compact);
        wanted.put(topics.commandResults(), delete);
        wanted.put(topics.deadLetters(), delete);
        try {
            createMissing(admin, config, wanted);
            checkOnceVisible(() -> check(admin, topics));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MyelinEventStoreException("interrupted while setting up the topics of " + topics.events(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new MyelinEventStoreException("cannot set up topics " + wanted.keySet() + " on the cluster: " + e.getMessage()
                    + "; is the cluster reachable and does this principal have CREATE and DESCRIBE_CONFIGS rights?", e);
        }
    }

    /** A check of existing topics, which may meet a topic not yet in every broker's metadata. */
    @FunctionalInterface
    public interface TopicCheck {
        /**
         * Runs the check.
         *
         * @throws InterruptedException if interrupted
         * @throws ExecutionException   if an admin call failed
         * @throws TimeoutException     if an admin call timed out
         */
        void run() throws InterruptedException, ExecutionException, TimeoutException;
    }

    /**
     * Creates those of {@code wanted} (name to topic configs) that do not exist, with the application's
     * partitions and replication factor; a topic another instance created first is left as it is.
     *
     * @param admin  an admin client
     * @param config the configuration (partitions, replication)
     * @param wanted the topics and their configs
     * @throws TopicConfigurationException if the cluster has fewer brokers than the replication factor
     * @throws InterruptedException        if interrupted
     * @throws ExecutionException          if an admin call failed
     * @throws TimeoutException            if an admin call timed out
     */
    public static void createMissing(Admin admin, MyelinConfig config, Map<String, Map<String, String>> wanted)
            throws InterruptedException, ExecutionException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        List<NewTopic> missing = new ArrayList<>();
        wanted.forEach((name, configs) -> {
            if (!existing.contains(name)) {
                missing.add(new NewTopic(name, config.partitions(), (short) config.replicationFactor()).configs(configs));
            }
        });
        create(admin, missing);
    }

    /**
     * Creates {@code topics}; a topic another instance created first is left as it is.
     *
     * @param admin  an admin client
     * @param topics the topics
     * @throws TopicConfigurationException if the cluster has fewer brokers than a topic's replication factor
     * @throws InterruptedException        if interrupted
     * @throws ExecutionException          if an admin call failed
     * @throws TimeoutException            if an admin call timed out
     */
    public static void create(Admin admin, List<NewTopic> topics) throws InterruptedException, ExecutionException, TimeoutException {
        for (NewTopic topic : topics) {
            try {
                admin.createTopics(List.of(topic)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                log.info("created topic {} ({} partitions, replication {}, {})", topic.name(), topic.numPartitions(),
                        topic.replicationFactor(), topic.configs());
            } catch (ExecutionException e) {
                if (e.getCause() instanceof InvalidReplicationFactorException) {
                    throw new TopicConfigurationException("cannot create topic " + topic.name() + " with replication factor "
                            + topic.replicationFactor() + ": the cluster has fewer brokers (" + e.getCause().getMessage()
                            + "); set MyelinConfig.Builder.replicationFactor(...) to at most the broker count, or use "
                            + "singleBrokerDevMode() for a single development broker");
                }
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
                // another instance created it first; it is checked like any existing topic
            }
        }
    }

    /**
     * Runs {@code check}, again while a topic just created is not yet known to every broker.
     *
     * @param check the check
     * @throws InterruptedException if interrupted
     * @throws ExecutionException   if an admin call failed for another reason
     * @throws TimeoutException     if an admin call timed out
     */
    public static void checkOnceVisible(TopicCheck check) throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (true) {
            try {
                check.run();
                return;
            } catch (ExecutionException e) {
                // a topic just created may not have reached every broker's metadata yet
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    /**
     * Returns the configs of {@code topics}, by topic name.
     *
     * @param admin  an admin client
     * @param topics the topic names
     * @return their configs
     * @throws InterruptedException if interrupted
     * @throws ExecutionException   if an admin call failed
     * @throws TimeoutException     if an admin call timed out
     */
    public static Map<String, Config> configs(Admin admin, List<String> topics)
            throws InterruptedException, ExecutionException, TimeoutException {
        List<ConfigResource> resources = topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
        Map<ConfigResource, Config> found = admin.describeConfigs(resources).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Map<String, Config> byName = new LinkedHashMap<>();
        found.forEach((resource, config) -> byName.put(resource.name(), config));
        return byName;
    }

    /**
     * Returns the cleanup policies a topic config names ({@code compact}, {@code delete} or both).
     *
     * @param config a topic's config
     * @return the policies
     */
    public static Set<String> cleanupPolicies(Config config) {
        String policy = config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
        return Arrays.stream(policy.split(",")).map(String::trim).collect(Collectors.toCollection(HashSet::new));
    }

    private static void check(Admin admin, AggregateTopics topics) throws InterruptedException, ExecutionException, TimeoutException {
        List<String> names = List.of(topics.commands(), topics.events(), topics.commandResults(), topics.deadLetters());
        Map<String, TopicDescription> descriptions = admin.describeTopics(names).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Config eventsConfig = configs(admin, List.of(topics.events())).get(topics.events());
        String policy = eventsConfig.get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
        if (!cleanupPolicies(eventsConfig).equals(Set.of(TopicConfig.CLEANUP_POLICY_COMPACT))) {
            throw new TopicConfigurationException("topic " + topics.events() + " has cleanup.policy=" + policy
                    + ", but an events topic must have cleanup.policy=compact exactly (with delete, retention would erase events); "
                    + "fix it with: kafka-configs.sh --alter --entity-type topics --entity-name " + topics.events()
                    + " --add-config cleanup.policy=compact");
        }
        int commandPartitions = descriptions.get(topics.commands()).partitions().size();
        int eventPartitions = descriptions.get(topics.events()).partitions().size();
        if (commandPartitions != eventPartitions) {
            throw new TopicConfigurationException("topic " + topics.commands() + " has " + commandPartitions + " partitions but "
                    + topics.events() + " has " + eventPartitions + "; they must be equal so an aggregate's commands and events "
                    + "share a partition number. Add partitions to the smaller one before any data is written, or recreate both");
        }
    }
}
