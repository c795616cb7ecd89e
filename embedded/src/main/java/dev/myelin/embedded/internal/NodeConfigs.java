package dev.myelin.embedded.internal;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

import dev.myelin.embedded.EmbeddedKafkaException;

/**
 * The broker configuration of each node of an embedded cluster, and the storage formatting that
 * must precede a node's first start.
 */
final class NodeConfigs {

    static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String BROKER_LISTENER = "PLAINTEXT";
    /** The client and inter-broker listener's name on a cluster with TLS or SASL: SSL, SASL_SSL or SASL_PLAINTEXT. */
    private static final String SECURED_LISTENER = "CLIENT";

    /** Settings that define the cluster's shape; a caller's broker property may not override them. */
    static final Set<String> OWNED_PROPERTIES = Set.of("node.id", "process.roles", "listeners",
            "advertised.listeners", "controller.quorum.voters", "controller.quorum.bootstrap.servers",
            "controller.listener.names", "listener.security.protocol.map", "inter.broker.listener.name",
            "log.dirs", "log.dir", "metadata.log.dir");

    private NodeConfigs() {
    }

    /** The replication factor of new and internal topics on a cluster of {@code brokers}. */
    static int replicationFactor(int brokers) {
        return Math.min(3, brokers);
    }

    /** The {@code min.insync.replicas} of new and internal topics on a cluster of {@code brokers}. */
    static int minInSyncReplicas(int brokers) {
        return Math.min(2, brokers);
    }

    /**
     * Returns the configuration of nodes 1 to {@code count}, each both broker and controller with
     * two free ports on 127.0.0.1 and its data in {@code base/node-<id>}; {@code overrides} come last.
     * With {@code smallMachine}, fewer partitions and threads and shorter waits than Kafka's
     * defaults; without, Kafka's broker defaults for everything but the cluster's shape and its
     * replication.
     */
    static Map<Integer, Properties> create(int count, Path base, ClusterSecurity security, Map<String, String> overrides,
                                           boolean smallMachine) {
        Map<Integer, Integer> brokerPorts = new LinkedHashMap<>();
        Map<Integer, Integer> controllerPorts = new LinkedHashMap<>();
        for (int id = 1; id <= count; id++) {
            brokerPorts.put(id, FreePorts.pick());
            controllerPorts.put(id, FreePorts.pick());
        }
        String voters = controllerPorts.entrySet().stream()
                .map(e -> e.getKey() + "@127.0.0.1:" + e.getValue())
                .collect(Collectors.joining(","));
        String replication = Integer.toString(replicationFactor(count));
        String minIsr = Integer.toString(minInSyncReplicas(count));
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
            if (smallMachine) {
                tuneForASmallMachine(p);
            }
            security.secure(p, SECURED_LISTENER, CONTROLLER_LISTENER, brokerPorts.get(id), controllerPorts.get(id));
            p.putAll(overrides);
            configs.put(id, p);
        }
        return configs;
    }

    /**
     * Fewer internal partitions and threads than a production broker, for a cluster that shares a
     * small machine with the application under test, and the floors and delays tests need.
     */
    private static void tuneForASmallMachine(Properties p) {
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
    }

    /** Returns a node's client address, {@code 127.0.0.1:<port>}. */
    static String address(Properties config) {
        String listener = config.getProperty("advertised.listeners");
        return listener.substring(listener.indexOf("://") + "://".length());
    }

    /** Formats every node's storage with one new cluster id, as {@code kafka-storage format} would. */
    static void format(Map<Integer, Properties> configs, ClusterSecurity security) {
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
                        .setScramArguments(security.scramFormatArguments())
                        .run();
            } catch (Exception e) {
                throw new EmbeddedKafkaException("cannot format storage of Kafka node " + node.getKey() + " in " + logDir, e);
            }
        }
    }
}
