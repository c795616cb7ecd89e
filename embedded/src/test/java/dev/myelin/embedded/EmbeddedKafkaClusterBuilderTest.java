package dev.myelin.embedded;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class EmbeddedKafkaClusterBuilderTest {

    @Test
    void brokersMustBePositive() {
        assertThatThrownBy(() -> EmbeddedKafkaCluster.builder().brokers(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("brokers must be 1 or more: 0");
    }

    @Test
    void brokersCannotBeSetTwice() {
        assertThatThrownBy(() -> EmbeddedKafkaCluster.builder().brokers(1).brokers(3))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("brokers was already set to 1");
    }

    @Test
    void startupTimeoutMustBePositiveAndSetOnce() {
        assertThatThrownBy(() -> EmbeddedKafkaCluster.builder().startupTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be positive");
        assertThatThrownBy(() -> EmbeddedKafkaCluster.builder().startupTimeout(Duration.ofSeconds(1)).startupTimeout(Duration.ofSeconds(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("startupTimeout was already set to PT1S");
    }

    @Test
    void listenerAndQuorumPropertiesBelongToTheCluster() {
        assertThatThrownBy(() -> EmbeddedKafkaCluster.builder().brokerProperty("listeners", "PLAINTEXT://0.0.0.0:9092"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("listeners is set by the embedded cluster");
    }

    @Test
    void aBrokerPropertyCannotBeSetTwice() {
        assertThatThrownBy(() -> EmbeddedKafkaCluster.builder()
                .brokerProperty("log.cleaner.backoff.ms", "100")
                .brokerProperty("log.cleaner.backoff.ms", "200"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("log.cleaner.backoff.ms was already set to 100");
    }

    @Test
    void inChildProcessesCannotBeSetTwice() {
        assertThatThrownBy(() -> EmbeddedKafkaCluster.builder().inChildProcesses().inChildProcesses())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("inChildProcesses was already set");
    }

    @Test
    void brokersInChildProcessesRefuseSecurityBeforeStartingAnything() {
        assertThatThrownBy(() -> EmbeddedKafkaCluster.builder().inChildProcesses().saslScram().start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("brokers in child processes cannot use saslScram() or tls() yet");
        assertThatThrownBy(() -> EmbeddedKafkaCluster.builder().tls().inChildProcesses().start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("brokers in child processes cannot use saslScram() or tls() yet");
    }
}
