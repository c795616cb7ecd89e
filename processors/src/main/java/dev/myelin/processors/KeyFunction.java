package dev.myelin.processors;

import dev.myelin.schemas.EventMetadata;

/**
 * Chooses the view key an event updates, for projections keyed by something other than the aggregate
 * id (customer id, day, currency...). It must be a pure function: Myelin calls it once to route the
 * event through a repartition topic and again where the view is updated.
 *
 * <pre>{@code
 * KeyFunction<SpecificRecord, String> byCustomer = (event, metadata) -> ((AccountOpened) event).getOwner();
 * }</pre>
 *
 * @param <E> the event type
 * @param <K> the view key type
 */
@FunctionalInterface
public interface KeyFunction<E, K> {

    /**
     * Returns the key of the view {@code event} updates.
     *
     * @param event    the event
     * @param metadata the event's metadata
     * @return the view key, never null
     */
    K keyOf(E event, EventMetadata metadata);
}
