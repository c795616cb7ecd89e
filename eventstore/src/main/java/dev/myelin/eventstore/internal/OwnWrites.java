package dev.myelin.eventstore.internal;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

import dev.myelin.eventstore.CommandResult;

/**
 * Read-your-own-writes for committed reads. A command's result reaches its gateway when the
 * processor's transaction commits; the processor's stores apply that transaction's writes right after,
 * so a committed-only {@code state()} right after an {@code Accepted} could still show the version
 * before it. This remembers the versions the event store's own gateway saw accepted, and a read of
 * such an aggregate waits, briefly, until the store has committed at least that version.
 *
 * <p>A version is needed only for the moment between a transaction's commit and its stores' (well
 * under a second), and it is recorded for every accepted command on the result reader's thread, so
 * the memory is two plain maps, not a cache: versions go into the newer one, which becomes the
 * older one once it is {@link #GENERATION_AGE} old or holds {@link #GENERATION_SIZE} aggregates, and
 * the older one is then dropped. Each version is so kept for at least the shorter of the two.
 */
final class OwnWrites {
    /** The version remembered for a forgotten aggregate: a read waits until the store has nothing for it. */
    static final long FORGOTTEN = Long.MIN_VALUE;
    /** Far longer than the gap between a transaction's commit and its stores' (microseconds to milliseconds). */
    private static final Duration MAX_WAIT = Duration.ofSeconds(5);
    static final Duration GENERATION_AGE = Duration.ofSeconds(30);
    static final int GENERATION_SIZE = 100_000;

    private final LongSupplier nanoClock;
    private volatile Generation newer;
    private volatile Generation older;

    private record Generation(ConcurrentHashMap<String, Long> versions, long startedAt) {
        Generation(long startedAt) {
            this(new ConcurrentHashMap<>(), startedAt);
        }
    }

    OwnWrites() {
        this(System::nanoTime);
    }

    OwnWrites(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.newer = new Generation(nanoClock.getAsLong());
        this.older = new Generation(nanoClock.getAsLong());
    }

    /** Remembers what {@code result} says about {@code aggregateId}'s version. */
    void record(String aggregateId, CommandResult<?> result, boolean forget) {
        if (result instanceof CommandResult.Accepted<?> ok) {
            Generation current = current();
            current.versions().merge(aggregateId, forget ? FORGOTTEN : ok.newVersion(), OwnWrites::later);
        }
    }

    /** Returns the version this instance saw accepted for {@code aggregateId}, if it saw one lately. */
    Optional<Long> seen(String aggregateId) {
        Generation current = newer;
        Long old = older.versions().get(aggregateId);
        Long now = current.versions().get(aggregateId);
        if (old == null || now == null) {
            return Optional.ofNullable(now != null ? now : old);
        }
        return Optional.of(later(old, now));
    }

    /**
     * Waits until {@code committedVersion} (the store's version of the aggregate, or -1 when it has
     * none) has caught up with what this instance saw accepted, or {@link #MAX_WAIT} passed.
     */
    void awaitCommitted(String aggregateId, LongSupplier committedVersion) {
        readCommitted(aggregateId, committedVersion::getAsLong, Long::longValue);
    }

    /**
     * Reads with {@code read} until what it read has caught up with what this instance saw accepted
     * for {@code aggregateId} ({@code versionOf} tells its version, -1 for nothing), or
     * {@link #MAX_WAIT} passed, and returns the last read: one read when nothing is awaited, so a
     * caller needs no second read for its answer.
     */
    <T> T readCommitted(String aggregateId, Supplier<T> read, ToLongFunction<? super T> versionOf) {
        T value = read.get();
        Optional<Long> wanted = seen(aggregateId);
        if (wanted.isEmpty() || caughtUp(wanted.get(), versionOf.applyAsLong(value))) {
            return value;
        }
        long deadline = System.nanoTime() + MAX_WAIT.toNanos();
        do {
            LockSupport.parkNanos(200_000);
            value = read.get();
        } while (!caughtUp(wanted.get(), versionOf.applyAsLong(value)) && System.nanoTime() < deadline);
        return value;
    }

    /** The generation to record into, turned over first when it is old or full. */
    private Generation current() {
        Generation current = newer;
        long now = nanoClock.getAsLong();
        if (now - current.startedAt() < GENERATION_AGE.toNanos() && current.versions().size() < GENERATION_SIZE) {
            return current;
        }
        synchronized (this) {
            if (newer == current) {
                // the older one first: a reader between the two writes sees the current one in both places, never neither
                older = current;
                newer = new Generation(now);
            }
            return newer;
        }
    }

    /** A forget overrides whatever came before and is overridden by whatever comes after; versions only grow. */
    private static Long later(Long before, Long after) {
        return after == FORGOTTEN || before == FORGOTTEN ? after : Math.max(before, after);
    }

    private static boolean caughtUp(long wanted, long committed) {
        return wanted == FORGOTTEN ? committed < 0 : committed >= wanted;
    }
}
