package dev.myelin.eventstore.internal;

import java.util.Map;

import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.MyelinConfig;

/**
 * The Kafka Streams settings every Myelin runtime (event store, projection, saga runtime) starts
 * with unless the user sets them, in one place so the three agree.
 *
 * <ul>
 *   <li>{@code enable.transactional.statestores=true} (Kafka 4.4, KIP-892): stores buffer a
 *       transaction's writes and apply them when it commits, so an unclean stop under
 *       exactly_once_v2 no longer wipes a task's stores and restores them from their changelogs;
 *       only the writes since the last commit are redone.</li>
 *   <li>{@code default.interactive.query.isolation.level=READ_COMMITTED}: {@code state()},
 *       {@code history()}, view queries and saga state show committed data only, never a write
 *       whose transaction may still abort. A user who prefers read-your-own-writes speed over that
 *       sets {@code READ_UNCOMMITTED} through the runtime's properties.</li>
 *   <li>{@code rocksdb.config.setter=}{@link BoundedReplayRocksDB}: memtables of
 *       {@link MyelinConfig#ROCKSDB_WRITE_BUFFER_BYTES} (4 MiB unless set) instead of Kafka's 16 MiB.
 *       A store's changelog offsets reach disk only when a memtable flushes, so this bounds what an
 *       unclean stop replays per store. A user's own setter replaces it (and the key is then
 *       ignored, with a warning).</li>
 * </ul>
 *
 * <p>Standby replicas stay at Kafka's default (none): a single instance has nowhere to put one, and
 * Kafka Streams warns about each task on every rebalance when asked for one it cannot place. An
 * application with two or more instances sets {@code num.standby.replicas=1} (a warm copy of each
 * task on another instance, taking over without a restore) and a {@code group.instance.id} per
 * instance, stable across its restarts (static membership: a restarted instance takes its
 * partitions back without a rebalance, within {@code session.timeout.ms}).
 *
 * <p>The group protocol stays classic. {@code group.protocol=streams} (KIP-1071) works with every
 * runtime on Kafka 4.4, but a SIGKILLed instance restarted with the same {@code group.instance.id}
 * is refused until its old session expires (45 s unless the group's
 * {@code streams.session.timeout.ms} says otherwise), where the classic protocol lets it back at
 * once; docs/benchmarks.md has the figures.
 */
public final class StreamsDefaults {
    private static final Logger log = LoggerFactory.getLogger(StreamsDefaults.class);
    /** The interactive-query isolation level Myelin uses unless told otherwise. */
    public static final String QUERY_ISOLATION = "READ_COMMITTED";

    private StreamsDefaults() {
    }

    /**
     * Puts Myelin's defaults into {@code properties} for every key the user did not set.
     *
     * @param properties the runtime's Kafka Streams properties, user settings already in
     * @throws IllegalArgumentException if {@link MyelinConfig#ROCKSDB_WRITE_BUFFER_BYTES} is not a valid size
     */
    public static void applyTo(Map<? super String, ? super Object> properties) {
        properties.putIfAbsent(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, true);
        properties.putIfAbsent(StreamsConfig.DEFAULT_INTERACTIVE_QUERY_ISOLATION_LEVEL_CONFIG, QUERY_ISOLATION);
        // the handler the runtimes set also covers global stores; Kafka Streams warns at every start until told so, and
        // again from the partition assignor, which reads its settings from the main consumer's configuration
        properties.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        properties.putIfAbsent(StreamsConfig.mainConsumerPrefix(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG), true);
        // checked here, where a bad value stops the start, not in a stream thread opening a store
        BoundedReplayRocksDB.writeBufferBytes(properties);
        Object setter = properties.putIfAbsent(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedReplayRocksDB.class);
        if (setter != null && properties.containsKey(MyelinConfig.ROCKSDB_WRITE_BUFFER_BYTES) && !isOurs(setter)) {
            log.warn("{} is ignored: {} names a setter of its own ({}), which decides the stores' write buffers",
                    MyelinConfig.ROCKSDB_WRITE_BUFFER_BYTES, StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, setter);
        }
    }

    private static boolean isOurs(Object setter) {
        return setter == BoundedReplayRocksDB.class || BoundedReplayRocksDB.class.getName().equals(setter.toString().trim());
    }
}
