package dev.myelin.benchmarks;

import java.util.concurrent.locks.LockSupport;

/**
 * Calls an action at a fixed rate, catching up after a stall rather than drifting, so that a
 * latency benchmark measures the system under a known load (no coordinated omission from the
 * sender slowing down when the system does).
 */
final class FixedRate {

    private FixedRate() {
    }

    /** Receives each tick: its index and the time it was due, which latency is measured from. */
    @FunctionalInterface
    interface Tick {
        void at(long index, long dueNanos);
    }

    static void run(int perSecond, long total, Tick action) {
        long interval = 1_000_000_000L / perSecond;
        long start = System.nanoTime();
        for (long i = 0; i < total; i++) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            action.at(i, due);
        }
    }
}
