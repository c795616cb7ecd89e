package dev.myelin.eventstore.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.common.errors.RetriableException;

import dev.myelin.eventstore.GatewayFailedException;
import dev.myelin.eventstore.Health;

/**
 * The health of a gateway's result reader, apart from Kafka so its rules can be tested alone. An error
 * Kafka marks retriable degrades it and asks for a back-off; a poll that returns restores it; any
 * other error fails it for good. Failed is final: the first cause stays. Thread-safe: the reader
 * thread reports, any thread reads.
 */
final class ReaderHealth {
    static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final String resultsTopic;
    private final AtomicReference<Health> health = new AtomicReference<>(Health.running());
    private int retries; // the reader thread's alone

    ReaderHealth(String resultsTopic) {
        this.resultsTopic = Objects.requireNonNull(resultsTopic, "resultsTopic");
    }

    /** Returns whether polling again can get past {@code error}. */
    static boolean isRetriable(Throwable error) {
        // Kafka marks the errors a later attempt may not meet; authorization, authentication (SASL, TLS),
        // unsupported versions, bad configuration and bugs are not among them, and retrying them only
        // turns one clear error into a timeout per command
        return error instanceof RetriableException;
    }

    /**
     * Records a poll that returned.
     *
     * @return whether this ended a degradation
     */
    boolean pollSucceeded() {
        retries = 0;
        Health before = health.getAndUpdate(h -> h instanceof Health.Degraded ? Health.running() : h);
        return before instanceof Health.Degraded;
    }

    /**
     * Records an error a poll threw.
     *
     * @param error the error
     * @param now   the time now
     * @return how long to wait before polling again, or empty when the reader must stop (it is failed then)
     */
    Optional<Duration> pollFailed(Throwable error, Instant now) {
        if (!isRetriable(error)) {
            fail(error);
            return Optional.empty();
        }
        String reason = "reading results from " + resultsTopic + " meets " + error;
        health.updateAndGet(h -> h instanceof Health.Degraded d ? Health.degraded(reason, d.since())
                : h instanceof Health.Running ? Health.degraded(reason, now) : h);
        if (isFailed()) {
            return Optional.empty();
        }
        retries++;
        return Optional.of(backoff(retries));
    }

    /** Returns the wait after the {@code retries}-th retriable error in a row: doubling from 100 ms up to 5 s. */
    static Duration backoff(int retries) {
        int doublings = Math.min(Math.max(retries - 1, 0), 6);
        Duration wait = FIRST_BACKOFF.multipliedBy(1L << doublings);
        return wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait;
    }

    /**
     * Fails the reader for good, unless it already failed.
     *
     * @param cause why
     * @return whether this call failed it
     */
    boolean fail(Throwable cause) {
        Objects.requireNonNull(cause, "cause");
        Health failed = Health.failed(cause);
        Health before = health.getAndUpdate(h -> h instanceof Health.Failed ? h : failed);
        return !(before instanceof Health.Failed);
    }

    boolean isFailed() {
        return health.get() instanceof Health.Failed;
    }

    /** Returns the exception a command fails with once the reader failed; empty while it has not. */
    Optional<GatewayFailedException> failure() {
        return health.get() instanceof Health.Failed f ? Optional.of(new GatewayFailedException(resultsTopic, f.cause()))
                : Optional.empty();
    }

    Health health() {
        return health.get();
    }
}
