package dev.myelin.processors.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import dev.myelin.processors.ViewEntry;
import dev.myelin.processors.ViewQuery;
import dev.myelin.processors.ViewUnavailableException;

/**
 * Reads a view from a local key-value store, fetched afresh for each call because Kafka Streams
 * hands out a new store after each rebalance.
 */
public final class LocalViewQuery<K, V> implements ViewQuery<K, V> {

    private final String projection;
    private final Supplier<ReadOnlyKeyValueStore<K, V>> store;

    /**
     * Creates the query.
     *
     * @param projection the projection's name, for messages
     * @param store      fetches the store; may throw {@link InvalidStateStoreException}
     */
    public LocalViewQuery(String projection, Supplier<ReadOnlyKeyValueStore<K, V>> store) {
        this.projection = projection;
        this.store = store;
    }

    @Override
    public Optional<V> get(K key) {
        Objects.requireNonNull(key, "key");
        try {
            return Optional.ofNullable(store.get().get(key));
        } catch (InvalidStateStoreException e) {
            throw unavailable(e);
        }
    }

    @Override
    public List<ViewEntry<K, V>> range(K from, K to) {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        try (KeyValueIterator<K, V> it = openRange(from, to)) {
            return drain(it);
        } catch (InvalidStateStoreException e) {
            throw unavailable(e);
        }
    }

    @Override
    public List<ViewEntry<K, V>> all() {
        try (KeyValueIterator<K, V> it = openAll()) {
            return drain(it);
        } catch (InvalidStateStoreException e) {
            throw unavailable(e);
        }
    }

    @Override
    public long approximateCount() {
        try {
            return store.get().approximateNumEntries();
        } catch (InvalidStateStoreException e) {
            throw unavailable(e);
        }
    }

    private KeyValueIterator<K, V> openRange(K from, K to) {
        return store.get().range(from, to);
    }

    private KeyValueIterator<K, V> openAll() {
        return store.get().all();
    }

    private static <K, V> List<ViewEntry<K, V>> drain(KeyValueIterator<K, V> it) {
        List<ViewEntry<K, V>> entries = new ArrayList<>();
        while (it.hasNext()) {
            KeyValue<K, V> next = it.next();
            entries.add(new ViewEntry<>(next.key, next.value));
        }
        return entries;
    }

    private ViewUnavailableException unavailable(InvalidStateStoreException e) {
        return new ViewUnavailableException("the view of projection " + projection
                + " cannot be read right now (starting, restoring, rebalancing or stopped); retry shortly", e);
    }
}
