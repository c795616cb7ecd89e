package dev.myelin.application;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.Decision;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.RecordedEvent;
import dev.myelin.processors.Projection;
import dev.myelin.processors.RunningProjection;
import dev.myelin.sagas.Participant;
import dev.myelin.sagas.SagaDefinition;
import dev.myelin.sagas.SagaRuntime;
import dev.myelin.sagas.SagaStatus;
import dev.myelin.schemas.TraceContext;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;

/**
 * One trace on a real broker: a span started before {@code send} is the ancestor of the command's
 * processing, of the saga's handling of the event it appended, of the saga's next command and its
 * processing, and of the projection's fold; the spans follow OpenTelemetry's messaging conventions;
 * the event read back from the history names the trace it was written in, and a rebuilt projection's
 * fold, and a re-driven dead letter's, is still a child of the span that wrote the event.
 */
@MyelinKafka(brokers = 1)
class TracingIT {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final AggregateType<Long, String, String> COUNTER = adding("counter");
    private static final AggregateType<Long, String, String> LEDGER = adding("ledger");

    private static AggregateType<Long, String, String> adding(String name) {
        return AggregateType.of(name, 0L, String.class, String.class)
                .on(String.class, (total, command) -> Decision.accept("added " + Long.parseLong(command.substring(4))))
                .apply(String.class, (total, added) -> total + Long.parseLong(added.substring(6)))
                .build();
    }

