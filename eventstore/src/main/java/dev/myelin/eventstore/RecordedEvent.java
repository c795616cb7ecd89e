package dev.myelin.eventstore;

import java.util.Objects;

import dev.myelin.schemas.EventMetadata;

/**
 * One stored event with its metadata, as {@link EventStore#history(String)} returns it.
 *
 * @param metadata the event's id, type, aggregate id, sequence, timestamp and command/correlation/causation ids
 * @param event    the event itself
 * @param <E>      the event type
 */
public record RecordedEvent<E>(EventMetadata metadata, E event) {
    /**
     * Checks the components.
     *
     * @throws NullPointerException if a component is null
     */
    public RecordedEvent {
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(event, "event");
    }

    /**
     * Returns the event's position in its aggregate's history.
     *
     * @return the sequence, starting at 1
     */
    public long sequence() {
        return metadata.sequence();
    }
}
