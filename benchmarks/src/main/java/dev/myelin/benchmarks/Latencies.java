package dev.myelin.benchmarks;

import java.util.Arrays;
import java.util.List;

/**
 * Collects round-trip times, thread-safely, and reports their percentiles in milliseconds (or
 * microseconds, for local reads).
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
    List<Measurement> percentiles(String benchmark, String note) {
        return percentiles(benchmark, note, "ms", 1e6);
    }

    /**
     * Returns p50 and p99 in microseconds, ignoring the first 10 % (warm-up): for reads from a local
     * store, which milliseconds with two decimals would round to nothing.
     */
    List<Measurement> micros(String benchmark, String note) {
        return percentiles(benchmark, note, "µs", 1e3).subList(0, 2);
    }

    private synchronized List<Measurement> percentiles(String benchmark, String note, String unit, double nanosPerUnit) {
        int skip = count / 10;
        long[] sorted = Arrays.copyOfRange(nanos, skip, count);
        Arrays.sort(sorted);
        return List.of(
                Measurement.of(benchmark, "p50 " + unit, at(sorted, 0.50) / nanosPerUnit, note),
                Measurement.of(benchmark, "p99 " + unit, at(sorted, 0.99) / nanosPerUnit, note),
                Measurement.of(benchmark, "p999 " + unit, at(sorted, 0.999) / nanosPerUnit, note));
    }

    private static double at(long[] sorted, double quantile) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
        return sorted[Math.max(0, index)];
    }
}
