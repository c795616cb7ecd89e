package dev.myelin.eventstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.GatewayFailedException;
import dev.myelin.eventstore.Health;

class ReaderHealthTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final ReaderHealth health = new ReaderHealth("bank.account.command-results");

    @Test
    void aNewReaderIsRunningAndHasNoFailure() {
        assertThat(health.health()).isEqualTo(Health.running());
        assertThat(health.failure()).isEmpty();
    }

    @Test
    void retriableErrorsDegradeItSinceTheFirstAndBackOffLongerEachTime() {
        assertThat(health.pollFailed(new TimeoutException("fetch timed out"), T0)).contains(Duration.ofMillis(100));
        assertThat(health.pollFailed(new DisconnectException("gone"), T0.plusSeconds(1))).contains(Duration.ofMillis(200));
        assertThat(health.pollFailed(new TimeoutException("again"), T0.plusSeconds(2))).contains(Duration.ofMillis(400));

        assertThat(health.health()).isInstanceOfSatisfying(Health.Degraded.class, d -> {
            assertThat(d.since()).isEqualTo(T0);
            assertThat(d.reason()).contains("bank.account.command-results").contains("again");
        });
        assertThat(health.failure()).as("a degraded reader still takes commands").isEmpty();
    }

    @Test
    void aPollThatReturnsEndsTheDegradationAndResetsTheBackOff() {
        health.pollFailed(new TimeoutException("x"), T0);
        health.pollFailed(new TimeoutException("x"), T0);

        assertThat(health.pollSucceeded()).isTrue();
        assertThat(health.health()).isEqualTo(Health.running());
        assertThat(health.pollSucceeded()).as("already running").isFalse();
        assertThat(health.pollFailed(new TimeoutException("x"), T0.plusSeconds(9))).contains(Duration.ofMillis(100));
        assertThat(health.health()).isInstanceOfSatisfying(Health.Degraded.class, d -> assertThat(d.since()).isEqualTo(T0.plusSeconds(9)));
    }

    @Test
    void theBackOffStopsGrowingAtFiveSeconds() {
        assertThat(ReaderHealth.backoff(6)).isEqualTo(Duration.ofMillis(3200));
        assertThat(ReaderHealth.backoff(7)).isEqualTo(Duration.ofSeconds(5));
        assertThat(ReaderHealth.backoff(1_000)).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void authorizationAuthenticationTlsAndUnexpectedErrorsAreFatal() {
        for (Throwable fatal : new Throwable[] {new TopicAuthorizationException("denied"), new SaslAuthenticationException("bad password"),
                new SslAuthenticationException("bad certificate"), new UnsupportedVersionException("old broker"),
                new KafkaException("corrupt record"), new InterruptException(new InterruptedException()), new IllegalStateException("bug"),
                new OutOfMemoryError()}) {
            assertThat(ReaderHealth.isRetriable(fatal)).as("%s", fatal).isFalse();
        }
    }

    @Test
    void aFatalErrorFailsItForGoodWithThatCause() {
        health.pollFailed(new TimeoutException("x"), T0);
        TopicAuthorizationException denied = new TopicAuthorizationException("Not authorized to access topics: [bank.account.command-results]");

        assertThat(health.pollFailed(denied, T0.plusSeconds(1))).as("no back-off: the reader stops").isEmpty();

        assertThat(health.health()).isEqualTo(Health.failed(denied));
        assertThat(health.failure()).hasValueSatisfying(e -> assertThat(e).isInstanceOf(GatewayFailedException.class).hasCause(denied)
                .hasMessageContaining("bank.account.command-results").hasMessageContaining("READ")
                .hasMessageContaining("start a new gateway"));
        // nothing brings a failed reader back, and its first cause stays
        assertThat(health.pollSucceeded()).isFalse();
        assertThat(health.pollFailed(new TimeoutException("late"), T0.plusSeconds(2))).isEmpty();
        assertThat(health.fail(new IllegalStateException("closed"))).isFalse();
        assertThat(health.health()).isEqualTo(Health.failed(denied));
    }

    @Test
    void anAuthenticationFailureSaysToFixTheSecuritySettings() {
        health.pollFailed(new SslAuthenticationException("PKIX path building failed"), T0);
        assertThat(health.failure()).hasValueSatisfying(e -> assertThat(e).hasMessageContaining("ssl.*")
                .hasMessageContaining("PKIX path building failed"));
    }
}
