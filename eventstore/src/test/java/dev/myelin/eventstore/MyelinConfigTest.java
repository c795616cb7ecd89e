package dev.myelin.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class MyelinConfigTest {

    private static MyelinConfig.Builder builder() {
        return MyelinConfig.builder("bank").bootstrapServers("k:9092");
    }

    @Test
    void defaultsAreSafeForAThreeBrokerCluster() {
        MyelinConfig config = builder().build();
        assertThat(config.replicationFactor()).isEqualTo(3);
        assertThat(config.minInsyncReplicas()).isEqualTo(2);
        assertThat(config.partitions()).isEqualTo(6);
        assertThat(config.dedupRetention()).isEqualTo(Duration.ofHours(24));
        assertThat(config.commandTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.topics(dev.myelin.eventstore.bank.Account.TYPE)).isEqualTo(AggregateTopics.of("bank", "account"));
    }

    @Test
    void singleBrokerDevModeSetsReplicationToOne() {
        MyelinConfig config = builder().singleBrokerDevMode().build();
        assertThat(config.replicationFactor()).isEqualTo(1);
        assertThat(config.minInsyncReplicas()).isEqualTo(1);
    }

    @Test
    void aSettingSetTwiceIsRejected() {
        assertThatThrownBy(() -> builder().partitions(3).partitions(4)).isInstanceOf(IllegalStateException.class)
                .hasMessage("partitions was already set to 3");
        assertThatThrownBy(() -> builder().bootstrapServers("x:1")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already set to k:9092");
        assertThatThrownBy(() -> builder().property("linger.ms", 1).property("linger.ms", 2)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> builder().meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry())
                .meterRegistry(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("meterRegistry");
        assertThatThrownBy(() -> builder().openTelemetry(io.opentelemetry.api.OpenTelemetry.noop())
                .openTelemetry(io.opentelemetry.api.OpenTelemetry.noop()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("openTelemetry");
    }

    @Test
    void aBadValueIsRejectedAtOnce() {
        assertThatThrownBy(() -> builder().partitions(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> builder().replicationFactor(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder().dedupRetention(Duration.ofSeconds(59))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least a minute");
        assertThatThrownBy(() -> builder().commandTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MyelinConfig.builder("Bank App")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void conflictingSettingsAreRejectedByBuild() {
        assertThatThrownBy(() -> builder().singleBrokerDevMode().replicationFactor(3).build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("singleBrokerDevMode");
        assertThatThrownBy(() -> builder().replicationFactor(2).minInsyncReplicas(3).build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("must not exceed");
        assertThatThrownBy(() -> MyelinConfig.builder("bank").build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("bootstrapServers");
    }

    @Test
    void myelinKeysSetTheirSettingAndOtherKeysPassThrough() {
        MyelinConfig config = builder().property("myelin.partitions", "12").property("myelin.dev.mode", true)
                .property("myelin.dedup.retention.ms", 172_800_000L).property("myelin.command.timeout.ms", 1500).property("num.standby.replicas", 1)
                .build();
        assertThat(config.partitions()).isEqualTo(12);
        assertThat(config.replicationFactor()).isEqualTo(1);
        assertThat(config.dedupRetention()).isEqualTo(Duration.ofDays(2));
        assertThat(config.commandTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(config.properties()).containsOnlyKeys("num.standby.replicas");
    }

    @Test
    void anUnknownMyelinKeyIsRejectedNotIgnored() {
        assertThatThrownBy(() -> builder().property("myelin.partition", 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown Myelin property myelin.partition").hasMessageContaining("myelin.partitions");
        assertThatThrownBy(() -> builder().property("myelin.partitions", "many")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("whole number");
    }
}
