package dev.myelin.eventstore.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.state.internals.WithRetentionPeriod;

/**
 * Kafka's persistent stores, with one cost of the command path taken away: Kafka Streams' changelog
 * layer asks the store for its {@link Position} on every put, and a RocksDB store answers with a deep
 * copy merged with its uncommitted deltas (a few maps per put, about a tenth of the command
 * processor's time in a profile of the command benchmark) which the changelog layer then ignores
 * unless offset-vector consistency ({@code __iq.consistency.offset.vector.enabled__}) is on. These
 * stores answer {@link #getPosition()} with an empty position while it is off and with the real one
 * while it is on; everything else, queries included (they read the position inside the store), is
 * Kafka's own store, untouched.
 */
public final class UncopiedPositionStores {
    private static final String CONSISTENCY = StreamsConfig.InternalConfig.IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED;

    private UncopiedPositionStores() {
    }

    /**
     * Kafka's persistent key-value store under {@code name}, returning an uncopied position.
     *
     * @param name the store name
     * @return the supplier
     */
    public static KeyValueBytesStoreSupplier persistentKeyValueStore(String name) {
        KeyValueBytesStoreSupplier kafka = Stores.persistentKeyValueStore(name);
        return new KeyValueBytesStoreSupplier() {
            @Override
            public String name() {
                return kafka.name();
            }

            @Override
            public KeyValueStore<Bytes, byte[]> get() {
                return new KeyValueDelegate(kafka.get());
            }

            @Override
            public String metricsScope() {
                return kafka.metricsScope();
            }
        };
    }

    /**
     * Kafka's persistent window store, as {@link Stores#persistentWindowStore} makes it, returning an uncopied position.
     *
     * @param name             the store name
     * @param retention        how long the store keeps a window
     * @param windowSize       the windows' size
     * @param retainDuplicates whether a key may hold several values in one window
     * @return the supplier
     */
    public static WindowBytesStoreSupplier persistentWindowStore(String name, Duration retention, Duration windowSize,
                                                          boolean retainDuplicates) {
        WindowBytesStoreSupplier kafka = Stores.persistentWindowStore(name, retention, windowSize, retainDuplicates);
        return new WindowBytesStoreSupplier() {
            @Override
            public String name() {
                return kafka.name();
            }

            @Override
            public WindowStore<Bytes, byte[]> get() {
                return new WindowDelegate(kafka.get());
            }

            @Override
            public String metricsScope() {
                return kafka.metricsScope();
            }

            @Override
            public long segmentIntervalMs() {
                return kafka.segmentIntervalMs();
            }

            @Override
            public long windowSize() {
                return kafka.windowSize();
            }

            @Override
            public boolean retainDuplicates() {
                return kafka.retainDuplicates();
            }

            @Override
            public long retentionPeriod() {
                return kafka.retentionPeriod();
            }
        };
    }

    /** The {@link StateStore} part, shared by both kinds: everything goes to Kafka's store but the position. */
    private abstract static class StoreDelegate<S extends StateStore> implements StateStore {
        private static final Position NOT_TRACKED = Position.emptyPosition();
        final S inner;
        private boolean consistencyVectors;

        StoreDelegate(S inner) {
            this.inner = inner;
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public void init(StateStoreContext context, StateStore root) {
            consistencyVectors = Boolean.parseBoolean(String.valueOf(context.appConfigs().get(CONSISTENCY)));
            inner.init(context, root);
        }

        @Override
        public void flush() {
            inner.flush();
        }

        @Override
        public void commit(Map<TopicPartition, Long> changelogOffsets) {
            inner.commit(changelogOffsets);
        }

        @Override
        public Long committedOffset(TopicPartition partition) {
            return inner.committedOffset(partition);
        }

        @Override
        public void close() {
            inner.close();
        }

        @Override
        public boolean persistent() {
            return inner.persistent();
        }

        @Override
        public boolean managesOffsets() {
            return inner.managesOffsets();
        }

        @Override
        public boolean isOpen() {
            return inner.isOpen();
        }

        @Override
        public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
            return inner.query(query, positionBound, config);
        }

        @Override
        public long approximateNumUncommittedBytes() {
            return inner.approximateNumUncommittedBytes();
        }

        @Override
        public Position getPosition() {
            // read by the changelog layer on every put, and only used there when consistency vectors are on
            return consistencyVectors ? inner.getPosition() : NOT_TRACKED;
        }
    }

    private static final class KeyValueDelegate extends StoreDelegate<KeyValueStore<Bytes, byte[]>> implements KeyValueStore<Bytes, byte[]> {
        KeyValueDelegate(KeyValueStore<Bytes, byte[]> inner) {
            super(inner);
        }

        @Override
        public void put(Bytes key, byte[] value) {
            inner.put(key, value);
        }

