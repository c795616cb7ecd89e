package dev.myelin.eventstore.internal;

import java.util.Map;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.Options;

import dev.myelin.eventstore.MyelinConfig;

/**
 * The RocksDB settings of every Myelin runtime's stores, unless the user names a
 * {@code rocksdb.config.setter} of their own: smaller memtables, so that an unclean stop replays a
 * bounded part of each store's changelog instead of all of it.
 *
 * <p>Why the memtable size decides the replay (Kafka 4.4, read in its {@code RocksDBStore}): each
 * commit writes the store's changelog offsets into a column family of the store's own RocksDB, next
 * to the data, with the write-ahead log off and no flush; the database is opened with
 * {@code atomic_flush}, so the offsets reach disk together with the data whenever a memtable is
 * flushed, which happens when one fills ({@code write_buffer_size}) or the store closes cleanly.
 * After a SIGKILL the store reopens at the offsets of its last flush and replays the changelog
 * from there. With Kafka's 16 MiB a store that receives less than that between flushes (a view
 * behind a record cache, a store of small records) replays everything written since it was created.
 * With {@value #DEFAULT_WRITE_BUFFER_BYTES} bytes the replay is at most about that many bytes of
 * writes per store, times the memtables a store may hold ({@code max_write_buffer_number}, 3 in
 * Kafka's settings), at the cost of more, smaller files for RocksDB to compact.
 *
 * <p>The size is {@link MyelinConfig#ROCKSDB_WRITE_BUFFER_BYTES}, read from the runtime's
 * properties. A user's own {@code rocksdb.config.setter} replaces this one entirely (and the key then
 * has no effect); to keep the replay bounded it sets {@code options.setWriteBufferSize(...)} itself.
 */
public final class BoundedReplayRocksDB implements RocksDBConfigSetter {
    /** Memtable size per store unless {@link MyelinConfig#ROCKSDB_WRITE_BUFFER_BYTES} says otherwise: 4 MiB. */
    public static final long DEFAULT_WRITE_BUFFER_BYTES = 4L * 1024 * 1024;
    /** RocksDB raises a smaller write buffer to this. */
    public static final long MIN_WRITE_BUFFER_BYTES = 64L * 1024;

    /** Kafka Streams makes one per store, by its public no-argument constructor. */
    public BoundedReplayRocksDB() {
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        options.setWriteBufferSize(writeBufferBytes(configs));
    }

    /**
     * Returns the write buffer size {@code configs} asks for.
     *
     * @param configs Kafka Streams properties
     * @return the size in bytes
     * @throws IllegalArgumentException if the value is not a whole number of at least {@value #MIN_WRITE_BUFFER_BYTES}
     */
    public static long writeBufferBytes(Map<?, ?> configs) {
        Object value = configs.get(MyelinConfig.ROCKSDB_WRITE_BUFFER_BYTES);
        if (value == null) {
            return DEFAULT_WRITE_BUFFER_BYTES;
        }
        long bytes;
        try {
            bytes = value instanceof Number number ? number.longValue() : Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(MyelinConfig.ROCKSDB_WRITE_BUFFER_BYTES + " must be a whole number of bytes: '" + value + "'", e);
        }
        if (bytes < MIN_WRITE_BUFFER_BYTES) {
            throw new IllegalArgumentException(MyelinConfig.ROCKSDB_WRITE_BUFFER_BYTES + " must be at least " + MIN_WRITE_BUFFER_BYTES
                    + " (RocksDB's smallest memtable): " + bytes);
        }
        return bytes;
    }

    @Override
    public void close(String storeName, Options options) {
        // nothing of its own to release: the options belong to the store
    }
}
