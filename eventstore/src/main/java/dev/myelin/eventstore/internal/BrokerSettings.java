package dev.myelin.eventstore.internal;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks at one broker's settings when a runtime starts, and warns (once per cluster and JVM) about
 * a setting that makes every transaction on a cluster of several brokers slow and noisy.
 *
 * <p>With transactions v2 a transaction's first write to a partition is added to it by the
 * partition's leader, and the coordinator refuses that while the previous commit is still being
 * completed. The leader retries only for {@value #ADD_PARTITIONS_RETRY_MAX} (100 ms by default);
 * then the client gets {@code CONCURRENT_TRANSACTIONS} and backs off up to a second, and the leader
 * logs {@code OutOfOrderSequenceException} at ERROR for the batch behind it. On three brokers the
 * shop demo's commands then timed out at 30 s (docs/reliability.md, finding 5). The check is
 * advice only: a principal without the right to describe the cluster's settings skips it.
 */
public final class BrokerSettings {
    /** The broker setting that bounds how long a leader waits out a commit in progress. */
    static final String ADD_PARTITIONS_RETRY_MAX = "add.partitions.to.txn.retry.backoff.max.ms";
    /** What docs/reliability.md recommends. */
    static final long RECOMMENDED_MS = 5_000;
    /** Below this a three-broker commit (measured 35 to 65 ms on an idle cluster, far more under load) outlasts the leader's retries. */
    static final long ENOUGH_MS = 1_000;
    private static final Logger log = LoggerFactory.getLogger(BrokerSettings.class);
    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private static final Set<String> looked = ConcurrentHashMap.newKeySet();

    private BrokerSettings() {
    }

    /**
     * Warns about the cluster's broker settings, once per cluster in this JVM.
     *
     * @param admin a client of the cluster
     */
    public static void warnOnce(Admin admin) {
        try {
            DescribeClusterResult cluster = admin.describeCluster();
            String clusterId = cluster.clusterId().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            if (looked.add(String.valueOf(clusterId))) {
                advice(admin, cluster).ifPresent(log::warn);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.debug("could not look at the brokers' settings; skipping the check: {}", e.toString());
        }
    }

    /**
     * Returns the warning for the cluster {@code admin} reaches, if its brokers need one.
     *
     * @param admin a client of the cluster
     * @return the warning, or empty when the settings are fine or cannot be read
     * @throws InterruptedException if interrupted
     */
    static Optional<String> advice(Admin admin) throws InterruptedException {
        return advice(admin, admin.describeCluster());
    }

    private static Optional<String> advice(Admin admin, DescribeClusterResult cluster) throws InterruptedException {
        try {
            Collection<Node> nodes = cluster.nodes().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            if (nodes.size() < 2) {
                return Optional.empty();
            }
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(nodes.iterator().next().id()));
            Config config = admin.describeConfigs(List.of(broker)).all().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS).get(broker);
            return advice(nodes.size(), Optional.ofNullable(config.get(ADD_PARTITIONS_RETRY_MAX)).map(ConfigEntry::value));
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.debug("could not read the brokers' settings; skipping the check: {}", e.toString());
            return Optional.empty();
        }
    }

    /**
     * Returns the warning for a cluster of {@code brokers} whose leaders retry adding a partition to a
     * transaction for {@code retryMaxMs} (empty when the broker did not say).
     */
    static Optional<String> advice(int brokers, Optional<String> retryMaxMs) {
        if (brokers < 2 || retryMaxMs.isEmpty()) {
            return Optional.empty();
        }
        long value;
        try {
            value = Long.parseLong(retryMaxMs.get().trim());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (value >= ENOUGH_MS) {
            return Optional.empty();
        }
        return Optional.of("the brokers' " + ADD_PARTITIONS_RETRY_MAX + " is " + value + " ms: on " + brokers + " brokers a "
                + "transaction's first write to a partition is then often refused while the previous commit completes, and every "
                + "transactional client (Myelin's runtimes too) retries CONCURRENT_TRANSACTIONS for up to a second while the brokers "
                + "log OutOfOrderSequenceException at ERROR; nothing is lost, but commands and saga steps slow down. Set "
                + ADD_PARTITIONS_RETRY_MAX + "=" + RECOMMENDED_MS + " on every broker (docs/reliability.md, finding 5)");
    }
}
