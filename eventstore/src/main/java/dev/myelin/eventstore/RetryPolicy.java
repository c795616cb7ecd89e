package dev.myelin.eventstore;

import java.time.Duration;
import java.util.Objects;

/**
 * How often Myelin tries something again before it counts as failed, and how long it waits between
 * tries: a saga step's command that got no reply in time, or a projection's handler that threw. The
 * wait starts at {@code backoff} and doubles after each try up to {@code maxBackoff}; with both equal
 * it stays the same.
 *
 * <pre>{@code
 * RetryPolicy.none();                                                          // one try
 * RetryPolicy.attempts(3).backoff(Duration.ofSeconds(1));                      // 3 tries, 1 s apart
 * RetryPolicy.attempts(5).backoff(Duration.ofMillis(100), Duration.ofSeconds(2)); // 100 ms, 200 ms, 400 ms, 800 ms
 * }</pre>
 *
 * <p>A saga's step ({@code SagaDefinition.StepOptions.retry}) re-sends its command with the same id
 * after a timeout, so a participant that remembers command ids applies it once; a projection
 * ({@code Projection.Handlers.retry}) calls a throwing handler again, which helps with transient
 * trouble but not with a bug that fails every try.
 *
 * @param attempts   how many tries at most, the first included (1 means no retry)
 * @param backoff    the wait after the first failed try, not negative
 * @param maxBackoff the longest wait between tries, not less than {@code backoff}
 */
public record RetryPolicy(int attempts, Duration backoff, Duration maxBackoff) {

    /**
     * Checks the components.
     *
     * @throws NullPointerException     if a duration is null
     * @throws IllegalArgumentException if {@code attempts} is less than 1, {@code backoff} is negative, or
     *                                  {@code maxBackoff} is less than {@code backoff}
     */
    public RetryPolicy {
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts counts the first try too, so it must be 1 or more: " + attempts);
        }
        if (backoff.isNegative()) {
            throw new IllegalArgumentException("backoff must not be negative: " + backoff);
        }
        if (maxBackoff.compareTo(backoff) < 0) {
            throw new IllegalArgumentException("maxBackoff " + maxBackoff + " must not be less than backoff " + backoff);
        }
    }

    /**
     * Returns the policy of one try: a failure counts at once.
     *
     * @return the policy
     */
    public static RetryPolicy none() {
        return attempts(1);
    }

    /**
     * Returns a policy of up to {@code attempts} tries, without waiting between them.
     *
     * @param attempts the most tries, the first included
     * @return the policy
     * @throws IllegalArgumentException if {@code attempts} is less than 1
     */
    public static RetryPolicy attempts(int attempts) {
        return new RetryPolicy(attempts, Duration.ZERO, Duration.ZERO);
    }

    /**
     * Returns a copy of this policy that waits {@code wait} before each new try.
     *
     * @param wait the wait
     * @return the new policy
     * @throws NullPointerException     if {@code wait} is null
     * @throws IllegalArgumentException if {@code wait} is negative
     */
    public RetryPolicy backoff(Duration wait) {
        return new RetryPolicy(attempts, wait, wait);
    }

    /**
     * Returns a copy of this policy that waits {@code initial} after the first failed try, and twice as
     * long after each next one, up to {@code max}.
     *
     * @param initial the first wait
     * @param max     the longest wait
     * @return the new policy
     * @throws NullPointerException     if a duration is null
     * @throws IllegalArgumentException if {@code initial} is negative or {@code max} is less than {@code initial}
     */
    public RetryPolicy backoff(Duration initial, Duration max) {
        return new RetryPolicy(attempts, initial, max);
    }

    /**
     * Returns whether the wait stays the same between tries.
     *
     * @return true if {@code backoff} equals {@code maxBackoff}
     */
    public boolean hasFixedBackoff() {
        return backoff.equals(maxBackoff);
    }

    /**
     * Returns the wait after failed try number {@code attempt} (1-based).
     *
     * @param attempt the try that failed
     * @return the wait before the next try
     * @throws IllegalArgumentException if {@code attempt} is less than 1
     */
    public Duration backoffAfter(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt counts from 1: " + attempt);
        }
        Duration wait = backoff;
        for (int i = 1; i < attempt && wait.compareTo(maxBackoff) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(maxBackoff) > 0 ? maxBackoff : wait;
    }
}
