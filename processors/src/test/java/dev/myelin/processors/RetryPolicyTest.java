package dev.myelin.processors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The deprecated projection retry policy keeps its shape and behaviour. */
@SuppressWarnings("deprecation")
class RetryPolicyTest {

    @Test
    void doublesTheBackoffUpToItsMaximum() {
        RetryPolicy policy = RetryPolicy.of(5, Duration.ofMillis(100), Duration.ofMillis(350));

        assertThat(policy.backoffAfter(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(policy.backoffAfter(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(policy.backoffAfter(3)).isEqualTo(Duration.ofMillis(350));
        assertThat(policy.backoffAfter(40)).isEqualTo(Duration.ofMillis(350));
    }

    @Test
    void noneTriesOnce() {
        assertThat(RetryPolicy.none().maxAttempts()).isEqualTo(1);
    }

    @Test
    void rejectsFewerThanOneAttempt() {
        assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.of(0, Duration.ZERO, Duration.ZERO))
                .withMessage("maxAttempts must be 1 or more: 0");
    }

    @Test
    void rejectsANegativeBackoff() {
        assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.of(2, Duration.ofMillis(-1), Duration.ZERO))
                .withMessageContaining("initialBackoff must not be negative");
    }

    @Test
    void rejectsAMaximumBelowTheInitialBackoff() {
        assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.of(2, Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .withMessageContaining("must not be less than initialBackoff");
    }
}
