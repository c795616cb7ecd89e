package dev.myelin.application;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import org.apache.kafka.common.serialization.Serdes;

import org.junit.jupiter.api.Test;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.Decision;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.SendOptions;
import dev.myelin.processors.Projection;
import dev.myelin.processors.RunningProjection;
import dev.myelin.sagas.Participant;
import dev.myelin.sagas.SagaDefinition;
import dev.myelin.sagas.SagaRuntime;
import dev.myelin.sagas.SagaStatus;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * One registry handed to the application, on a real broker: the commands a test sends, the reads it
 * makes, the events a projection folds and the sagas they trigger are counted exactly, each runtime's
 * dead letter is counted on its topic, the projection's lag falls to zero in records and in time,
 * and Kafka's own client and Streams metrics show in the same registry.
 */
@MyelinKafka(brokers = 1)
class MetricsIT {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    /** A counter whose commands and events are plain strings: "add 5" becomes "added 5". */
    private static final AggregateType<Long, String, String> COUNTER = counting("counter", Long.MAX_VALUE);
    /** A ledger that refuses to record more than 5 at once: the saga step that fails. */
    private static final AggregateType<Long, String, String> LEDGER = counting("ledger", 5);

    private static AggregateType<Long, String, String> counting(String name, long most) {
        return AggregateType.of(name, 0L, String.class, String.class)
                .on(String.class, (total, command) -> !command.startsWith("add ")
                        ? Decision.reject("only 'add N' is understood: " + command)
                        : Long.parseLong(command.substring(4)) > most ? Decision.reject("more than " + most)
                        : Decision.accept("added " + Long.parseLong(command.substring(4))))
                .apply(String.class, (total, added) -> total + Long.parseLong(added.substring(6)))
                .build();
    }

