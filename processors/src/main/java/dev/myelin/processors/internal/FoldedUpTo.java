package dev.myelin.processors.internal;

import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The timestamp of the newest event a projection's stream threads have processed on this instance:
 * how far in time its view has come, the base of its time lag. Shared by the fold processors of all
 * its tasks, written on their stream threads and read by a gauge.
 */
final class FoldedUpTo {
    private final AtomicLong newest = new AtomicLong(Long.MIN_VALUE);

    /** Notes that an event of {@code timestamp} (epoch millis) was processed. */
    void processed(long timestamp) {
        if (timestamp > newest.get()) {
            newest.accumulateAndGet(timestamp, Math::max);
        }
    }

    /** Returns the timestamp of the newest event processed, or empty when none was yet. */
    OptionalLong newest() {
        long value = newest.get();
        return value == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(value);
    }

    /**
     * Returns the time lag in seconds at {@code now}: 0 when no records wait ({@code behind} is 0),
     * otherwise how old the newest processed event is, or NaN when none was processed yet. An event
     * that arrives after a quiet spell shows the spell until it is folded, a commit interval or so.
     */
    double lagSeconds(long behind, long now) {
        if (behind == 0) {
            return 0;
        }
        OptionalLong last = newest();
        return last.isEmpty() ? Double.NaN : Math.max(0, now - last.getAsLong()) / 1000.0;
    }
}
