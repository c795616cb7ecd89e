package dev.myelin.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The one retry policy of sagas and projections: one test per rule. */
class RetryPolicyTest {

    @Test
    void noneTriesOnceWithoutWaiting() {
        assertThat(RetryPolicy.none()).isEqualTo(new RetryPolicy(1, Duration.ZERO, Duration.ZERO));
    }

    @Test
    void aFixedBackoffWaitsTheSameAfterEveryTry() {
        RetryPolicy policy = RetryPolicy.attempts(3).backoff(Duration.ofSeconds(1));

        assertThat(policy.hasFixedBackoff()).isTrue();
        assertThat(policy.backoffAfter(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.backoffAfter(2)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aGrowingBackoffDoublesUpToItsMaximum() {
        RetryPolicy policy = RetryPolicy.attempts(5).backoff(Duration.ofMillis(100), Duration.ofMillis(350));

        assertThat(policy.hasFixedBackoff()).isFalse();
        assertThat(policy.backoffAfter(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(policy.backoffAfter(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(policy.backoffAfter(3)).isEqualTo(Duration.ofMillis(350));
        assertThat(policy.backoffAfter(40)).isEqualTo(Duration.ofMillis(350));
    }

    @Test
    void fewerThanOneAttemptIsRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.attempts(0))
                .withMessage("attempts counts the first try too, so it must be 1 or more: 0");
    }

    @Test
    void aNegativeBackoffIsRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.attempts(2).backoff(Duration.ofMillis(-1)))
                .withMessageContaining("backoff must not be negative");
    }

    @Test
    void aMaximumBelowTheFirstWaitIsRejected() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> RetryPolicy.attempts(2).backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .withMessageContaining("must not be less than backoff");
    }

    @Test
    void aBackoffAfterTryZeroIsRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.attempts(2).backoffAfter(0))
                .withMessageContaining("attempt counts from 1");
    }
}
