package dev.myelin.processors;

import java.time.Duration;
import java.util.Objects;

/**
 * How often a throwing handler is tried before its event counts as failed, and how long to wait
 * between tries. The wait doubles after each try up to {@code maxBackoff}. Retries are for transient
 * trouble in a handler (a lookup that timed out, say); a deterministic bug fails every try, so keep
 * the total wait well below {@code max.poll.interval.ms}.
 *
 * <pre>{@code
 * RetryPolicy.of(5, Duration.ofMillis(100), Duration.ofSeconds(2));
 * RetryPolicy.none();
 * }</pre>
 *
 * @param maxAttempts    how many times a handler is called for one event, 1 or more
 * @param initialBackoff the wait after the first failed try, not negative
 * @param maxBackoff     the longest wait between tries, not less than {@code initialBackoff}
 * @deprecated use {@link dev.myelin.eventstore.RetryPolicy}, the one retry policy of sagas and projections:
 *             {@code RetryPolicy.of(n, initial, max)} is {@code RetryPolicy.attempts(n).backoff(initial, max)} there
 */
@Deprecated(forRemoval = false)
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

    /** The default: 3 tries, waiting 10 ms then 20 ms. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(200));

    /**
     * Checks the components.
     *
     * @throws NullPointerException     if a duration is null
     * @throws IllegalArgumentException if {@code maxAttempts} is less than 1, a duration is negative, or
     *                                  {@code maxBackoff} is less than {@code initialBackoff}
     */
    public RetryPolicy {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be 1 or more: " + maxAttempts);
        }
        if (initialBackoff.isNegative()) {
            throw new IllegalArgumentException("initialBackoff must not be negative: " + initialBackoff);
        }
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff " + maxBackoff + " must not be less than initialBackoff " + initialBackoff);
        }
    }

    /**
     * Returns a policy of {@code maxAttempts} tries with doubling waits.
     *
     * @param maxAttempts    how many times a handler is called for one event
     * @param initialBackoff the wait after the first failed try
     * @param maxBackoff     the longest wait
     * @return the policy
     * @throws IllegalArgumentException as the constructor
     */
    public static RetryPolicy of(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
        return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff);
    }

    /**
     * Returns a policy that calls a handler once: a throw fails the event at once.
     *
     * @return the policy
     */
    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
    }

    /**
     * Returns the wait after failed try number {@code attempt} (1-based).
     *
     * @param attempt the try that failed
     * @return the wait before the next try
     */
    public Duration backoffAfter(int attempt) {
        return new dev.myelin.eventstore.RetryPolicy(maxAttempts, initialBackoff, maxBackoff).backoffAfter(Math.max(attempt, 1));
    }
}
