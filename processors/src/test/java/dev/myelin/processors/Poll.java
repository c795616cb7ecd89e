package dev.myelin.processors;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition by polling it until a deadline; fails the test with the last observation. */
final class Poll {

    private Poll() {
    }

    /** Polls {@code condition} every 50 ms until it holds; fails after {@code timeout} with {@code what} and {@code observed}. */
    static void until(Duration timeout, String what, BooleanSupplier condition, Supplier<Object> observed) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + what + "; last seen: " + observed.get());
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }
}