    @Test
    void theMetersCountWhatTheApplicationDid(EmbeddedKafkaCluster kafka) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Path state = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "myelin-metrics-it-");
        try (Myelin app = Myelin.application("metered").bootstrapServers(kafka.bootstrapServers()).singleBrokerDevMode()
                .partitions(1).stateDirectory(state).property("commit.interval.ms", 20).meterRegistry(registry).build()) {
            EventStore<Long, String, String> counters = app.eventStore(COUNTER,
                    store -> store.commandSerde(Serdes.String()).eventSerde(Serdes.String()).stateSerde(Serdes.Long()));
            app.eventStore(LEDGER, store -> store.commandSerde(Serdes.String()).eventSerde(Serdes.String()).stateSerde(Serdes.Long()));
            Participant<String, CommandResult<String>> ledger = Participant.aggregate(app.topics(LEDGER), Serdes.String(), Serdes.String());
            SagaDefinition<String, String> record = SagaDefinition.named("record", String.class)
                    .from(app.topics(COUNTER).events(), Serdes.String())
                    .sagaId(added -> {
                        if (added.equals("added 13")) {
                            throw new IllegalArgumentException("13 is no saga: a dead letter of the saga runtime");
                        }
                        return "saga-" + added.substring(6);
                    })
                    .data(Serdes.String(), added -> added.substring(6))
                    .step("book").invoke(ledger, amount -> "l-1", amount -> "add " + amount).timeout(PATIENCE)
                    .build();
            SagaRuntime<String, String> sagas = app.saga(record);
            // a saga whose participant never answers: each of its sagas waits at its one step, its deadline ahead
            kafka.createTopic("metered.silent.commands", 1);
            kafka.createTopic("metered.silent.replies", 1);
            Participant<String, String> silent = Participant.service("silent", "metered.silent.commands", Serdes.String(),
                    "metered.silent.replies", Serdes.String());
            SagaRuntime<String, String> waiting = app.saga(SagaDefinition.named("waiting", String.class)
                    .from(app.topics(COUNTER).events(), Serdes.String())
                    .sagaId(added -> "wait-" + added.substring(6))
                    .data(Serdes.String(), added -> added.substring(6))
                    .step("ask").invoke(silent, amount -> "s-1", amount -> "ask " + amount).successWhen(reply -> true)
                    .timeout(Duration.ofHours(1))
                    .build());
            RunningProjection<String, Long> totals = app.projection(Projection.named("totals")
                    .from(app.topics(COUNTER).events(), Serdes.String())
                    .initially(() -> 0L, Serdes.Long())
                    .on(String.class, (total, added, metadata) -> {
                        if (added.equals("added 13")) {
                            throw new IllegalArgumentException("13 is not counted: a dead letter of the projection");
                        }
                        return total + Long.parseLong(added.substring(6));
                    })
                    .build());

            assertThat(counters.gateway().send("c-1", "add 3").get()).isInstanceOf(CommandResult.Accepted.class);
            assertThat(counters.gateway().send("c-1", "add 7").get()).isInstanceOf(CommandResult.Accepted.class);
            assertThat(counters.gateway().send("c-1", "subtract 1").get()).isInstanceOf(CommandResult.Rejected.class);
            assertThat(counters.gateway().send("c-1", "add 2", SendOptions.expectingVersion(99)).get())
                    .isInstanceOf(CommandResult.Conflict.class);
            SendOptions once = SendOptions.defaults().withCommandId("add-one-once");
            assertThat(counters.gateway().send("c-1", "add 1", once).get()).isInstanceOf(CommandResult.Accepted.class);
            assertThat(counters.gateway().send("c-1", "add 1", once).get()).as("a retry answered with its first result")
                    .isInstanceOf(CommandResult.Accepted.class);
            assertThat(counters.gateway().send("c-1", "add 13").get()).isInstanceOf(CommandResult.Accepted.class);
            // a command without a reply address that cannot be decided (it has no value): the event store dead-letters it
            try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    kafka.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
                raw.send(new ProducerRecord<>(app.topics(COUNTER).commands(), "c-2", null)).get();
            }

            // sagas 3 and 1 book, saga 7 is refused by the ledger and compensated
            for (String saga : List.of("saga-3", "saga-7", "saga-1")) {
                Await.until(PATIENCE, saga + " ended", () -> sagas.state(saga).map(s -> s.status().isFinal()).orElse(false));
            }
            assertThat(sagas.state("saga-7").orElseThrow().status()).isEqualTo(SagaStatus.COMPENSATED);
            totals.awaitCaughtUp(PATIENCE, Duration.ofSeconds(10));
            assertThat(totals.awaitView("c-1", total -> total == 11L, PATIENCE)).isEqualTo(11L);

            // the gateway of the counter: what the test sent, one count each
            assertThat(count(registry, "myelin.commands.sent", "aggregate", "counter")).isEqualTo(7);
            assertThat(count(registry, "myelin.commands.accepted", "aggregate", "counter")).isEqualTo(5);
            assertThat(count(registry, "myelin.commands.rejected", "aggregate", "counter")).isEqualTo(1);
            assertThat(count(registry, "myelin.commands.conflicts", "aggregate", "counter")).isEqualTo(1);
            assertThat(count(registry, "myelin.commands.timeouts", "aggregate", "counter")).isZero();
            assertThat(registry.get("myelin.commands.latency").tags("application", "metered", "aggregate", "counter").timer().count())
                    .isEqualTo(7);
            // the processors: four events on the counter, the two bookings on the ledger, one retry deduplicated
            assertThat(count(registry, "myelin.events.appended", "aggregate", "counter")).isEqualTo(4);
            assertThat(count(registry, "myelin.events.appended", "aggregate", "ledger")).isEqualTo(2);
            assertThat(count(registry, "myelin.commands.deduplicated", "aggregate", "counter")).isEqualTo(1);
            // reads of the event store: each timed once
            assertThat(counters.state("c-1").orElseThrow().version()).isEqualTo(4);
            assertThat(counters.state("c-1")).isPresent();
            assertThat(counters.history("c-1")).hasSize(4);
            assertThat(timed(registry, "myelin.eventstore.state.reads", "aggregate", "counter")).isEqualTo(2);
            assertThat(timed(registry, "myelin.eventstore.history.reads", "aggregate", "counter")).isEqualTo(1);
            assertThat(timed(registry, "myelin.eventstore.history.reads", "aggregate", "ledger")).isZero();
            // the outcomes kept for retries: the five commands the counter decided (the conflict and the dead letter are not kept)
            Await.until(PATIENCE, "the dedup store counts the decided commands",
                    () -> gauge(registry, "myelin.commands.dedup.size", "aggregate", "counter") == 5.0,
                    () -> gauge(registry, "myelin.commands.dedup.size", "aggregate", "counter"));
            // the projection folded three events, dead-lettered the fourth, and is not behind, in records or in time
            assertThat(count(registry, "myelin.projection.events.folded", "projection", "totals")).isEqualTo(3);
            assertThat(count(registry, "myelin.projection.dead.letters", "projection", "totals")).isEqualTo(1);
            Await.until(PATIENCE, "the lag gauge reads 0", () -> gauge(registry, "myelin.projection.lag", "projection", "totals") == 0.0);
            Await.until(PATIENCE, "the time lag gauge reads 0",
                    () -> gauge(registry, "myelin.projection.lag.time", "projection", "totals") == 0.0,
                    () -> gauge(registry, "myelin.projection.lag.time", "projection", "totals"));
            assertThat(gauge(registry, "myelin.projection.rebuild.progress", "projection", "totals")).isEqualTo(1.0);
            assertThat(totals.health().isReady()).isTrue();
            // one dead letter on each runtime's topic, counted by topic
            Await.until(PATIENCE, "the event store's dead letter is counted",
                    () -> count(registry, "myelin.dead.letters", "topic", app.topics(COUNTER).deadLetters()) == 1);
            assertThat(count(registry, "myelin.dead.letters", "topic", totals.projection().deadLetterTopic())).isEqualTo(1);
            assertThat(count(registry, "myelin.dead.letters", "topic", sagas.topics().deadLetters())).isEqualTo(1);
            assertThat(registry.get("myelin.dead.letters").tags("topic", sagas.topics().deadLetters()).counter().getId().getTag("saga"))
                    .isEqualTo("record");
            // the sagas: three started, two completed, the refused one compensated once
            assertThat(count(registry, "myelin.sagas.started", "saga", "record")).isEqualTo(3);
            assertThat(count(registry, "myelin.sagas.completed", "saga", "record")).isEqualTo(2);
            assertThat(count(registry, "myelin.sagas.compensated", "saga", "record")).isEqualTo(1);
            assertThat(count(registry, "myelin.sagas.failed", "saga", "record")).isZero();
            assertThat(registry.get("myelin.saga.steps").tags("saga", "record", "step", "book", "outcome", "succeeded").counter().count())
                    .isEqualTo(2);
            assertThat(registry.get("myelin.saga.step.latency").tags("saga", "record", "step", "book").timer().count())
                    .as("each of the three answers timed").isEqualTo(3);
            // every saga ended: none waits at its step, no deadline is overdue (the retention ends of the three lie ahead)
            assertThat(gauge(registry, "myelin.sagas.in.flight", "step", "book")).isZero();
            assertThat(gauge(registry, "myelin.saga.deadlines.due", "saga", "record")).isZero();
            // the four sagas of the silent participant all wait at their step; their deadlines are an hour ahead, so none is due
            Await.until(PATIENCE, "the waiting sagas started", () -> List.of("3", "7", "1", "13").stream()
                    .allMatch(amount -> waiting.state("wait-" + amount).isPresent()));
            assertThat(gauge(registry, "myelin.sagas.in.flight", "step", "ask")).isEqualTo(4);
            assertThat(gauge(registry, "myelin.saga.deadlines.due", "saga", "waiting")).isZero();
            assertThat(count(registry, "myelin.sagas.started", "saga", "waiting")).isEqualTo(4);
            // Kafka's own metrics, in the same registry and tagged with the runtime they come from
            assertThat(names(Search.in(registry).tags("application", "metered", "saga", "record")))
                    .anyMatch(name -> name.startsWith("kafka.stream"));
            assertThat(names(Search.in(registry).tags("application", "metered", "projection", "totals")))
                    .anyMatch(name -> name.startsWith("kafka.stream"));
            assertThat(names(Search.in(registry).tags("application", "metered", "aggregate", "counter")))
                    .anyMatch(name -> name.startsWith("kafka.producer")).anyMatch(name -> name.startsWith("kafka.consumer"));
            // no aggregate id is ever a tag
            assertThat(registry.getMeters()).noneMatch(meter -> meter.getId().getTags().stream()
                    .anyMatch(tag -> tag.getValue().equals("c-1") || tag.getValue().equals("l-1")));
        }
    }

    private static double count(SimpleMeterRegistry registry, String name, String tag, String value) {
        return registry.get(name).tags("application", "metered", tag, value).counter().count();
    }

    private static double timed(SimpleMeterRegistry registry, String name, String tag, String value) {
        return registry.get(name).tags("application", "metered", tag, value).timer().count();
    }

    private static double gauge(SimpleMeterRegistry registry, String name, String tag, String value) {
        return registry.get(name).tags("application", "metered", tag, value).gauge().value();
    }

    private static List<String> names(Search search) {
        return search.meters().stream().map(Meter::getId).map(Meter.Id::getName).toList();
    }
}