    @Test
    void aTraceStartedBeforeSendIsTheParentOfTheProcessorsTheSagasAndTheProjectionsSpans(EmbeddedKafkaCluster kafka) throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        Path state = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "myelin-tracing-it-");
        try (OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
                     .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                     .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
             Myelin app = Myelin.application("traced").bootstrapServers(kafka.bootstrapServers()).singleBrokerDevMode()
                     .partitions(1).stateDirectory(state).property("commit.interval.ms", 20).openTelemetry(otel).build()) {
            EventStore<Long, String, String> counters = app.eventStore(COUNTER,
                    store -> store.commandSerde(Serdes.String()).eventSerde(Serdes.String()).stateSerde(Serdes.Long()));
            app.eventStore(LEDGER, store -> store.commandSerde(Serdes.String()).eventSerde(Serdes.String()).stateSerde(Serdes.Long()));
            Participant<String, CommandResult<String>> ledger = Participant.aggregate(app.topics(LEDGER), Serdes.String(), Serdes.String());
            SagaRuntime<String, String> sagas = app.saga(SagaDefinition.named("book", String.class)
                    .from(app.topics(COUNTER).events(), Serdes.String())
                    .sagaId(added -> "saga-" + added.substring(6))
                    .data(Serdes.String(), added -> added.substring(6))
                    .step("book").invoke(ledger, amount -> "l-1", amount -> "add " + amount).timeout(PATIENCE)
                    .build());
            RunningProjection<String, Long> totals = app.projection(Projection.named("totals")
                    .from(app.topics(COUNTER).events(), Serdes.String())
                    .initially(() -> 0L, Serdes.Long())
                    .on(String.class, (total, added, metadata) -> total + Long.parseLong(added.substring(6)))
                    .build());

            Span caller = otel.getTracer("test").spanBuilder("checkout").startSpan();
            try (Scope scope = caller.makeCurrent()) {
                assertThat(counters.gateway().send("c-1", "add 4").get()).isInstanceOf(CommandResult.Accepted.class);
            } finally {
                caller.end();
            }
            Await.until(PATIENCE, "the saga completed",
                    () -> sagas.state("saga-4").map(s -> s.status() == SagaStatus.COMPLETED).orElse(false));
            totals.awaitView("c-1", total -> total == 4L, PATIENCE);
            String trace = caller.getSpanContext().getTraceId();
            Await.until(PATIENCE, "the projection's span ended", () -> named(spans, trace, "process traced.counter.events").size() == 1);
            Await.until(PATIENCE, "the saga's spans ended", () -> named(spans, trace, "process traced.saga.book.inbox").size() == 2);

            SpanData send = one(spans, trace, "send traced.counter.commands");
            SpanData decided = one(spans, trace, "process traced.counter.commands");
            SpanData folded = one(spans, trace, "process traced.counter.events");
            SpanData booked = one(spans, trace, "process traced.ledger.commands");
            List<SpanData> saga = named(spans, trace, "process traced.saga.book.inbox");
            assertThat(send.getParentSpanId()).isEqualTo(caller.getSpanContext().getSpanId());
            assertThat(decided.getParentSpanId()).isEqualTo(send.getSpanId());
            assertThat(folded.getParentSpanId()).as("the projection folds the event the command appended").isEqualTo(decided.getSpanId());
            SpanData trigger = saga.stream().filter(s -> s.getParentSpanId().equals(decided.getSpanId())).findFirst().orElseThrow();
            assertThat(booked.getParentSpanId()).as("the saga's next command").isEqualTo(trigger.getSpanId());
            assertThat(saga).as("the saga handles the ledger's reply in the same trace")
                    .anyMatch(s -> s.getParentSpanId().equals(booked.getSpanId()));

            // OpenTelemetry's messaging conventions: the system, the topic, and the operation's type and name
            assertThat(send.getKind()).isEqualTo(SpanKind.PRODUCER);
            assertThat(send.getAttributes().get(AttributeKey.stringKey("messaging.system"))).isEqualTo("kafka");
            assertThat(send.getAttributes().get(AttributeKey.stringKey("messaging.destination.name"))).isEqualTo("traced.counter.commands");
            assertThat(send.getAttributes().get(AttributeKey.stringKey("messaging.operation.type"))).isEqualTo("send");
            assertThat(send.getAttributes().get(AttributeKey.stringKey("messaging.operation.name"))).isEqualTo("send");
            assertThat(folded.getKind()).isEqualTo(SpanKind.CONSUMER);
            assertThat(folded.getAttributes().get(AttributeKey.stringKey("messaging.system"))).isEqualTo("kafka");
            assertThat(folded.getAttributes().get(AttributeKey.stringKey("messaging.destination.name"))).isEqualTo("traced.counter.events");
            assertThat(folded.getAttributes().get(AttributeKey.stringKey("messaging.operation.type"))).isEqualTo("process");

            // the event keeps its origin: read back from the history, it names the trace and the span that wrote it
            List<RecordedEvent<String>> history = counters.history("c-1");
            assertThat(history).hasSize(1);
            TraceContext origin = history.get(0).metadata().traceContext().orElseThrow();
            assertThat(origin.traceId()).contains(trace);
            assertThat(origin.spanId()).contains(decided.getSpanId());

            // a rebuild (version 2 folds the events topic from its start) still folds the event as a child of the span that wrote it
            RunningProjection<String, Long> rebuilt = app.projection(Projection.named("totals")
                    .from(app.topics(COUNTER).events(), Serdes.String())
                    .initially(() -> 0L, Serdes.Long())
                    .on(String.class, (total, added, metadata) -> total + Long.parseLong(added.substring(6)))
                    .version(2)
                    .build());
            assertThat(rebuilt.awaitView("c-1", total -> total == 4L, PATIENCE)).isEqualTo(4L);
            Await.until(PATIENCE, "the rebuilt projection's span ended",
                    () -> named(spans, trace, "process traced.counter.events").size() == 2);
            assertThat(named(spans, trace, "process traced.counter.events")).as("the first fold and the rebuild's")
                    .allMatch(span -> span.getParentSpanId().equals(decided.getSpanId()));

            // a dead letter re-driven once its cause is mended: its fold, read from the re-drive topic, is a child of that span too
            AtomicBoolean mended = new AtomicBoolean();
            RunningProjection<String, Long> picky = app.projection(Projection.named("picky")
                    .from(app.topics(COUNTER).events(), Serdes.String())
                    .initially(() -> 0L, Serdes.Long())
                    .on(String.class, (total, added, metadata) -> {
                        if (!mended.get()) {
                            throw new IllegalStateException("not yet");
                        }
                        return total + Long.parseLong(added.substring(6));
                    })
                    .build());
            Await.until(PATIENCE, "the event dead-lettered", () -> picky.deadLetters(PATIENCE).size() == 1);
            mended.set(true);
            assertThat(picky.redrive(letter -> true, PATIENCE)).isEqualTo(1);
            assertThat(picky.awaitView("c-1", total -> total == 4L, PATIENCE)).isEqualTo(4L);
            Await.until(PATIENCE, "the re-driven fold's span ended", () -> spans.getFinishedSpanItems().stream()
                    .anyMatch(span -> span.getTraceId().equals(trace) && span.getName().endsWith(".redrive")));
            assertThat(spans.getFinishedSpanItems()).filteredOn(span -> span.getName().endsWith(".redrive"))
                    .singleElement().satisfies(span -> {
                        assertThat(span.getTraceId()).isEqualTo(trace);
                        assertThat(span.getParentSpanId()).isEqualTo(decided.getSpanId());
                    });
        }
    }

    private static List<SpanData> named(InMemorySpanExporter spans, String trace, String name) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(trace) && s.getName().equals(name)).toList();
    }

    private static SpanData one(InMemorySpanExporter spans, String trace, String name) {
        List<SpanData> named = named(spans, trace, name);
        assertThat(named).as("spans named %s in the trace, among %s", name, spans.getFinishedSpanItems()).hasSize(1);
        return named.get(0);
    }
}