        @Override
        public byte[] putIfAbsent(Bytes key, byte[] value) {
            return inner.putIfAbsent(key, value);
        }

        @Override
        public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
            inner.putAll(entries);
        }

        @Override
        public byte[] delete(Bytes key) {
            return inner.delete(key);
        }

        @Override
        public byte[] get(Bytes key) {
            return inner.get(key);
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
            return inner.range(from, to);
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
            return inner.reverseRange(from, to);
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> all() {
            return inner.all();
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> reverseAll() {
            return inner.reverseAll();
        }

        @Override
        public <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(P prefix, PS prefixKeySerializer) {
            return inner.prefixScan(prefix, prefixKeySerializer);
        }

        @Override
        public long approximateNumEntries() {
            return inner.approximateNumEntries();
        }

        @Override
        public ReadOnlyKeyValueStore<Bytes, byte[]> readOnly(IsolationLevel isolationLevel) {
            return inner.readOnly(isolationLevel);
        }
    }

    /**
     * A window store; it tells Kafka its retention (through Kafka's internal {@link WithRetentionPeriod},
     * which Kafka looks for only through its own wrappers) so that a restore still skips the expired
     * part of the changelog instead of reading it in full.
     */
    private static final class WindowDelegate extends StoreDelegate<WindowStore<Bytes, byte[]>>
            implements WindowStore<Bytes, byte[]>, WithRetentionPeriod {
        WindowDelegate(WindowStore<Bytes, byte[]> inner) {
            super(inner);
        }

        @Override
        public long retentionPeriod() {
            return WithRetentionPeriod.resolveRetentionPeriod(inner);
        }

        @Override
        public void put(Bytes key, byte[] value, long windowStartTimestamp) {
            inner.put(key, value, windowStartTimestamp);
        }

        @Override
        public byte[] fetch(Bytes key, long time) {
            return inner.fetch(key, time);
        }

        @Override
        public WindowStoreIterator<byte[]> fetch(Bytes key, long timeFrom, long timeTo) {
            return inner.fetch(key, timeFrom, timeTo);
        }

        @Override
        public WindowStoreIterator<byte[]> fetch(Bytes key, Instant timeFrom, Instant timeTo) {
            return inner.fetch(key, timeFrom, timeTo);
        }

        @Override
        public WindowStoreIterator<byte[]> backwardFetch(Bytes key, long timeFrom, long timeTo) {
            return inner.backwardFetch(key, timeFrom, timeTo);
        }

        @Override
        public WindowStoreIterator<byte[]> backwardFetch(Bytes key, Instant timeFrom, Instant timeTo) {
            return inner.backwardFetch(key, timeFrom, timeTo);
        }

        @Override
        public KeyValueIterator<Windowed<Bytes>, byte[]> fetch(Bytes keyFrom, Bytes keyTo, long timeFrom, long timeTo) {
            return inner.fetch(keyFrom, keyTo, timeFrom, timeTo);
        }

        @Override
        public KeyValueIterator<Windowed<Bytes>, byte[]> fetch(Bytes keyFrom, Bytes keyTo, Instant timeFrom, Instant timeTo) {
            return inner.fetch(keyFrom, keyTo, timeFrom, timeTo);
        }

        @Override
        public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetch(Bytes keyFrom, Bytes keyTo, long timeFrom, long timeTo) {
            return inner.backwardFetch(keyFrom, keyTo, timeFrom, timeTo);
        }

        @Override
        public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetch(Bytes keyFrom, Bytes keyTo, Instant timeFrom, Instant timeTo) {
            return inner.backwardFetch(keyFrom, keyTo, timeFrom, timeTo);
        }

        @Override
        public KeyValueIterator<Windowed<Bytes>, byte[]> fetchAll(long timeFrom, long timeTo) {
            return inner.fetchAll(timeFrom, timeTo);
        }

        @Override
        public KeyValueIterator<Windowed<Bytes>, byte[]> fetchAll(Instant timeFrom, Instant timeTo) {
            return inner.fetchAll(timeFrom, timeTo);
        }

        @Override
        public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetchAll(long timeFrom, long timeTo) {
            return inner.backwardFetchAll(timeFrom, timeTo);
        }

        @Override
        public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetchAll(Instant timeFrom, Instant timeTo) {
            return inner.backwardFetchAll(timeFrom, timeTo);
        }

        @Override
        public KeyValueIterator<Windowed<Bytes>, byte[]> all() {
            return inner.all();
        }

        @Override
        public KeyValueIterator<Windowed<Bytes>, byte[]> backwardAll() {
            return inner.backwardAll();
        }

        @Override
        public ReadOnlyWindowStore<Bytes, byte[]> readOnly(IsolationLevel isolationLevel) {
            return inner.readOnly(isolationLevel);
        }
    }
}
