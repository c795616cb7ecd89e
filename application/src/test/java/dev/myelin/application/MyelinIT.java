package dev.myelin.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.Decision;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.Health;
import dev.myelin.processors.Projection;
import dev.myelin.processors.RunningProjection;

/**
 * An application object on a real broker: it starts an event store and a projection already
 * configured (cluster, replication, state directory, Kafka properties), and its {@code close()}
 * stops both, including a runtime its user closed already.
 */
@MyelinKafka(brokers = 1)
class MyelinIT {
    /** A counter whose commands and events are plain strings: "add 5" becomes "added 5". */
    private static final AggregateType<Long, String, String> COUNTER = AggregateType.of("counter", 0L, String.class, String.class)
            .on(String.class, (total, command) -> command.startsWith("add ")
                    ? Decision.accept("added " + Long.parseLong(command.substring(4)))
                    : Decision.reject("only 'add N' is understood: " + command))
            .apply(String.class, (total, added) -> total + Long.parseLong(added.substring(6)))
            .build();

    @Test
    void startsRuntimesReadyToUseAndStopsThemAll(EmbeddedKafkaCluster kafka) throws Exception {
        // under target/, not the OS temp directory Kafka Streams warns about
        Path state = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "myelin-it-");
        Myelin app = Myelin.application("counting")
                .bootstrapServers(kafka.bootstrapServers())
                .singleBrokerDevMode()
                .partitions(2)
                .stateDirectory(state)
                .property("commit.interval.ms", 20)
                .build();
        EventStore<Long, String, String> counters = app.eventStore(COUNTER,
                store -> store.commandSerde(Serdes.String()).eventSerde(Serdes.String()).stateSerde(Serdes.Long()));
        Projection<String, Long> totals = Projection.named("counter-totals")
                .from(app.topics(COUNTER).events(), Serdes.String())
                .initially(() -> 0L, Serdes.Long())
                .on(String.class, (total, added, metadata) -> total + Long.parseLong(added.substring(6)))
                .build();
        RunningProjection<String, Long> running = app.projection(totals);
        assertThat(running.health()).isInstanceOf(Health.Running.class);

        for (int i = 1; i <= 10; i++) {
            assertThat(counters.gateway().send("c-1", "add " + i).get()).isInstanceOf(CommandResult.Accepted.class);
        }
        assertThat(counters.gateway().send("c-1", "subtract 3").get()).isInstanceOf(CommandResult.Rejected.class);
        assertThat(counters.state("c-1")).hasValueSatisfying(s -> assertThat(s.state()).isEqualTo(55L));
        assertThat(running.awaitView("c-1", total -> total == 55L, Duration.ofSeconds(30))).isEqualTo(55L);
        assertThatThrownBy(() -> running.awaitView("c-1", total -> total > 55L, Duration.ofMillis(200)))
                .hasMessageContaining("last seen: 55");
        assertThat(state).isDirectoryContaining(dir -> dir.getFileName().toString().startsWith("counting."));

        running.close(); // its user may close a runtime early; the application's close is still safe
        app.close();

        assertThat(counters.health()).isInstanceOf(Health.Degraded.class);
        assertThat(((Health.Degraded) counters.health()).reason()).contains("closed");
        assertThat(running.health()).isInstanceOf(Health.Degraded.class);
        assertThatThrownBy(() -> counters.gateway().send("c-1", "add 1").get())
                .hasMessageContaining("closed");
    }
}
