package dev.myelin.processors;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A view query that reads one running projection and can be switched to another: how an
 * application keeps serving from version 1 while version 2 rebuilds, then moves its readers over
 * at once when version 2 has caught up.
 *
 * <pre>{@code
 * SwitchableViewQuery<String, Balance> balances = SwitchableViewQuery.of(v1);   // hand this to readers
 * RunningProjection<String, Balance> v2 = RunningProjection.start(definition.version(2).build(), config);
 * balances.switchWhenCaughtUp(v2, Duration.ofHours(1), Duration.ofSeconds(30));  // logs progress
 * v1.destroy();                                                                 // old state removed
 * }</pre>
 *
 * @param <K> the view key type
 * @param <V> the view type
 */
public final class SwitchableViewQuery<K, V> implements ViewQuery<K, V> {

    private final AtomicReference<RunningProjection<K, V>> current;

    private SwitchableViewQuery(RunningProjection<K, V> first) {
        current = new AtomicReference<>(first);
    }

    /**
     * Returns a query that reads {@code projection} until switched.
     *
     * @param projection the projection to read first
     * @param <K>        the view key type
     * @param <V>        the view type
     * @return the query
     * @throws NullPointerException if {@code projection} is null
     */
    public static <K, V> SwitchableViewQuery<K, V> of(RunningProjection<K, V> projection) {
        return new SwitchableViewQuery<>(Objects.requireNonNull(projection, "projection"));
    }

    /**
     * Returns the projection queries read now.
     *
     * @return the current projection
     */
    public RunningProjection<K, V> current() {
        return current.get();
    }

    /**
     * Switches queries to {@code next} at once.
     *
     * @param next the projection to read from now on
     * @throws NullPointerException     if {@code next} is null
     * @throws IllegalArgumentException if {@code next} is a projection of another name
     */
    public void switchTo(RunningProjection<K, V> next) {
        requireSameProjection(next);
        current.set(next);
    }

    private void requireSameProjection(RunningProjection<K, V> next) {
        Objects.requireNonNull(next, "next");
        String name = current.get().projection().name();
        if (!next.projection().name().equals(name)) {
            throw new IllegalArgumentException("cannot switch queries of projection " + name + " to projection "
                    + next.projection().name() + "; switch between versions of one projection");
        }
    }

    /**
     * Waits until {@code next} has caught up (see {@link RunningProjection#awaitCaughtUp}), then switches
     * queries to it. Queries read the current projection meanwhile.
     *
     * @param next             the projection to read from once it has caught up, usually a new version
     * @param timeout          how long to wait
     * @param progressInterval how often to log the rebuild's progress
     * @throws IllegalArgumentException  if {@code next} is a projection of another name
     * @throws MyelinProjectionException if {@code next} fails or does not catch up in time; queries stay
     *                                   on the current projection
     */
    public void switchWhenCaughtUp(RunningProjection<K, V> next, Duration timeout, Duration progressInterval) {
        requireSameProjection(next); // before a long wait, not after
        next.awaitCaughtUp(timeout, progressInterval);
        switchTo(next);
    }

    @Override
    public Optional<V> get(K key) {
        return current.get().query().get(key);
    }

    @Override
    public List<ViewEntry<K, V>> range(K from, K to) {
        return current.get().query().range(from, to);
    }

    @Override
    public List<ViewEntry<K, V>> all() {
        return current.get().query().all();
    }

    @Override
    public long approximateCount() {
        return current.get().query().approximateCount();
    }
}
