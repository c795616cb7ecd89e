package dev.myelin.eventstore.internal;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.myelin.eventstore.CommandResult;

/**
 * Read-your-own-writes for committed reads. A command's result reaches its gateway when the
 * processor's transaction commits; the processor's stores apply that transaction's writes right after,
 * so a committed-only {@code state()} right after an {@code Accepted} could still show the version
 * before it. This remembers the versions the event store's own gateway saw accepted, and a read of
 * such an aggregate waits, briefly, until the store has committed at least that version.
 */
final class OwnWrites {
    /** The version remembered for a forgotten aggregate: a read waits until the store has nothing for it. */
    static final long FORGOTTEN = Long.MIN_VALUE;
    /** Far longer than the gap between a transaction's commit and its stores' (microseconds to milliseconds). */
    private static final Duration MAX_WAIT = Duration.ofSeconds(5);

    private final Cache<String, Long> accepted = Caffeine.newBuilder().maximumSize(100_000)
            .expireAfterWrite(1, TimeUnit.MINUTES).build();

    /** Remembers what {@code result} says about {@code aggregateId}'s version. */
    void record(String aggregateId, CommandResult<?> result, boolean forget) {
        if (result instanceof CommandResult.Accepted<?> ok) {
            long version = forget ? FORGOTTEN : ok.newVersion();
            accepted.asMap().merge(aggregateId, version, (old, now) -> now == FORGOTTEN || old == FORGOTTEN ? now : Math.max(old, now));
        }
    }

    /** Returns the version this instance saw accepted for {@code aggregateId}, if it saw one lately. */
    Optional<Long> seen(String aggregateId) {
        return Optional.ofNullable(accepted.getIfPresent(aggregateId));
    }

    /**
     * Waits until {@code committedVersion} (the store's version of the aggregate, or -1 when it has
     * none) has caught up with what this instance saw accepted, or {@link #MAX_WAIT} passed.
     */
    void awaitCommitted(String aggregateId, LongSupplier committedVersion) {
        Long wanted = accepted.getIfPresent(aggregateId);
        if (wanted == null) {
            return;
        }
        long deadline = System.nanoTime() + MAX_WAIT.toNanos();
        while (!caughtUp(wanted, committedVersion.getAsLong()) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(200_000);
        }
    }

    private static boolean caughtUp(long wanted, long committed) {
        return wanted == FORGOTTEN ? committed < 0 : committed >= wanted;
    }
}
