package dev.myelin.processors;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A committed change of one view entry, as a {@link ViewSubscription} delivers it.
 *
 * <pre>{@code
 * try (ViewSubscription s = balances.subscribe("acc-1", change -> {
 *     if (change.missedBefore() > 0) {
 *         reload(balances.query().get("acc-1"));   // the buffer overflowed: changes were dropped
 *     }
 *     change.view().ifPresent(ui::show);
 * })) { ... }
 * }</pre>
 *
 * @param key          the view key
 * @param view         the view's new value; empty if the entry was deleted
 * @param timestamp    the change's timestamp: that of the event folded into it
 * @param missedBefore how many changes of this subscription were dropped just before this one because
 *                     its buffer was full (0 when none were): a gap the subscriber may fill by querying
 *                     the view
 * @param <K>          the key type
 * @param <V>          the view type
 */
public record ViewChange<K, V>(K key, Optional<V> view, Instant timestamp, long missedBefore) {

    /**
     * Checks the components.
     *
     * @throws NullPointerException     if a component is null
     * @throws IllegalArgumentException if {@code missedBefore} is negative
     */
    public ViewChange {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(view, "view");
        Objects.requireNonNull(timestamp, "timestamp");
        if (missedBefore < 0) {
            throw new IllegalArgumentException("missedBefore must not be negative: " + missedBefore);
        }
    }
}
