package dev.myelin.embedded.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.apache.kafka.common.utils.Time;

import dev.myelin.embedded.EmbeddedKafkaException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

/**
 * The nodes of one embedded cluster and their life: formatted storage in a data folder, started
 * all at once or one by one, in this JVM or each in a child JVM, stopped with a clean shutdown
 * (or, as child JVMs, killed), and the folder deleted on {@link #close()}. Waiting for brokers to
 * register is the caller's: it needs a client.
 */
public final class KafkaNodes implements AutoCloseable {

    private final Path baseDirectory;
    private final Map<Integer, Properties> configs;
    private final boolean childProcesses;
    private final Duration stopTimeout;
    private final Map<Integer, Node> running = new LinkedHashMap<>();
    private final String bootstrapServers;

    private KafkaNodes(Path baseDirectory, Map<Integer, Properties> configs, boolean childProcesses, Duration stopTimeout) {
        this.baseDirectory = baseDirectory;
        this.configs = configs;
        this.childProcesses = childProcesses;
        this.stopTimeout = stopTimeout;
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
     * @param childProcesses true to run each node in a child JVM with Kafka's broker defaults
     *                  (but the cluster's replication), false to run them in this JVM tuned for a
     *                  small machine
     * @param stopTimeout how long a child JVM may take to shut down before it is killed
     * @return the nodes
     * @throws EmbeddedKafkaException if the storage cannot be formatted
     */
    public static KafkaNodes format(int count, Path base, ClusterSecurity security, Map<String, String> overrides,
                                    boolean childProcesses, Duration stopTimeout) {
        Map<Integer, Properties> configs = NodeConfigs.create(count, base, security, overrides, !childProcesses);
        NodeConfigs.format(configs, security);
        return new KafkaNodes(base, configs, childProcesses, stopTimeout);
    }

    /**
     * Returns whether each node runs in a child JVM.
     *
     * @return true for child JVMs
     */
    public boolean inChildProcesses() {
        return childProcesses;
    }

    /**
     * Returns the file a child-JVM node logs to, kept across its restarts and deleted with the data.
     *
     * @param nodeId a known node
     * @return its log file, which exists once the node was first started; empty for nodes in this JVM
     */
    public Optional<Path> logFile(int nodeId) {
        requireKnown(nodeId);
        return childProcesses ? Optional.of(BrokerProcess.logFile(baseDirectory, nodeId)) : Optional.empty();
    }

    /**
     * Returns whether a child-JVM node that should be running has exited by itself.
     *
     * @param nodeIds the nodes to check
     * @return true if one has exited; {@link #requireAlive} says why
     */
    public synchronized boolean anyExited(Set<Integer> nodeIds) {
        return nodeIds.stream().map(running::get).anyMatch(node -> node != null && node.exited());
    }

    /**
     * Fails if a child-JVM node that should be running has exited, with the end of its log.
     *
     * @param nodeIds the nodes to check
     * @throws EmbeddedKafkaException if one has exited
     */
    public synchronized void requireAlive(Set<Integer> nodeIds) {
        for (int nodeId : nodeIds) {
            Node node = running.get(nodeId);
            if (node != null) {
                node.requireAlive();
            }
        }
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
            Node node = newNode(nodeId);
            // counted as running before it starts, so that close() stops a node whose start failed half way
            synchronized (this) {
                running.put(nodeId, node);
            }
            Thread starter = new Thread(() -> {
                try {
                    node.startup();
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
        Node node = newNode(nodeId);
        node.startup();
        running.put(nodeId, node);
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
        Node node = running.get(nodeId);
        if (node == null) {
            throw new IllegalStateException("broker " + nodeId + " is not running; running: " + running.keySet());
        }
        running.remove(nodeId);
        node.shutdown();
    }

    /**
     * Kills a running child-JVM node with SIGKILL, keeping its data as the kill left it.
     *
     * @param nodeId the node
     * @throws IllegalArgumentException      if there is no such node
     * @throws UnsupportedOperationException if the nodes run in this JVM
     * @throws IllegalStateException         if it is not running
     */
    public synchronized void kill(int nodeId) {
        requireKnown(nodeId);
        if (!childProcesses) {
            throw new UnsupportedOperationException("broker " + nodeId + " runs inside this JVM, which cannot be killed"
                    + " without the test; build the cluster with EmbeddedKafkaCluster.builder().inChildProcesses() to kill brokers");
        }
        Node node = running.get(nodeId);
        if (node == null) {
            throw new IllegalStateException("broker " + nodeId + " is not running; running: " + running.keySet());
        }
        running.remove(nodeId);
        node.kill();
    }

    /**
     * Stops every running node and deletes the data folder.
     */
    @Override
    public void close() {
        List<Node> nodes;
        synchronized (this) {
            nodes = new ArrayList<>(running.values());
            running.clear();
        }
        // All nodes at once: one by one, the last ones would lose their controller quorum and
        // wait out controlled-shutdown timeouts.
        List<Thread> stoppers = new ArrayList<>();
        for (Node node : nodes) {
            Thread stopper = new Thread(node::shutdown, "myelin-kafka-stop");
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

    private Node newNode(int nodeId) {
        return childProcesses ? new ChildNode(nodeId) : new InProcessNode(nodeId);
    }

    /** One node's run, from its start to its shutdown. */
    private interface Node {
        /** Starts it: in this JVM until the broker serves; a child JVM only until it is launched. */
        void startup();

        /** Stops it cleanly and waits until it is down. */
        void shutdown();

        /** Ends it at once, with no clean shutdown. */
        void kill();

        /** Whether it has ended by itself. */
        boolean exited();

        /** Fails if it has ended by itself. */
        void requireAlive();
    }

    private final class InProcessNode implements Node {
        private final KafkaRaftServer server;

        InProcessNode(int nodeId) {
            server = new KafkaRaftServer(new KafkaConfig(configs.get(nodeId), false), Time.SYSTEM);
        }

        @Override
        public void startup() {
            server.startup();
        }

        @Override
        public void shutdown() {
            server.shutdown();
            server.awaitShutdown();
        }

        @Override
        public void kill() {
            throw new UnsupportedOperationException("a broker in this JVM cannot be killed");
        }

        @Override
        public boolean exited() {
            return false; // its failures surface in startup()
        }

        @Override
        public void requireAlive() {
            // its failures surface in startup()
        }
    }

    private final class ChildNode implements Node {
        private final int nodeId;
        private BrokerProcess process;

        ChildNode(int nodeId) {
            this.nodeId = nodeId;
        }

        @Override
        public synchronized void startup() {
            process = BrokerProcess.spawn(baseDirectory, nodeId, configs.get(nodeId));
        }

        @Override
        public synchronized void shutdown() {
            if (process != null) {
                process.stop(stopTimeout);
            }
        }

        @Override
        public synchronized void kill() {
            if (process != null) {
                process.kill();
            }
        }

        @Override
        public synchronized boolean exited() {
            return process != null && !process.isAlive();
        }

        @Override
        public synchronized void requireAlive() {
            if (process != null) {
                process.requireAlive();
            }
        }
    }
}
