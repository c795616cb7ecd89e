package dev.myelin.benchmarks;

import java.util.Objects;
import java.util.Optional;

/**
 * One figure a benchmark produced, with the raw-Kafka figure it is compared to where there is one.
 *
 * @param benchmark what was measured, such as {@code command throughput}
 * @param metric    the figure's name, such as {@code commands/s} or {@code p99 ms}
 * @param value     the figure
 * @param baseline  the raw-Kafka figure measured in the same run, if this one has a baseline
 * @param note      how it was run (sizes, settings), for the table
 */
public record Measurement(String benchmark, String metric, double value, Optional<Measurement> baseline, String note) {

    /**
     * Checks the components.
     *
     * @throws NullPointerException if any is null
     */
    public Measurement {
        Objects.requireNonNull(benchmark, "benchmark");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(baseline, "baseline");
        Objects.requireNonNull(note, "note");
    }

    /**
     * Returns a figure without a baseline.
     *
     * @param benchmark what was measured
     * @param metric    the figure's name
     * @param value     the figure
     * @param note      how it was run
     * @return the measurement
     */
    public static Measurement of(String benchmark, String metric, double value, String note) {
        return new Measurement(benchmark, metric, value, Optional.empty(), note);
    }

    /**
     * Returns this figure compared to {@code baseline}.
     *
     * @param baseline the raw-Kafka figure of the same run
     * @return a copy with the baseline
     */
    public Measurement against(Measurement baseline) {
        return new Measurement(benchmark, metric, value, Optional.of(baseline), note);
    }

    /**
     * Returns value / baseline value, the ratio the tables quote.
     *
     * @return the ratio, if there is a baseline
     */
    public Optional<Double> ratio() {
        return baseline.map(b -> value / b.value());
    }
}
