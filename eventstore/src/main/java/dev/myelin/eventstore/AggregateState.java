package dev.myelin.eventstore;

import java.util.Objects;

/**
 * An aggregate's current state and the version it is at.
 *
 * @param state   the state folded from all its events
 * @param version the sequence of its last event (0 before the first)
 * @param <S>     the state type
 */
public record AggregateState<S>(S state, long version) {
    /**
     * Checks the components.
     *
     * @throws NullPointerException     if {@code state} is null
     * @throws IllegalArgumentException if {@code version} is negative
     */
    public AggregateState {
        Objects.requireNonNull(state, "state");
        if (version < 0) {
            throw new IllegalArgumentException("version must not be negative: " + version);
        }
    }
}
