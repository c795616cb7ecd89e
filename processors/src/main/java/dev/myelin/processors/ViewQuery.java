package dev.myelin.processors;

import java.util.List;
import java.util.Optional;

/**
 * Reads a projection's view from this instance's local store.
 *
 * <pre>{@code
 * ViewQuery<String, Balance> balances = running.query();
 * Optional<Balance> ada = balances.get("acc-1");
 * List<ViewEntry<String, Balance>> some = balances.range("acc-1", "acc-5");
 * }</pre>
 *
 * <p>An instance holds the keys of the partitions assigned to it; with one instance that is every
 * key. Scans are ordered by the serialized key bytes, which for string keys is their UTF-8 order.
 * Views are eventually consistent with the events topic. A query reads the local store, which shows
 * an event's effect as soon as it is processed, before its transaction commits (Kafka Streams 4.3 has
 * no transactional stores yet); should the instance crash before the commit, the store is rebuilt
 * from its committed changelog and the event is processed again, so the view never counts it twice.
 * The published topic, read {@code read_committed}, only ever shows committed views.
 *
 * @param <K> the key type
 * @param <V> the view type
 */
public interface ViewQuery<K, V> {

    /**
     * Returns the view for {@code key}.
     *
     * @param key the view key
     * @return the view, or empty when no event has touched the key
     * @throws NullPointerException     if {@code key} is null
     * @throws ViewUnavailableException if the store cannot be read right now (the projection is
     *                                  starting, rebalancing or stopped)
     */
    Optional<V> get(K key);

    /**
     * Returns the views whose keys lie between {@code from} and {@code to}, both included.
     *
     * @param from the first key
     * @param to   the last key
     * @return the entries in key order
     * @throws NullPointerException     if a key is null
     * @throws ViewUnavailableException if the store cannot be read right now
     */
    List<ViewEntry<K, V>> range(K from, K to);

    /**
     * Returns every view in the local store.
     *
     * @return the entries in key order
     * @throws ViewUnavailableException if the store cannot be read right now
     */
    List<ViewEntry<K, V>> all();

    /**
     * Returns an estimate of the number of keys in the local store (RocksDB's own estimate).
     *
     * @return the approximate count
     * @throws ViewUnavailableException if the store cannot be read right now
     */
    long approximateCount();
}
