package dev.myelin.processors;

import java.util.List;
import java.util.Optional;

/**
 * Reads a projection's view.
 *
 * <pre>{@code
 * ViewQuery<String, Balance> balances = running.query();
 * Optional<Balance> ada = balances.get("acc-1");
 * List<ViewEntry<String, Balance>> some = balances.range("acc-1", "acc-5");
 * }</pre>
 *
 * <p>An instance holds the keys of the partitions assigned to it; with one instance that is every
 * key. {@link #get} of a key another instance holds is asked of that instance when a query endpoint
 * is configured ({@link ProjectionConfig#QUERY_ENDPOINT}); without one it reads the local store
 * only, where such a key is absent (so run one instance, or configure the endpoint); {@link #range}, {@link #all} and
 * {@link #approximateCount} read this instance's keys only. Scans are ordered by the serialized key
 * bytes, which for string keys is their UTF-8 order.
 *
 * <p>Views are eventually consistent with the events topic and show committed data only: the
 * store is transactional (Kafka 4.4) and read at {@code READ_COMMITTED}, so an event's effect is
 * visible once the transaction that folded it commits (within about one {@code commit.interval.ms})
 * and an effect whose transaction aborts is never shown. Setting
 * {@code default.interactive.query.isolation.level=READ_UNCOMMITTED} shows effects as soon as they are
 * folded, at the price of seeing some that are then rolled back and folded again.
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
