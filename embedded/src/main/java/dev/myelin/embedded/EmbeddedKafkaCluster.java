package dev.myelin.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.embedded.internal.Directories;
import dev.myelin.embedded.internal.FreePorts;
import dev.myelin.embedded.internal.SelfSignedTls;
import dev.myelin.embedded.internal.BuilderChecks;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

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
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String BROKER_LISTENER = "PLAINTEXT";
    /** The client and inter-broker listener's name on a cluster with TLS or SASL: SSL, SASL_SSL or SASL_PLAINTEXT. */
    private static final String SECURED_LISTENER = "CLIENT";
    private static final String SCRAM = "SCRAM-SHA-256";
    /** The super user of a secured cluster: the brokers, the controllers and {@link #admin()}. */
    public static final String SUPER_USER = "myelin-admin";
    /** How long {@link #readAll} waits for a topic's end when the caller names no deadline. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);

    private final Path baseDirectory;
    private final Map<Integer, Properties> nodeConfigs;
    private final Map<Integer, KafkaRaftServer> running = new LinkedHashMap<>();
    private final Duration startupTimeout;
    private final String bootstrapServers;
    /** The super user's password on a secured cluster; null on a plaintext one. */
    private final String superUserPassword;
    /** The certificate the brokers serve on a TLS cluster; null without TLS. */
    private final SelfSignedTls tls;
    private Admin admin;
    private boolean closed;

    private EmbeddedKafkaCluster(Path baseDirectory, Map<Integer, Properties> nodeConfigs, Duration startupTimeout,
                                 String superUserPassword, SelfSignedTls tls) {
        this.baseDirectory = baseDirectory;
        this.tls = tls;
        this.nodeConfigs = nodeConfigs;
        this.startupTimeout = startupTimeout;
        this.superUserPassword = superUserPassword;
        this.bootstrapServers = nodeConfigs.values().stream()
                .map(config -> config.getProperty("advertised.listeners"))
                .map(listener -> listener.substring(listener.indexOf("://") + "://".length()))
                .collect(Collectors.joining(","));
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
        return bootstrapServers;
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
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        if (isSecured()) {
            properties.putAll(saslProperties(SUPER_USER, superUserPassword));
        } else if (usesTls()) {
            properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
            properties.putAll(tls.clientTrust());
        }
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
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.putAll(saslProperties(user, password));
        return properties;
    }

    /**
     * Returns whether clients must authenticate and are checked against ACLs ({@link Builder#saslScram()}).
     *
     * @return true on a secured cluster
     */
    public boolean isSecured() {
        return superUserPassword != null;
    }

    /**
     * Returns whether clients talk to the brokers over TLS ({@link Builder#tls()}).
     *
     * @return true on a TLS cluster
     */
    public boolean usesTls() {
        return tls != null;
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
            String address = nodeConfigs.get(brokerId).getProperty("advertised.listeners");
            Map<String, Object> properties = new LinkedHashMap<>(saslProperties(user, password));
            properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, address.substring(address.indexOf("://") + "://".length()));
            properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
            properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
            poll("user " + user + " to log in to broker " + brokerId, startupTimeout, () -> {
                try (Admin asUser = Admin.create(properties)) {
                    asUser.describeCluster().clusterId().get(5, TimeUnit.SECONDS);
                    return true;
                }
            });
        }
    }

    private Map<String, Object> saslProperties(String user, String password) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, usesTls() ? "SASL_SSL" : "SASL_PLAINTEXT");
        if (usesTls()) {
            properties.putAll(tls.clientTrust());
        }
        properties.put(SaslConfigs.SASL_MECHANISM, SCRAM);
        properties.put(SaslConfigs.SASL_JAAS_CONFIG, jaas("org.apache.kafka.common.security.scram.ScramLoginModule", user, password, ""));
        return properties;
    }

    private static String jaas(String loginModule, String user, String password, String extra) {
        return loginModule + " required username=\"" + user + "\" password=\"" + password + "\"" + extra + ";";
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
        return new TreeSet<>(nodeConfigs.keySet());
    }

    /**
     * Returns the ids of the nodes that are running now.
     *
     * @return node ids, ascending
     */
    public synchronized SortedSet<Integer> runningBrokers() {
        return new TreeSet<>(running.keySet());
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
        requireKnown(brokerId);
        KafkaRaftServer server = running.remove(brokerId);
        if (server == null) {
            throw new IllegalStateException("broker " + brokerId + " is not running; running: " + running.keySet());
        }
        server.shutdown();
        server.awaitShutdown();
        log.info("Stopped Kafka broker {}", brokerId);
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
            requireKnown(brokerId);
            if (running.containsKey(brokerId)) {
                throw new IllegalStateException("broker " + brokerId + " is already running");
            }
            KafkaRaftServer server = newServer(brokerId);
            server.startup();
            running.put(brokerId, server);
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
        all.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(Math.min(2, nodeConfigs.size())));
        all.putAll(configs);
        createTopic(new NewTopic(name, partitions, (short) Math.min(3, nodeConfigs.size())).configs(all));
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
        poll("every partition of " + topic.name() + " to have a leader", startupTimeout, () -> {
            TopicDescription description = admin().describeTopics(List.of(topic.name())).allTopicNames().get().get(topic.name());
            return description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty());
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
        try (KafkaConsumer<K, V> consumer = newReader(keyDeserializer, valueDeserializer)) {
            List<TopicPartition> partitions = partitionsOf(consumer, topic, timeout);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
            List<ConsumerRecord<K, V>> records = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!reachedEnds(consumer, ends)) {
                if (System.nanoTime() > deadline) {
                    throw new EmbeddedKafkaException("reading " + topic + " did not reach its end " + ends
                            + " within " + timeout + "; read " + records.size() + " records");
                }
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
            return records;
        }
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
        try (KafkaConsumer<K, V> consumer = newReader(keyDeserializer, valueDeserializer)) {
            List<TopicPartition> partitions = partitionsOf(consumer, topic, timeout);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<K, V>> records = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (records.size() < count) {
                if (System.nanoTime() > deadline) {
                    throw new EmbeddedKafkaException("expected at least " + count + " records in " + topic
                            + " within " + timeout + " but saw " + records.size());
                }
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
            return records;
        }
    }

    /**
     * Stops every running node and deletes all data. Safe to call twice.
     */
    @Override
    public void close() {
        List<KafkaRaftServer> servers;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
            }
            servers = new ArrayList<>(running.values());
            running.clear();
        }
        // All nodes at once: one by one, the last ones would lose their controller quorum and
        // wait out controlled-shutdown timeouts.
        List<Thread> stoppers = new ArrayList<>();
        for (KafkaRaftServer server : servers) {
            Thread stopper = new Thread(() -> {
                server.shutdown();
                server.awaitShutdown();
            }, "myelin-kafka-stop");
            stopper.start();
            stoppers.add(stopper);
        }
        for (Thread stopper : stoppers) {
            try {
                stopper.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        Directories.deleteQuietly(baseDirectory);
        log.info("Stopped embedded Kafka cluster at {}", bootstrapServers);
    }

    private void startAll() {
        // Nodes start in parallel: a combined node's broker waits for a controller quorum that
        // only forms once the other nodes are up.
        Map<Integer, RuntimeException> failures = Collections.synchronizedMap(new LinkedHashMap<>());
        List<Thread> starters = new ArrayList<>();
        for (int nodeId : nodeConfigs.keySet()) {
            KafkaRaftServer server = newServer(nodeId);
            synchronized (this) {
                running.put(nodeId, server);
            }
            Thread starter = new Thread(() -> {
                try {
                    server.startup();
                } catch (RuntimeException e) {
                    failures.put(nodeId, e);
                }
            }, "myelin-kafka-start-" + nodeId);
            starter.start();
            starters.add(starter);
        }
        for (Thread starter : starters) {
            try {
                starter.join(startupTimeout.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EmbeddedKafkaException("interrupted while starting Kafka", e);
            }
        }
        if (!failures.isEmpty()) {
            throw new EmbeddedKafkaException("Kafka nodes failed to start: " + failures, failures.values().iterator().next());
        }
        awaitBrokersRegistered(nodeConfigs.keySet());
    }

    private void awaitBrokersRegistered(Set<Integer> brokerIds) {
        poll("brokers " + brokerIds + " to register", startupTimeout, () -> {
            Set<Integer> live = admin().describeCluster().nodes().get().stream().map(Node::id).collect(Collectors.toSet());
            return live.containsAll(brokerIds);
        });
    }

    private KafkaRaftServer newServer(int nodeId) {
        KafkaConfig config = new KafkaConfig(nodeConfigs.get(nodeId), false);
        return new KafkaRaftServer(config, Time.SYSTEM);
    }

    private <K, V> KafkaConsumer<K, V> newReader(Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
        Map<String, Object> properties = clientProperties();
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(properties, keyDeserializer, valueDeserializer);
    }

    private static List<TopicPartition> partitionsOf(KafkaConsumer<?, ?> consumer, String topic, Duration timeout) {
        var infos = consumer.partitionsFor(topic, timeout);
        if (infos == null || infos.isEmpty()) {
            throw new EmbeddedKafkaException("topic " + topic + " does not exist");
        }
        return infos.stream().map(info -> new TopicPartition(topic, info.partition())).collect(Collectors.toList());
    }

    private static boolean reachedEnds(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> ends) {
        return ends.entrySet().stream().allMatch(end -> consumer.position(end.getKey()) >= end.getValue());
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("this Kafka cluster is closed");
        }
    }

    private void requireKnown(int brokerId) {
        if (!nodeConfigs.containsKey(brokerId)) {
            throw new IllegalArgumentException("no broker " + brokerId + " in this cluster; brokers are " + nodeConfigs.keySet());
        }
    }

    @FunctionalInterface
    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void poll(String what, Duration timeout, Condition condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.holds()) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EmbeddedKafkaException("interrupted while waiting for " + what, e);
            } catch (Exception e) {
                last = e; // not ready yet: the broker answers with retriable errors while it starts
            }
            pause(Duration.ofMillis(50));
        }
        throw new EmbeddedKafkaException("timed out after " + timeout + " waiting for " + what, last);
    }

    private static void pause(Duration duration) {
        try {
            TimeUnit.NANOSECONDS.sleep(duration.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted", e);
        }
    }

    /** Collects the settings of a cluster; {@link #start()} builds it and starts it. */
    public static final class Builder {
        private Integer brokers;
        private Duration startupTimeout;
        private boolean saslScram;
        private boolean tls;
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
            if (OWNED_PROPERTIES.contains(name)) {
                throw new IllegalArgumentException(name + " is set by the embedded cluster itself and cannot be overridden");
            }
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
         * Builds the cluster, formats its storage, starts every node and waits until all brokers
         * serve. The builder stays usable.
         *
         * @return the running cluster
         * @throws EmbeddedKafkaException if it does not come up in time
         */
        public EmbeddedKafkaCluster start() {
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
                // letters and digits only: the password goes into JAAS and format arguments unquoted
                String password = saslScram ? Uuid.randomUuid().toString().replace("-", "") : null;
                SelfSignedTls certificate = tls ? SelfSignedTls.create(Files.createDirectories(base.resolve("tls")),
                        Uuid.randomUuid().toString().replace("-", "")) : null;
                Map<Integer, Properties> configs = nodeConfigs(count, base, password, certificate);
                format(configs, password);
                cluster = new EmbeddedKafkaCluster(base, configs, timeout, password, certificate);
                cluster.startAll();
                log.info("Embedded Kafka cluster of {} broker(s) ready at {}", count, cluster.bootstrapServers());
                return cluster;
            } catch (IOException e) {
                Directories.deleteQuietly(base);
                throw new EmbeddedKafkaException("cannot create a folder for the cluster's certificate in " + base, e);
            } catch (RuntimeException e) {
                if (cluster != null) {
                    cluster.close();
                } else {
                    Directories.deleteQuietly(base);
                }
                throw e;
            }
        }

        private static final Set<String> OWNED_PROPERTIES = Set.of("node.id", "process.roles", "listeners",
                "advertised.listeners", "controller.quorum.voters", "controller.quorum.bootstrap.servers",
                "controller.listener.names", "listener.security.protocol.map", "inter.broker.listener.name",
                "log.dirs", "log.dir", "metadata.log.dir");

        private Map<Integer, Properties> nodeConfigs(int count, Path base, String superUserPassword, SelfSignedTls certificate) {
            Map<Integer, Integer> brokerPorts = new LinkedHashMap<>();
            Map<Integer, Integer> controllerPorts = new LinkedHashMap<>();
            for (int id = 1; id <= count; id++) {
                brokerPorts.put(id, FreePorts.pick());
                controllerPorts.put(id, FreePorts.pick());
            }
            String voters = controllerPorts.entrySet().stream()
                    .map(e -> e.getKey() + "@127.0.0.1:" + e.getValue())
                    .collect(Collectors.joining(","));
            String replication = Integer.toString(Math.min(3, count));
            String minIsr = Integer.toString(Math.min(2, count));
            Map<Integer, Properties> configs = new LinkedHashMap<>();
            for (int id = 1; id <= count; id++) {
                Properties p = new Properties();
                p.put("node.id", Integer.toString(id));
                p.put("process.roles", "broker,controller");
                p.put("controller.quorum.voters", voters);
                p.put("listeners", BROKER_LISTENER + "://127.0.0.1:" + brokerPorts.get(id)
                        + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPorts.get(id));
                p.put("advertised.listeners", BROKER_LISTENER + "://127.0.0.1:" + brokerPorts.get(id));
                p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
                p.put("controller.listener.names", CONTROLLER_LISTENER);
                p.put("inter.broker.listener.name", BROKER_LISTENER);
                p.put("log.dirs", base.resolve("node-" + id).toString());
                // Honest durability: replicated internal topics and acks=all meaning two copies.
                p.put("auto.create.topics.enable", "false");
                p.put("default.replication.factor", replication);
                p.put("min.insync.replicas", minIsr);
                p.put("offsets.topic.replication.factor", replication);
                p.put("transaction.state.log.replication.factor", replication);
                p.put("transaction.state.log.min.isr", minIsr);
                p.put("share.coordinator.state.topic.replication.factor", replication);
                p.put("share.coordinator.state.topic.min.isr", minIsr);
                // Fewer internal partitions and threads than a production broker: this cluster
                // shares a small machine with the application under test.
                p.put("offsets.topic.num.partitions", "10");
                p.put("transaction.state.log.num.partitions", "10");
                p.put("num.network.threads", "2");
                p.put("num.io.threads", "2");
                p.put("background.threads", "2");
                p.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
                p.put("group.initial.rebalance.delay.ms", "0");
                // The streams rebalance protocol (KIP-1071, group.protocol=streams) takes the session
                // timeout, heartbeat and standby count from the group's configs, not the client's, and
                // a production broker refuses a session under 45 s. A test or benchmark of failover
                // times sets them per group; these floors let it go down to 1 s and 100 ms, as the
                // classic protocol's may. Kafka's defaults for groups that set nothing are unchanged.
                p.put("group.streams.initial.rebalance.delay.ms", "0");
                p.put("group.streams.min.session.timeout.ms", "1000");
                p.put("group.streams.min.heartbeat.interval.ms", "100");
                p.put("group.min.session.timeout.ms", "1000");
                // A transaction's first write otherwise waits out a 20 ms retry while the previous
                // commit's markers are written (see ARCHITECTURE.md, "Write path").
                p.put("add.partitions.to.txn.retry.backoff.ms", "1");
                if (superUserPassword != null || certificate != null) {
                    secureListeners(p, brokerPorts.get(id), controllerPorts.get(id), superUserPassword != null, certificate != null);
                }
                if (superUserPassword != null) {
                    authenticateAndAuthorize(p, superUserPassword);
                }
                if (certificate != null) {
                    p.putAll(certificate.brokerSettings());
                }
                p.putAll(brokerProperties);
                configs.put(id, p);
            }
            return configs;
        }

        /** Replaces the plaintext client listener with one that speaks SASL, TLS or both. */
        private static void secureListeners(Properties p, int brokerPort, int controllerPort, boolean sasl, boolean tls) {
            String clientProtocol = sasl ? (tls ? "SASL_SSL" : "SASL_PLAINTEXT") : "SSL";
            String controllerProtocol = sasl ? "SASL_PLAINTEXT" : "PLAINTEXT";
            p.put("listeners", SECURED_LISTENER + "://127.0.0.1:" + brokerPort + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort);
            p.put("advertised.listeners", SECURED_LISTENER + "://127.0.0.1:" + brokerPort);
            p.put("listener.security.protocol.map", SECURED_LISTENER + ":" + clientProtocol + "," + CONTROLLER_LISTENER + ":" + controllerProtocol);
            p.put("inter.broker.listener.name", SECURED_LISTENER);
        }

        /** Makes every listener take SASL logins only and turns ACL checks on. */
        private static void authenticateAndAuthorize(Properties p, String password) {
            String client = SECURED_LISTENER.toLowerCase(Locale.ROOT);
            String controller = CONTROLLER_LISTENER.toLowerCase(Locale.ROOT);
            // SCRAM credentials live in the metadata log, so clients and brokers may use them once it is
            // read; the controllers form that log, so they log in to each other with PLAIN
            p.put("listener.name." + client + ".sasl.enabled.mechanisms", SCRAM);
            p.put("sasl.mechanism.inter.broker.protocol", SCRAM);
            p.put("listener.name." + client + ".scram-sha-256.sasl.jaas.config",
                    jaas("org.apache.kafka.common.security.scram.ScramLoginModule", SUPER_USER, password, ""));
            p.put("listener.name." + controller + ".sasl.enabled.mechanisms", "PLAIN");
            p.put("sasl.mechanism.controller.protocol", "PLAIN");
            p.put("listener.name." + controller + ".plain.sasl.jaas.config",
                    jaas("org.apache.kafka.common.security.plain.PlainLoginModule", SUPER_USER, password,
                            " user_" + SUPER_USER + "=\"" + password + "\""));
            p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            p.put("super.users", "User:" + SUPER_USER);
            p.put("allow.everyone.if.no.acl.found", "false");
        }

        private static void format(Map<Integer, Properties> configs, String superUserPassword) {
            String clusterId = Uuid.randomUuid().toString();
            PrintStream silent = new PrintStream(OutputStream.nullOutputStream());
            for (Map.Entry<Integer, Properties> node : configs.entrySet()) {
                String logDir = node.getValue().getProperty("log.dirs");
                try {
                    new Formatter()
                            .setPrintStream(silent)
                            .setNodeId(node.getKey())
                            .setClusterId(clusterId)
                            .setDirectories(List.of(logDir))
                            .setMetadataLogDirectory(logDir)
                            .setControllerListenerName(CONTROLLER_LISTENER)
                            .setReleaseVersion(MetadataVersion.latestProduction())
                            // the super user's SCRAM credentials, so brokers can log in to each other from the start
                            .setScramArguments(superUserPassword == null ? List.of()
                                    : List.of(SCRAM + "=[name=" + SUPER_USER + ",password=" + superUserPassword + "]"))
                            .run();
                } catch (Exception e) {
                    throw new EmbeddedKafkaException("cannot format storage of Kafka node " + node.getKey() + " in " + logDir, e);
                }
            }
        }
    }
}
