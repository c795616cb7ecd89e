package dev.myelin.processors;

/**
 * What a projection does with an event it cannot process: one that cannot be decoded, or whose
 * handler still throws after its retries.
 *
 * <pre>{@code
 * Projection.named("account-balances")...onError(ErrorPolicy.FAIL_FAST).build();
 * }</pre>
 */
public enum ErrorPolicy {
    /**
     * Writes the event to the projection's dead-letter topic with the reason and its origin, and goes
     * on with the next event. The default: one bad event does not stop a view.
     */
    DEAD_LETTER,
    /**
     * Stops the projection with a {@link ProjectionFailedException}; nothing after the event is
     * processed until the cause is fixed and the projection restarted. For views where a gap is worse
     * than a halt.
     */
    FAIL_FAST
}
