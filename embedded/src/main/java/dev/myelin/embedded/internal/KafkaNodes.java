package dev.myelin.embedded.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.apache.kafka.common.utils.Time;

import dev.myelin.embedded.EmbeddedKafkaException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

/**
 * The nodes of one embedded cluster and their life: formatted storage in a data folder, started
 * all at once or one by one, stopped with a clean shutdown, and the folder deleted on
 * {@link #close()}. Waiting for brokers to register is the caller's: it needs a client.
 */
public final class KafkaNodes implements AutoCloseable {

    private final Path baseDirectory;
    private final Map<Integer, Properties> configs;
    private final Map<Integer, KafkaRaftServer> running = new LinkedHashMap<>();
    private final String bootstrapServers;

    private KafkaNodes(Path baseDirectory, Map<Integer, Properties> configs) {
        this.baseDirectory = baseDirectory;
        this.configs = configs;
        this.bootstrapServers = configs.values().stream().map(NodeConfigs::address).collect(Collectors.joining(","));
    }

    /**
     * Configures {@code count} nodes with their data in {@code base} and formats their storage;
     * none runs yet.
     *
     * @param count     how many nodes, 1 or more
     * @param base      the cluster's data folder, deleted by {@link #close()}
     * @param security  the cluster's security material
     * @param overrides broker properties set on every node after Myelin's defaults
     * @return the nodes
     * @throws EmbeddedKafkaException if the storage cannot be formatted
     */
    public static KafkaNodes format(int count, Path base, ClusterSecurity security, Map<String, String> overrides) {
        Map<Integer, Properties> configs = NodeConfigs.create(count, base, security, overrides);
        NodeConfigs.format(configs, security);
        return new KafkaNodes(base, configs);
    }

    /**
     * Refuses a broker property that defines the cluster's shape (listeners, ids, quorum, folders).
     *
     * @param name a broker property name
     * @throws IllegalArgumentException if the cluster must own it
     */
    public static void requireOverridable(String name) {
        if (NodeConfigs.OWNED_PROPERTIES.contains(name)) {
            throw new IllegalArgumentException(name + " is set by the embedded cluster itself and cannot be overridden");
        }
    }

    /**
     * Returns the replication factor of new and internal topics: {@code min(3, nodes)}.
     *
     * @return the replication factor
     */
    public short replicationFactor() {
        return (short) NodeConfigs.replicationFactor(configs.size());
    }

    /**
     * Returns the {@code min.insync.replicas} of new and internal topics: {@code min(2, nodes)}.
     *
     * @return the minimum in-sync replicas
     */
    public int minInSyncReplicas() {
        return NodeConfigs.minInSyncReplicas(configs.size());
    }

    /**
     * Returns every node's client address, comma-separated.
     *
     * @return the {@code bootstrap.servers} value
     */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Returns one node's client address.
     *
     * @param nodeId a known node
     * @return {@code 127.0.0.1:<port>}
     */
    public String address(int nodeId) {
        requireKnown(nodeId);
        return NodeConfigs.address(configs.get(nodeId));
    }

    /**
     * Returns the ids of all nodes, running or not.
     *
     * @return node ids, ascending
     */
    public SortedSet<Integer> ids() {
        return new TreeSet<>(configs.keySet());
    }

    /**
     * Returns the ids of the running nodes.
     *
     * @return node ids, ascending
     */
    public synchronized SortedSet<Integer> running() {
        return new TreeSet<>(running.keySet());
    }

    /**
     * Starts every node in parallel, since a combined node's broker waits for a controller quorum
     * that only forms once the other nodes are up, and returns when each has started or
     * {@code timeout} has passed.
     *
     * @param timeout how long to wait for each node's start
     * @throws EmbeddedKafkaException if a node fails to start
     */
    public void startAll(Duration timeout) {
        Map<Integer, RuntimeException> failures = Collections.synchronizedMap(new LinkedHashMap<>());
        List<Thread> starters = new ArrayList<>();
        for (int nodeId : configs.keySet()) {
            KafkaRaftServer server = newServer(nodeId);
            // counted as running before it starts, so that close() stops a node whose start failed half way
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
                starter.join(timeout.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EmbeddedKafkaException("interrupted while starting Kafka", e);
            }
        }
        if (!failures.isEmpty()) {
            throw new EmbeddedKafkaException("Kafka nodes failed to start: " + failures, failures.values().iterator().next());
        }
    }

    /**
     * Starts a stopped node again with its id, ports and data.
     *
     * @param nodeId the node
     * @throws IllegalArgumentException if there is no such node
     * @throws IllegalStateException    if it is running
     */
    public synchronized void start(int nodeId) {
        requireKnown(nodeId);
        if (running.containsKey(nodeId)) {
            throw new IllegalStateException("broker " + nodeId + " is already running");
        }
        KafkaRaftServer server = newServer(nodeId);
        server.startup();
        running.put(nodeId, server);
    }

    /**
     * Stops a running node with a clean shutdown, keeping its data.
     *
     * @param nodeId the node
     * @throws IllegalArgumentException if there is no such node
     * @throws IllegalStateException    if it is not running
     */
    public synchronized void stop(int nodeId) {
        requireKnown(nodeId);
        KafkaRaftServer server = running.remove(nodeId);
        if (server == null) {
            throw new IllegalStateException("broker " + nodeId + " is not running; running: " + running.keySet());
        }
        server.shutdown();
        server.awaitShutdown();
    }

    /**
     * Stops every running node and deletes the data folder.
     */
    @Override
    public void close() {
        List<KafkaRaftServer> servers;
        synchronized (this) {
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
    }

    private void requireKnown(int nodeId) {
        if (!configs.containsKey(nodeId)) {
            throw new IllegalArgumentException("no broker " + nodeId + " in this cluster; brokers are " + configs.keySet());
        }
    }

    private KafkaRaftServer newServer(int nodeId) {
        return new KafkaRaftServer(new KafkaConfig(configs.get(nodeId), false), Time.SYSTEM);
    }
}
