package dev.myelin.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** Rates from counter readings, on a clock the test moves. */
class ThroughputTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final Throughput throughput = new Throughput(now::get);

    private void advance(Duration by) {
        now.addAndGet(by.toNanos());
    }

    @Test
    void aRateIsWhatTheCounterGrewByPerSecondOverTheReadingsKept() {
        assertThat(throughput.rate("a", OptionalDouble.of(100)).isNull()).as("one reading: no rate yet").isTrue();
        advance(Duration.ofSeconds(1));
        assertThat(throughput.rate("a", OptionalDouble.of(150)).asDouble()).isEqualTo(50.0);
        advance(Duration.ofSeconds(1));
        assertThat(throughput.rate("a", OptionalDouble.of(350)).asDouble()).as("over both seconds").isEqualTo(125.0);
        advance(Duration.ofSeconds(10));
        assertThat(throughput.rate("a", OptionalDouble.of(350)).isNull()).as("readings older than the window are dropped").isTrue();
        advance(Duration.ofSeconds(1));
        assertThat(throughput.rate("a", OptionalDouble.of(350)).asDouble()).as("a stop shows as 0").isZero();
        assertThat(throughput.rate("b", OptionalDouble.of(7)).isNull()).as("each counter apart").isTrue();
    }

    @Test
    void withoutMetersThereIsNoRate() {
        assertThat(throughput.rate("a", OptionalDouble.empty()).isNull()).isTrue();
        advance(Duration.ofSeconds(1));
        assertThat(throughput.rate("a", OptionalDouble.empty()).isNull()).isTrue();
    }

    @Test
    void aCounterThatWentBackShowsNoNegativeRate() {
        throughput.rate("a", OptionalDouble.of(100));
        advance(Duration.ofSeconds(1));
        assertThat(throughput.rate("a", OptionalDouble.of(10)).asDouble()).isZero();
    }
}
