package dev.myelin.processors;

import dev.myelin.schemas.EventMetadata;

/**
 * Folds one event into a view: the heart of a projection. A handler should be a pure function of
 * its arguments, because a handler that throws is retried (see {@link dev.myelin.eventstore.RetryPolicy}) and, under
 * exactly-once processing, an event may be handled again after a crash before its result counts.
 *
 * <pre>{@code
 * EventHandler<Balance, Deposited> deposit =
 *         (balance, deposited, metadata) -> new Balance(balance.amount() + deposited.getAmount(), metadata.sequence());
 * }</pre>
 *
 * @param <V> the view type
 * @param <T> the event type this handler accepts
 */
@FunctionalInterface
public interface EventHandler<V, T> {

    /**
     * Returns the view after {@code event}. Return a new value rather than changing {@code view} in
     * place: a retried handler is given the stored view again, not the half-changed one.
     *
     * @param view     the current view for the event's key, or the projection's initial view
     * @param event    the event
     * @param metadata the event's metadata (aggregate id, sequence, timestamp, ids)
     * @return the new view, never null
     */
    V apply(V view, T event, EventMetadata metadata);
}
