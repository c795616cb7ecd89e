package dev.myelin.embedded.internal;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import dev.myelin.embedded.EmbeddedKafkaException;

/**
 * Asks a probe again and again, with a short growing pause between tries, until it yields a value
 * or a deadline passes: the one waiting loop of the embedded servers and of
 * {@link dev.myelin.embedded.Await}. Each caller turns a timeout into its own kind of failure.
 */
public final class Poller {

    private static final Duration FIRST_PAUSE = Duration.ofMillis(10);
    private static final Duration LONGEST_PAUSE = Duration.ofMillis(100);

    private Poller() {
    }

    /**
     * One try of the thing waited for.
     *
     * @param <T> what the try yields once it succeeds
     */
    @FunctionalInterface
    public interface Probe<T> {
        /**
         * Looks once.
         *
         * @return the value once there is one, empty while not yet
         * @throws Exception a failure that counts as "not yet" and is kept as the last observation
         */
        Optional<T> attempt() throws Exception;
    }

    /**
     * What polling ended with: the value, or what the last try saw before the deadline.
     *
     * @param value       the value, empty on a timeout
     * @param lastFailure the exception the last failing try threw, empty if the last try just said "not yet"
     * @param <T>         the value type
     */
    public record Outcome<T>(Optional<T> value, Optional<Exception> lastFailure) {
    }

    /**
     * Tries {@code probe} until it yields a value or {@code timeout} has passed; the probe is tried
     * at least once.
     *
     * @param timeout how long to keep trying
     * @param probe   the try
     * @param <T>     the value type
     * @return the value, or what the last try saw
     * @throws InterruptedException if the thread is interrupted while it pauses or the probe is
     */
    public static <T> Outcome<T> poll(Duration timeout, Probe<T> probe) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Duration pause = FIRST_PAUSE;
        while (true) {
            Exception failure = null;
            try {
                Optional<T> value = probe.attempt();
                if (value.isPresent()) {
                    return new Outcome<>(value, Optional.empty());
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                failure = e; // not ready yet: a broker answers with retriable errors while it starts
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return new Outcome<>(Optional.empty(), Optional.ofNullable(failure));
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(left, pause.toNanos()));
            pause = pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause.multipliedBy(2);
        }
    }

    /**
     * Tries {@code condition} until it holds, failing with an {@link EmbeddedKafkaException}
     * that names {@code what} when {@code timeout} passes: the embedded servers' own waits.
     *
     * @param what      what is awaited, for the message
     * @param timeout   how long to keep trying
     * @param condition the check; an exception counts as "not yet"
     * @throws EmbeddedKafkaException on a timeout or an interrupt
     */
    public static void awaitServer(String what, Duration timeout, Condition condition) {
        Outcome<Boolean> outcome;
        try {
            outcome = poll(timeout, () -> condition.holds() ? Optional.of(true) : Optional.empty());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while waiting for " + what, e);
        }
        if (outcome.value().isEmpty()) {
            throw new EmbeddedKafkaException("timed out after " + timeout + " waiting for " + what,
                    outcome.lastFailure().orElse(null));
        }
    }

    /** A check that may fail with any exception while the server is not ready. */
    @FunctionalInterface
    public interface Condition {
        /**
         * Checks once.
         *
         * @return true when the awaited state is reached
         * @throws Exception while it is not reachable yet
         */
        boolean holds() throws Exception;
    }
}
