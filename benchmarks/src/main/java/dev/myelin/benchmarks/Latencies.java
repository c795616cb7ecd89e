package dev.myelin.benchmarks;

import java.util.Arrays;
import java.util.List;

/**
 * Collects round-trip times, thread-safely, and reports their percentiles in milliseconds.
 */
final class Latencies {

    private long[] nanos;
    private int count;

    Latencies(int expected) {
        nanos = new long[Math.max(16, expected)];
    }

    synchronized void add(long elapsedNanos) {
        if (count == nanos.length) {
            nanos = Arrays.copyOf(nanos, count * 2);
        }
        nanos[count++] = elapsedNanos;
    }

    synchronized int count() {
        return count;
    }

    /** Returns p50, p99 and p999 in milliseconds, ignoring the first 10 % (warm-up). */
    synchronized List<Measurement> percentiles(String benchmark, String note) {
        int skip = count / 10;
        long[] sorted = Arrays.copyOfRange(nanos, skip, count);
        Arrays.sort(sorted);
        return List.of(
                Measurement.of(benchmark, "p50 ms", at(sorted, 0.50), note),
                Measurement.of(benchmark, "p99 ms", at(sorted, 0.99), note),
                Measurement.of(benchmark, "p999 ms", at(sorted, 0.999), note));
    }

    private static double at(long[] sorted, double quantile) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }
}
