package dev.myelin.eventstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.CommandTimeoutException;
import dev.myelin.eventstore.MyelinEventStoreException;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The gateway's meters: how each command ended, per aggregate type, and the round trip of those with a result. */
class GatewayMetersTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final GatewayMeters meters = new GatewayMeters(Meters.of(Optional.of(registry), "bank"), "account");

    private double count(String name) {
        return registry.get(name).tags("application", "bank", "aggregate", "account").counter().count();
    }

    @Test
    void eachCommandIsCountedOnceByHowItEnded() {
        meters.completed(meters.sent(), new CommandResult.Accepted<>(1, List.of()), null);
        meters.completed(meters.sent(), new CommandResult.Accepted<>(2, List.of()), null);
        meters.completed(meters.sent(), new CommandResult.Rejected<>("overdrawn"), null);
        meters.completed(meters.sent(), new CommandResult.Conflict<>(1, 2), null);
        meters.completed(meters.sent(), null, new CommandTimeoutException("c-5", "acc-1", Duration.ofSeconds(1)));
        meters.completed(meters.sent(), null, new MyelinEventStoreException("the gateway was closed"));

        assertThat(count(Meters.COMMANDS_SENT)).isEqualTo(6);
        assertThat(count(Meters.COMMANDS_ACCEPTED)).isEqualTo(2);
        assertThat(count(Meters.COMMANDS_REJECTED)).isEqualTo(1);
        assertThat(count(Meters.COMMANDS_CONFLICTS)).isEqualTo(1);
        assertThat(count(Meters.COMMANDS_TIMEOUTS)).isEqualTo(1);
        assertThat(count(Meters.COMMANDS_FAILED)).isEqualTo(1);
    }

    @Test
    void theRoundTripIsTimedForCommandsWithAResultOnly() {
        meters.completed(meters.sent(), new CommandResult.Accepted<>(1, List.of()), null);
        meters.completed(meters.sent(), null, new CommandTimeoutException("c-2", "acc-1", Duration.ofSeconds(1)));

        Timer latency = registry.get(Meters.COMMANDS_LATENCY).tags("application", "bank", "aggregate", "account").timer();
        assertThat(latency.count()).isEqualTo(1);
        assertThat(latency.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS)).isPositive();
    }

    @Test
    void theAggregateNameIsReadFromTheCommandsTopic() {
        dev.myelin.eventstore.MyelinConfig config = dev.myelin.eventstore.MyelinConfig.builder("bank").bootstrapServers("unused:9092").build();

        assertThat(DefaultCommandGateway.aggregateName(config, dev.myelin.eventstore.AggregateTopics.of("bank", "account")))
                .isEqualTo("account");
    }
}
