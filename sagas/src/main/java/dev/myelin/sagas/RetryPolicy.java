package dev.myelin.sagas;

import java.time.Duration;
import java.util.Objects;

/**
 * How often a step's command is sent when its participant does not answer in time, and how long to
 * wait between the sends. A retry re-sends the same command id, so a Myelin aggregate that did get
 * the first copy answers with its first result instead of applying the command twice, as long as
 * the id is still in the aggregate's window of recent command ids ({@code myelin.dedup.window}, 32
 * by default); for a busy aggregate, size the window to the commands it gets within a step's
 * retries, or make its {@code decide} idempotent on a business key (as the shop example's
 * reservations per order are).
 *
 * <pre>{@code
 * .step("reserve-stock").invoke(stock, PlaceOrderData::getSku, d -> new ReserveStock(...))
 *     .timeout(Duration.ofSeconds(5))
 *     .retry(RetryPolicy.attempts(3).backoff(Duration.ofMillis(200)))
 * }</pre>
 *
 * @param attempts how many times the command is sent at most, the first send included (1 means no retry)
 * @param backoff  how long to wait after a timeout before sending again
 * @deprecated use {@link dev.myelin.eventstore.RetryPolicy}, the one retry policy of sagas and projections; it
 *             reads the same: {@code RetryPolicy.attempts(3).backoff(Duration.ofMillis(200))}
 */
@Deprecated(forRemoval = false)
public record RetryPolicy(int attempts, Duration backoff) {

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException if {@code attempts} is less than 1 or {@code backoff} is negative
     * @throws NullPointerException     if {@code backoff} is null
     */
    public RetryPolicy {
        Objects.requireNonNull(backoff, "backoff");
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts counts the first send too, so it must be 1 or more: " + attempts);
        }
        if (backoff.isNegative()) {
            throw new IllegalArgumentException("backoff must not be negative: " + backoff);
        }
    }

    /**
     * Returns the policy of a step that is sent once: a timeout fails it at once.
     *
     * @return the policy
     */
    public static RetryPolicy none() {
        return new RetryPolicy(1, Duration.ZERO);
    }

    /**
     * Returns a policy that sends the command up to {@code attempts} times, without waiting between sends.
     *
     * @param attempts the most sends, the first included
     * @return the policy
     * @throws IllegalArgumentException if {@code attempts} is less than 1
     */
    public static RetryPolicy attempts(int attempts) {
        return new RetryPolicy(attempts, Duration.ZERO);
    }

    /**
     * Returns a copy of this policy that waits {@code backoff} after a timeout before sending again.
     *
     * @param backoff the wait
     * @return the new policy
     * @throws IllegalArgumentException if {@code backoff} is negative
     */
    public RetryPolicy backoff(Duration backoff) {
        return new RetryPolicy(attempts, backoff);
    }
}
