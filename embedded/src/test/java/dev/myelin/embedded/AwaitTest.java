package dev.myelin.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class AwaitTest {

    private static final Duration SHORT = Duration.ofMillis(200);

    @Test
    void untilReturnsAsSoonAsTheConditionHolds() {
        AtomicInteger tries = new AtomicInteger();
        Await.until(Duration.ofSeconds(10), "the third try", () -> tries.incrementAndGet() == 3);
        assertThat(tries).hasValue(3);
    }

    @Test
    void untilFailsNamingWhatWasAwaitedAndWhatWasLastSeen() {
        AtomicInteger tries = new AtomicInteger();
        assertThatThrownBy(() -> Await.until(SHORT, "the counter reaches a million",
                () -> tries.incrementAndGet() >= 1_000_000, () -> "counter at " + tries.get()))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("not within PT0.2S: the counter reaches a million; last seen: counter at ")
                .hasNoCause();
        assertThat(tries.get()).as("polled more than once").isGreaterThan(1);
    }

    @Test
    void anExceptionMeansNotYetAndTheLastOneIsTheCause() {
        AtomicInteger tries = new AtomicInteger();
        Await.until(Duration.ofSeconds(10), "a call that fails twice", () -> {
            if (tries.incrementAndGet() < 3) {
                throw new IllegalStateException("not there yet");
            }
            return true;
        });
        assertThat(tries).hasValue(3);

        assertThatThrownBy(() -> Await.until(SHORT, "a call that always fails", () -> {
            throw new IllegalStateException("still rebalancing");
        }))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("a call that always fails; last seen: java.lang.IllegalStateException: still rebalancing")
                .hasCauseInstanceOf(IllegalStateException.class);
    }

    @Test
    void anErrorInTheConditionFailsAtOnce() {
        AtomicInteger tries = new AtomicInteger();
        assertThatThrownBy(() -> Await.until(Duration.ofSeconds(10), "an assertion inside", () -> {
            tries.incrementAndGet();
            throw new AssertionError("wrong balance");
        })).isInstanceOf(AssertionError.class).hasMessage("wrong balance");
        assertThat(tries).hasValue(1);
    }

    @Test
    void valueReturnsTheFirstValueTheProbeFinds() {
        AtomicInteger tries = new AtomicInteger();
        String found = Await.value(Duration.ofSeconds(10), "the second try's value",
                () -> tries.incrementAndGet() == 2 ? Optional.of("found") : Optional.empty());
        assertThat(found).isEqualTo("found");
        assertThatThrownBy(() -> Await.value(SHORT, "a value that never comes", Optional::empty))
                .isInstanceOf(AssertionError.class)
                .hasMessage("not within PT0.2S: a value that never comes; last seen: nothing");
    }

    @Test
    void joinReturnsTheValueOrFailsWithTheFuturesException() {
        assertThat(Await.join(CompletableFuture.completedFuture(42))).isEqualTo(42);
        assertThatThrownBy(() -> Await.join(CompletableFuture.failedFuture(new IllegalStateException("refused")), SHORT))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("refused")
                .hasCauseInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Await.join(new CompletableFuture<>(), SHORT))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("did not complete within PT0.2S");
    }

    @Test
    void aTimeoutMustBePositive() {
        assertThatThrownBy(() -> Await.until(Duration.ZERO, "anything", () -> true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout must be positive: PT0S");
        assertThatThrownBy(() -> Await.join(new CompletableFuture<>(), Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
