package dev.myelin.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionReplica;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.embedded.internal.BuilderChecks;
import dev.myelin.embedded.internal.ClusterSecurity;
import dev.myelin.embedded.internal.Directories;
import dev.myelin.embedded.internal.KafkaNodes;
import dev.myelin.embedded.internal.Poller;
import dev.myelin.embedded.internal.TopicReader;


/**
 * A real Apache Kafka cluster inside this JVM: 1 to N nodes in KRaft mode, each node both broker
 * and controller, every listener on 127.0.0.1 with a free port, all data in a temporary folder
 * that {@link #close()} deletes.
 *
 * <p>The defaults make exactly-once tests honest: internal topics (consumer offsets, transaction
 * state) and new topics are replicated {@code min(3, brokers)} times, {@code min.insync.replicas}
 * and {@code transaction.state.log.min.isr} are {@code min(2, brokers)}, and topics are never
 * created automatically. Brokers can be stopped and started again mid-test with the same id,
 * port and data, to show what survives a broker loss.
 *
 * <pre>{@code
 * try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(3)) {
 *     kafka.createTopic("payments", 6);
 *     Map<String, Object> config = Map.of(
 *             ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
 *             ProducerConfig.ACKS_CONFIG, "all");
 *     try (var producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
 *         producer.send(new ProducerRecord<>("payments", "acc-1", "42")).get();
 *     }
 *     kafka.stopBroker(1);   // the other two keep serving
 *     kafka.startBroker(1);  // same id, same data
 *     List<ConsumerRecord<byte[], byte[]>> all = kafka.readAll("payments");
 * }
 * }</pre>
 *
 * <p>In tests, {@link MyelinKafka @MyelinKafka} starts and closes a cluster for a test class.
 *
 * <p>{@link Builder#saslScram()} secures the cluster: clients authenticate with SASL/SCRAM-SHA-256,
 * the {@code StandardAuthorizer} checks ACLs, and only the cluster's own super user (whose settings
 * {@link #clientProperties()} returns) may do anything without one. Users are added while it runs:
 *
 * <pre>{@code
 * try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().brokers(3).saslScram().start()) {
 *     kafka.addUser("bank", "bank-secret");
 *     kafka.admin().createAcls(List.of(...));                      // the super user grants
 *     Map<String, Object> asBank = kafka.clientProperties("bank", "bank-secret");
 * }
 * }</pre>
 *
 * <p>{@link Builder#tls()} puts the client and inter-broker listener on TLS (SSL, or SASL_SSL with
 * {@code saslScram()}), with a certificate made for the cluster that
 * {@link #clientProperties()} tells clients to trust.
 *
 * <p>{@link Builder#inChildProcesses()} runs each node in a JVM of its own, started from the Kafka
 * jars on this JVM's class path, as a deployment runs brokers: with Kafka's broker defaults except
 * for the replication above, each logging to a file of the cluster's folder ({@link #brokerLog}),
 * and each one {@link #killBroker(int) killable} with SIGKILL for fault tests. The child JVMs end
 * with this JVM, however it ends.
 *
 * <pre>{@code
 * try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().brokers(3).inChildProcesses().start()) {
 *     kafka.killBroker(2);   // SIGKILL: no clean shutdown, its data as the kill left it
 *     kafka.startBroker(2);  // a new JVM, same id, ports and data
 * }
 * }</pre>
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);
    /** The super user of a secured cluster: the brokers, the controllers and {@link #admin()}. */
    public static final String SUPER_USER = ClusterSecurity.SUPER_USER;
    /** How long {@link #readAll} waits for a topic's end when the caller names no deadline. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);

    // The nodes' configuration and life, the security material and the topic reading live in
    // dev.myelin.embedded.internal; this class keeps the API and the waits that need a client.
    private final KafkaNodes nodes;
    private final ClusterSecurity security;
    private final Duration startupTimeout;
    private Admin admin;
    private boolean closed;

    private EmbeddedKafkaCluster(KafkaNodes nodes, ClusterSecurity security, Duration startupTimeout) {
        this.nodes = nodes;
        this.security = security;
        this.startupTimeout = startupTimeout;
    }

    /**
     * Starts a cluster of {@code brokers} nodes with the default settings and waits until every
     * broker serves.
     *
     * @param brokers how many nodes, 1 or more
     * @return the running cluster; close it to stop the brokers and delete their data
     * @throws IllegalArgumentException if {@code brokers} is less than 1
     * @throws EmbeddedKafkaException   if the cluster does not come up in time
     */
    public static EmbeddedKafkaCluster start(int brokers) {
        return builder().brokers(brokers).start();
    }

    /**
     * Returns the version of the Apache Kafka jars on the class path, such as {@code 4.4.0}: the
     * version an embedded broker runs and the clients speak. Kafka 4.4 moved the class that knows it
     * into an internals package; this is the one place that follows it, and it still finds it in a
     * 4.3 build (the recovery benchmark compares both).
     *
     * @return the Kafka version, or {@code unknown} if the jars do not say
     */
    public static String kafkaVersion() {
        for (String parser : List.of("org.apache.kafka.common.utils.internals.AppInfoParser",
                "org.apache.kafka.common.utils.AppInfoParser")) {
            try {
                return (String) Class.forName(parser).getMethod("getVersion").invoke(null);
            } catch (ReflectiveOperationException | LinkageError e) {
                // not in this Kafka release: try the next place
            }
        }
        return "unknown";
    }

    /**
     * Returns a builder for a cluster with settings other than the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }


    /**
     * Returns the {@code bootstrap.servers} value for clients of this cluster, such as
     * {@code 127.0.0.1:40123,127.0.0.1:40125}. It stays the same across broker restarts.
     *
     * @return the comma-separated broker addresses
     */
    public String bootstrapServers() {
        return nodes.bootstrapServers();
    }

    /**
     * Returns the properties every client of this cluster needs ({@code bootstrap.servers}; on a
     * secured cluster the SASL settings of its super user {@link #SUPER_USER}; on a TLS cluster the
     * security protocol and a trust store holding the brokers' certificate), as a new mutable map
     * the caller may add to.
     *
     * @return client properties
     */
    public Map<String, Object> clientProperties() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        properties.putAll(security.superUserClientSettings());
        return properties;
    }

    /**
     * Returns the properties a client needs to connect to this secured cluster as {@code user}:
     * {@code bootstrap.servers}, the SASL/SCRAM-SHA-256 settings and, on a TLS cluster, the trust
     * store, as a new mutable map.
     *
     * @param user     a user added with {@link #addUser(String, String)}
     * @param password its password
     * @return client properties
     * @throws IllegalStateException if the cluster was not built with {@link Builder#saslScram()}
     */
    public Map<String, Object> clientProperties(String user, String password) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        requireSecured();
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        properties.putAll(security.userClientSettings(user, password));
        return properties;
    }

    /**
     * Returns whether clients must authenticate and are checked against ACLs ({@link Builder#saslScram()}).
     *
     * @return true on a secured cluster
     */
    public boolean isSecured() {
        return security.isSecured();
    }

    /**
     * Returns whether clients talk to the brokers over TLS ({@link Builder#tls()}).
     *
     * @return true on a TLS cluster
     */
    public boolean usesTls() {
        return security.usesTls();
    }

    /**
     * Adds a SCRAM-SHA-256 user to this secured cluster, or changes its password, and waits until
     * every running broker accepts its login. The user may do nothing until ACLs allow it.
     *
     * @param user     the user name, the principal {@code User:<user>}
     * @param password its password
     * @throws IllegalStateException  if the cluster was not built with {@link Builder#saslScram()}
     * @throws EmbeddedKafkaException if the user cannot be added or cannot log in in time
     */
    public void addUser(String user, String password) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        requireSecured();
        requireOpen();
        try {
            admin().alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                            new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), password)))
                    .all().get(startupTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new EmbeddedKafkaException("could not add user " + user + ": " + e.getCause().getMessage(), e.getCause());
        } catch (Exception e) {
            throw new EmbeddedKafkaException("could not add user " + user, e);
        }
        // credentials reach each broker through the metadata log, a little later on some than on others
        for (int brokerId : runningBrokers()) {
            Map<String, Object> properties = new LinkedHashMap<>(security.userClientSettings(user, password));
            properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, nodes.address(brokerId));
            properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
            properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
            Poller.awaitServer("user " + user + " to log in to broker " + brokerId, startupTimeout, () -> {
                try (Admin asUser = Admin.create(properties)) {
                    asUser.describeCluster().clusterId().get(5, TimeUnit.SECONDS);
                    return true;
                }
            });
        }
    }

    private void requireSecured() {
        if (!isSecured()) {
            throw new IllegalStateException("this Kafka cluster has no authentication; build it with EmbeddedKafkaCluster.builder().saslScram()");
        }
    }

    /**
     * Returns an {@link Admin} client shared by everyone using this cluster; the cluster closes it.
     *
     * @return the admin client
     */
    public synchronized Admin admin() {
        requireOpen();
        if (admin == null) {
            admin = Admin.create(clientProperties());
        }
        return admin;
    }

    /**
     * Returns the ids of all nodes of this cluster, running or not.
     *
     * @return node ids, ascending
     */
    public SortedSet<Integer> brokerIds() {
        return nodes.ids();
    }

    /**
     * Returns the ids of the nodes that are running now.
     *
     * @return node ids, ascending
     */
    public SortedSet<Integer> runningBrokers() {
        return nodes.running();
    }

    /**
     * Stops one node (its broker and its controller) with a clean shutdown, keeping its data so
     * that {@link #startBroker(int)} can bring it back. Partitions it led move to other replicas.
     *
     * @param brokerId the node to stop
     * @throws IllegalArgumentException if there is no such node
     * @throws IllegalStateException    if the node is not running
     */
    public synchronized void stopBroker(int brokerId) {
        requireOpen();
        nodes.stop(brokerId);
        log.info("Stopped Kafka broker {}", brokerId);
    }

    /**
     * Kills one node at once, as a crash or {@code kill -9} would: its JVM ends with SIGKILL
     * ({@link Process#destroyForcibly()}), with no clean shutdown, no leadership handed over and
     * nothing flushed, and its data stays as the kill left it, for {@link #startBroker(int)} to
     * recover. Its partitions move to other replicas once the controllers notice it is gone (its
     * broker session times out). Only a cluster built with {@link Builder#inChildProcesses()} can
     * kill a node: a node inside this JVM shares its process with the test.
     *
     * @param brokerId the node to kill
     * @throws IllegalArgumentException      if there is no such node
     * @throws UnsupportedOperationException if the nodes run inside this JVM
     * @throws IllegalStateException         if the node is not running
     * @throws EmbeddedKafkaException        if its JVM does not end
     */
    public synchronized void killBroker(int brokerId) {
        requireOpen();
        nodes.kill(brokerId);
        log.info("Killed Kafka broker {}", brokerId);
    }

    /**
     * Returns the log file of a node that runs in a child JVM ({@link Builder#inChildProcesses()}):
     * everything its broker and controller log at INFO and above, across its restarts. The file is
     * in the cluster's folder and goes with it on {@link #close()}.
     *
     * @param brokerId the node
     * @return its log file; empty when the nodes run inside this JVM and log through its own logging
     * @throws IllegalArgumentException if there is no such node
     */
    public Optional<Path> brokerLog(int brokerId) {
        return nodes.logFile(brokerId);
    }

    /**
     * Returns whether each node runs in a child JVM of its own ({@link Builder#inChildProcesses()}).
     *
     * @return true for child JVMs, false for nodes inside this JVM
     */
    public boolean inChildProcesses() {
        return nodes.inChildProcesses();
    }

    /**
     * Starts a stopped node again with the same id, ports and data, and waits until its broker
     * has registered with the controllers.
     *
     * @param brokerId the node to start
     * @throws IllegalArgumentException if there is no such node
     * @throws IllegalStateException    if the node is already running
     * @throws EmbeddedKafkaException   if it does not register in time
     */
    public void startBroker(int brokerId) {
        synchronized (this) {
            requireOpen();
            nodes.start(brokerId);
        }
        awaitBrokersRegistered(Set.of(brokerId));
        log.info("Started Kafka broker {} again", brokerId);
    }

    /**
     * Creates a topic with the cluster's default replication ({@code min(3, brokers)}) and
     * {@code min.insync.replicas} ({@code min(2, brokers)}), and waits until every partition has
     * a leader.
     *
     * @param name       the topic name
     * @param partitions how many partitions, 1 or more
     */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /**
     * Creates a topic with extra topic configs (for example {@code cleanup.policy}), the cluster's
     * default replication, and waits until every partition has a leader.
     *
     * @param name       the topic name
     * @param partitions how many partitions, 1 or more
     * @param configs    topic configs, which override the defaults
     */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(nodes.minInSyncReplicas()));
        all.putAll(configs);
        createTopic(new NewTopic(name, partitions, nodes.replicationFactor()).configs(all));
    }

    /**
     * Creates a compacted topic ({@code cleanup.policy=compact}) with the cluster's default
     * replication, as Myelin uses for event topics.
     *
     * @param name       the topic name
     * @param partitions how many partitions, 1 or more
     */
    public void createCompactedTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
    }

    /**
     * Creates a topic exactly as described and waits until every partition has a leader.
     *
     * @param topic the topic to create
     * @throws EmbeddedKafkaException if the broker refuses it or it does not become ready in time
     */
    public void createTopic(NewTopic topic) {
        Objects.requireNonNull(topic, "topic");
        try {
            admin().createTopics(List.of(topic)).all().get(startupTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new EmbeddedKafkaException("could not create topic " + topic.name() + ": " + e.getCause().getMessage(), e.getCause());
        } catch (Exception e) {
            throw new EmbeddedKafkaException("could not create topic " + topic.name(), e);
        }
        Poller.awaitServer("every partition of " + topic.name() + " to have a leader", startupTimeout, () -> {
            TopicDescription description = admin().describeTopics(List.of(topic.name())).allTopicNames().get().get(topic.name());
            return description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty());
        });
        // A broker names a partition's leader in its metadata before its replica manager has taken the partition on:
        // a write in between is refused (NOT_LEADER_OR_FOLLOWER) and retried, and an idempotent producer's next batches,
        // already in flight, may land before that retried first one (seen: a test's first four events of a partition
        // lost to OutOfOrderSequenceException). The partition's log on its leader exists once the leader took it on.
        Poller.awaitServer("every partition of " + topic.name() + " to be taken on by its leader", startupTimeout, () -> {
            TopicDescription description = admin().describeTopics(List.of(topic.name())).allTopicNames().get().get(topic.name());
            List<TopicPartitionReplica> leaders = description.partitions().stream()
                    .map(p -> new TopicPartitionReplica(topic.name(), p.partition(), p.leader().id())).toList();
            return admin().describeReplicaLogDirs(leaders).all().get().values().stream()
                    .allMatch(info -> info.getCurrentReplicaLogDir() != null);
        });
    }

    /**
     * Returns a topic's configuration entries by name; each says its value and where the value comes
     * from ({@code DYNAMIC_TOPIC_CONFIG} for one set on the topic, a default otherwise).
     *
     * @param topic the topic
     * @return its entries, by config name
     * @throws EmbeddedKafkaException if the topic cannot be described in time
     */
    public Map<String, ConfigEntry> topicConfig(String topic) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, Objects.requireNonNull(topic, "topic"));
        try {
            Config config = admin().describeConfigs(List.of(resource)).all().get(DEFAULT_READ_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .get(resource);
            Map<String, ConfigEntry> entries = new LinkedHashMap<>();
            config.entries().forEach(entry -> entries.put(entry.name(), entry));
            return entries;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while describing topic " + topic, e);
        } catch (Exception e) {
            throw new EmbeddedKafkaException("could not describe topic " + topic, e);
        }
    }

    /**
     * Reads every committed record of a topic, from its beginning to its end as of this call,
     * as bytes. Waits at most {@link #DEFAULT_READ_TIMEOUT}.
     *
     * @param topic the topic
     * @return the records, in offset order within each partition
     */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        return readAll(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * Reads every committed record of a topic, from its beginning to its end as of this call.
     * Waits at most {@link #DEFAULT_READ_TIMEOUT}.
     *
     * @param topic             the topic
     * @param keyDeserializer   decodes keys
     * @param valueDeserializer decodes values
     * @param <K>               the key type
     * @param <V>               the value type
     * @return the records, in offset order within each partition
     */
    public <K, V> List<ConsumerRecord<K, V>> readAll(String topic, Deserializer<K> keyDeserializer,
                                                   Deserializer<V> valueDeserializer) {
        return readAll(topic, keyDeserializer, valueDeserializer, DEFAULT_READ_TIMEOUT);
    }

    /**
     * Reads every committed record ({@code read_committed}) of a topic, from its beginning to its
     * end as of this call.
     *
     * @param topic             the topic
     * @param keyDeserializer   decodes keys
     * @param valueDeserializer decodes values
     * @param timeout           how long to wait for the end of the topic
     * @param <K>               the key type
     * @param <V>               the value type
     * @return the records, in offset order within each partition
     * @throws EmbeddedKafkaException if the end is not reached within {@code timeout}
     */
    public <K, V> List<ConsumerRecord<K, V>> readAll(String topic, Deserializer<K> keyDeserializer,
                                                   Deserializer<V> valueDeserializer, Duration timeout) {
        return new TopicReader(clientProperties()).readToEnd(topic, keyDeserializer, valueDeserializer, timeout);
    }

    /**
     * Reads a topic from its beginning until at least {@code count} committed records have been
     * seen, for records that are still being written.
     *
     * @param topic             the topic
     * @param count             how many records to wait for
     * @param keyDeserializer   decodes keys
     * @param valueDeserializer decodes values
     * @param timeout           how long to wait
     * @param <K>               the key type
     * @param <V>               the value type
     * @return all records read, at least {@code count}
     * @throws EmbeddedKafkaException if fewer arrive within {@code timeout}; the message says how many did
     */
    public <K, V> List<ConsumerRecord<K, V>> readAtLeast(String topic, int count, Deserializer<K> keyDeserializer,
                                                       Deserializer<V> valueDeserializer, Duration timeout) {
        return new TopicReader(clientProperties()).readAtLeast(topic, count, keyDeserializer, valueDeserializer, timeout);
    }

    /**
     * Stops every running node and deletes all data. Safe to call twice.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
            }
        }
        nodes.close();
        log.info("Stopped embedded Kafka cluster at {}", bootstrapServers());
    }

    private void awaitBrokersRegistered(Set<Integer> brokerIds) {
        Poller.awaitServer("brokers " + brokerIds + " to register", startupTimeout, () -> {
            if (nodes.anyExited(brokerIds)) {
                return true; // no use waiting: requireAlive below says why
            }
            Set<Integer> live = admin().describeCluster().nodes().get().stream().map(Node::id).collect(Collectors.toSet());
            // A killed broker stays registered until its session times out: a child JVM started
            // again counts once it answers on its own port.
            return live.containsAll(brokerIds) && (!nodes.inChildProcesses() || brokerIds.stream().allMatch(this::answers));
        });
        nodes.requireAlive(brokerIds);
    }

    private boolean answers(int brokerId) {
        Map<String, Object> properties = clientProperties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, nodes.address(brokerId));
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        try (Admin direct = Admin.create(properties)) {
            direct.describeCluster().clusterId().get(5, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException | TimeoutException notYet) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this Kafka cluster is closed");
        }
    }



    /** Collects the settings of a cluster; {@link #start()} builds it and starts it. */
    public static final class Builder {
        private Integer brokers;
        private Duration startupTimeout;
        private boolean saslScram;
        private boolean tls;
        private boolean childProcesses;
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Sets how many nodes the cluster has (default 1).
         *
         * @param count 1 or more
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if {@code count} is less than 1
         */
        public Builder brokers(int count) {
            BuilderChecks.requireUnset(brokers, "brokers");
            if (count < 1) {
                throw new IllegalArgumentException("brokers must be 1 or more: " + count);
            }
            brokers = count;
            return this;
        }

        /**
         * Sets how long to wait for the cluster, a restarted broker or a new topic to be ready
         * (default 60 seconds).
         *
         * @param timeout a positive duration
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if {@code timeout} is zero or negative
         */
        public Builder startupTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            BuilderChecks.requireUnset(startupTimeout, "startupTimeout");
            startupTimeout = BuilderChecks.requirePositive(timeout, "startupTimeout");
            return this;
        }

        /**
         * Sets one broker configuration property on every node, overriding Myelin's default for it
         * (for example {@code log.cleaner.backoff.ms} to see compaction sooner in a test).
         * Listener, node id, quorum and directory settings belong to the cluster and are refused.
         *
         * @param name  a Kafka broker property name
         * @param value its value
         * @return this builder
         * @throws IllegalStateException    if this property was already set
         * @throws IllegalArgumentException if the property is one the cluster must own
         */
        public Builder brokerProperty(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            KafkaNodes.requireOverridable(name);
            if (brokerProperties.containsKey(name)) {
                throw new IllegalStateException(name + " was already set to " + brokerProperties.get(name));
            }
            brokerProperties.put(name, value);
            return this;
        }

        /**
         * Secures the cluster: its client listener takes SASL/SCRAM-SHA-256 logins only (brokers
         * talk to each other on it as {@link EmbeddedKafkaCluster#SUPER_USER}), the controllers'
         * listener takes SASL/PLAIN logins of that super user only, and the {@code StandardAuthorizer}
         * allows nothing without an ACL except to the super user. The super user's password is
         * random per cluster; {@link EmbeddedKafkaCluster#clientProperties()} carries it. Add users
         * with {@link EmbeddedKafkaCluster#addUser(String, String)}.
         *
         * @return this builder
         * @throws IllegalStateException if already called
         */
        public Builder saslScram() {
            if (saslScram) {
                throw new IllegalStateException("saslScram was already set");
            }
            saslScram = true;
            return this;
        }

        /**
         * Serves clients over TLS: the client and inter-broker listener speaks SSL (or SASL_SSL with
         * {@link #saslScram()}) with a self-signed certificate for {@code 127.0.0.1}, made afresh for
         * each cluster with the JDK's {@code keytool}. {@link EmbeddedKafkaCluster#clientProperties()}
         * carries the security protocol and a trust store that holds that certificate, so clients
         * verify the brokers, host name included. The controllers' own listener stays on loopback
         * without TLS: no client ever connects to it.
         *
         * @return this builder
         * @throws IllegalStateException if already called
         */
        public Builder tls() {
            if (tls) {
                throw new IllegalStateException("tls was already set");
            }
            tls = true;
            return this;
        }

        /**
         * Runs each node in a child JVM of its own instead of inside this JVM: {@code kafka.Kafka}
         * from the Kafka jars on this JVM's class path, with a generated {@code server.properties}
         * and the java launcher, heap (1 GiB) and garbage collector of Kafka's own start script,
         * bound to 127.0.0.1, logging to a file in the cluster's folder
         * ({@link EmbeddedKafkaCluster#brokerLog(int)}). Each child ends when this JVM does, even
         * when this JVM is killed.
         *
         * <p>Its brokers run with Kafka's broker defaults (50 partitions for consumer offsets and
         * transaction state, Kafka's thread counts, group and transaction delays) except for what
         * makes the cluster honest and its own: the replication and {@code min.insync.replicas}
         * of every cluster ({@code min(3, brokers)} and {@code min(2, brokers)}), no automatic topic
         * creation, and the properties set with {@link #brokerProperty}. Nodes inside this JVM are
         * tuned down for a small machine instead. Such a cluster can also
         * {@link EmbeddedKafkaCluster#killBroker(int) kill} a broker. It cannot be combined with
         * {@link #saslScram()} or {@link #tls()} (not supported yet).
         *
         * @return this builder
         * @throws IllegalStateException if already called
         */
        public Builder inChildProcesses() {
            if (childProcesses) {
                throw new IllegalStateException("inChildProcesses was already set");
            }
            childProcesses = true;
            return this;
        }

        /**
         * Builds the cluster, formats its storage, starts every node and waits until all brokers
         * serve. The builder stays usable.
         *
         * @return the running cluster
         * @throws IllegalStateException  if {@link #inChildProcesses()} is combined with {@link #saslScram()} or {@link #tls()}
         * @throws EmbeddedKafkaException if it does not come up in time
         */
        public EmbeddedKafkaCluster start() {
            if (childProcesses && (saslScram || tls)) {
                throw new IllegalStateException("brokers in child processes cannot use saslScram() or tls() yet");
            }
            int count = brokers == null ? 1 : brokers;
            Duration timeout = startupTimeout == null ? Duration.ofSeconds(60) : startupTimeout;
            Path base;
            try {
                base = Files.createTempDirectory("myelin-kafka-");
            } catch (IOException e) {
                throw new EmbeddedKafkaException("cannot create a data folder for Kafka", e);
            }
            EmbeddedKafkaCluster cluster = null;
            try {
                ClusterSecurity security = ClusterSecurity.create(saslScram, tls, base);
                cluster = new EmbeddedKafkaCluster(KafkaNodes.format(count, base, security, brokerProperties,
                        childProcesses, timeout), security, timeout);
                cluster.nodes.startAll(timeout);
                cluster.awaitBrokersRegistered(cluster.nodes.ids());
                log.info("Embedded Kafka cluster of {} broker(s) ready at {}", count, cluster.bootstrapServers());
                return cluster;
            } catch (RuntimeException e) {
                if (cluster != null) {
                    cluster.close();
                } else {
                    Directories.deleteQuietly(base);
                }
                throw e;
            }
        }
    }
}
