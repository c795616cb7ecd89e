package dev.myelin.sagas;

import java.time.Instant;
import java.util.Objects;

/**
 * Says where a saga runtime starts reading its trigger topic the first time its application runs,
 * that is, for each partition of the trigger topic on which the application
 * ({@code <application>.saga.<name>}) has no committed position yet. Once it has one (after its
 * first start, even if it crashed before processing anything), a restart goes on from there and this
 * setting no longer matters.
 *
 * <pre>{@code
 * SagaRuntime.builder(placeOrder, config)
 *         .startingAt(TriggerPosition.fromTimestamp(Instant.parse("2026-03-01T00:00:00Z")))
 *         .start();
 * }</pre>
 *
 * <p>The default is {@link #fromNowOn()}: a new saga type deployed next to an events topic that
 * holds months of history should not start a saga, and send real commands, for every old event.
 * Start the runtime before the producers of its triggers, or choose {@link #fromBeginning()} or
 * {@link #fromTimestamp} to take in what is already there.
 */
public sealed interface TriggerPosition permits TriggerPosition.FromNowOn, TriggerPosition.FromBeginning, TriggerPosition.FromTimestamp {

    /**
     * Returns the position after the last trigger on the topic when the runtime starts: only
     * triggers published from then on start sagas.
     *
     * @return the position
     */
    static TriggerPosition fromNowOn() {
        return new FromNowOn();
    }

    /**
     * Returns the oldest trigger the topic still holds: every trigger on it starts a saga (one per
     * saga id, as always).
     *
     * @return the position
     */
    static TriggerPosition fromBeginning() {
        return new FromBeginning();
    }

    /**
     * Returns the first trigger whose record timestamp is at or after {@code at}; on a partition
     * without such a record, the end of that partition (what comes next).
     *
     * @param at the instant
     * @return the position
     * @throws NullPointerException if {@code at} is null
     */
    static TriggerPosition fromTimestamp(Instant at) {
        return new FromTimestamp(at);
    }

    /** Starts after the last trigger on the topic when the runtime starts. */
    record FromNowOn() implements TriggerPosition {
    }

    /** Starts at the oldest trigger the topic holds. */
    record FromBeginning() implements TriggerPosition {
    }

    /**
     * Starts at the first trigger whose record timestamp is at or after {@code at}.
     *
     * @param at the instant
     */
    record FromTimestamp(Instant at) implements TriggerPosition {
        /**
         * Checks the instant.
         *
         * @throws NullPointerException if {@code at} is null
         */
        public FromTimestamp {
            Objects.requireNonNull(at, "at");
        }
    }
}
