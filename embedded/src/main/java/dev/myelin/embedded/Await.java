package dev.myelin.embedded;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import dev.myelin.embedded.internal.BuilderChecks;
import dev.myelin.embedded.internal.Poller;

/**
 * Waits in tests for something that happens asynchronously: a condition to hold, a value to
 * appear, a future to complete. Each wait polls with a short pause (10 ms, growing to 100 ms)
 * until its deadline, never longer, and fails with an {@link AssertionError} that names what was
 * awaited and what was last seen, so a failed test says why without a debugger.
 *
 * <pre>{@code
 * CommandResult<Event> result = Await.join(gateway.send("acc-1", deposit), Duration.ofSeconds(30));
 * Await.until(Duration.ofSeconds(30), "the view counts the deposit",
 *         () -> view.query().get("acc-1").map(Balance::total).equals(Optional.of(100L)),
 *         () -> view.query().get("acc-1"));
 * SagaState saga = Await.value(Duration.ofSeconds(30), "the saga of order o-1 has ended",
 *         () -> runtime.state("o-1").filter(s -> s.status().isFinal()));
 * }</pre>
 *
 * <p>A condition or probe that throws an exception has not succeeded yet: a client that cannot
 * reach a rebalancing instance is not a failure until the deadline. The last such exception is
 * the cause of the {@code AssertionError}. Errors (a failed assertion inside the condition, say)
 * fail at once.
 */
public final class Await {

    /** How long {@link #join(CompletableFuture)} waits. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private Await() {
    }

    /**
     * Waits until {@code condition} holds.
     *
     * @param timeout   how long to keep trying, positive
     * @param what      what is awaited, in words, for the failure message
     * @param condition the check, tried at least once
     * @throws AssertionError           if it does not hold within {@code timeout}, or the thread is interrupted
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public static void until(Duration timeout, String what, BooleanSupplier condition) {
        Objects.requireNonNull(condition, "condition");
        await(timeout, what, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty(), () -> "false");
    }

    /**
     * Waits until {@code condition} holds; on a timeout the failure message shows what
     * {@code observed} returns then, such as the value the condition compares.
     *
     * @param timeout   how long to keep trying, positive
     * @param what      what is awaited, in words, for the failure message
     * @param condition the check, tried at least once
     * @param observed  what to show when the wait fails
     * @throws AssertionError           if it does not hold within {@code timeout}, or the thread is interrupted
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public static void until(Duration timeout, String what, BooleanSupplier condition, Supplier<?> observed) {
        Objects.requireNonNull(condition, "condition");
        Objects.requireNonNull(observed, "observed");
        await(timeout, what, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty(), observed);
    }

    /**
     * Waits until {@code probe} returns a value, and returns it.
     *
     * @param timeout how long to keep trying, positive
     * @param what    what is awaited, in words, for the failure message
     * @param probe   looks once; empty while the value is not there yet
     * @param <T>     the value type
     * @return the first value the probe returned
     * @throws AssertionError           if there is none within {@code timeout}, or the thread is interrupted
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public static <T> T value(Duration timeout, String what, Supplier<Optional<T>> probe) {
        Objects.requireNonNull(probe, "probe");
        return await(timeout, what, probe::get, () -> "nothing");
    }

    /**
     * Waits for {@code future} to complete normally within {@link #DEFAULT_TIMEOUT}, and
     * returns its value.
     *
     * @param future the future
     * @param <T>    the value type
     * @return its value
     * @throws AssertionError if it completes exceptionally (the exception is the cause), does not
     *                        complete in time, or the thread is interrupted
     */
    public static <T> T join(CompletableFuture<T> future) {
        return join(future, DEFAULT_TIMEOUT);
    }

    /**
     * Waits for {@code future} to complete normally, and returns its value.
     *
     * @param future  the future
     * @param timeout how long to wait, positive
     * @param <T>     the value type
     * @return its value
     * @throws AssertionError           if it completes exceptionally (the exception is the cause),
     *                                  does not complete in time, or the thread is interrupted
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public static <T> T join(CompletableFuture<T> future, Duration timeout) {
        Objects.requireNonNull(future, "future");
        BuilderChecks.requirePositive(timeout, "timeout");
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + future, e);
        } catch (ExecutionException e) {
            throw new AssertionError("the future completed exceptionally: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("the future did not complete within " + timeout + ": " + future, e);
        }
    }

    private static <T> T await(Duration timeout, String what, Poller.Probe<T> probe, Supplier<?> observed) {
        BuilderChecks.requirePositive(timeout, "timeout");
        Objects.requireNonNull(what, "what");
        Poller.Outcome<T> outcome;
        try {
            outcome = Poller.poll(timeout, probe);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + what, e);
        }
        if (outcome.value().isPresent()) {
            return outcome.value().get();
        }
        // a failing try shows its exception; otherwise the caller's observation says what was there
        Optional<Exception> failure = outcome.lastFailure();
        String seen = failure.map(Object::toString).orElseGet(() -> describe(observed));
        AssertionError error = new AssertionError("not within " + timeout + ": " + what + "; last seen: " + seen);
        failure.ifPresent(error::initCause);
        throw error;
    }

    private static String describe(Supplier<?> observed) {
        try {
            return String.valueOf(observed.get());
        } catch (RuntimeException e) {
            return "(observing failed: " + e + ")";
        }
    }
}
