package dev.myelin.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.bank.Account;
import dev.myelin.eventstore.bank.Bank;
import dev.myelin.eventstore.bank.OpenAccount;
import dev.myelin.eventstore.internal.Tracing;
import dev.myelin.schemas.InMemorySchemaRegistry;
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
 * A trace started before a command is sent follows it: the gateway's "send" span is a child of the
 * caller's span, the processor's "process" span a child of that, and the events and the result carry
 * the processor's context in their {@code traceparent} header.
 */
class CommandTracingTest {
    private static final AggregateTopics TOPICS = AggregateTopics.of("bank", "account");

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    private final Serde<SpecificRecord> avro = Bank.avro(new InMemorySchemaRegistry());
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> commands;
    private TestOutputTopic<String, byte[]> events;
    private TestOutputTopic<String, byte[]> results;

    @BeforeEach
    void start() {
        MyelinConfig config = MyelinConfig.builder("bank").bootstrapServers("unused:9092").singleBrokerDevMode().openTelemetry(otel).build();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bank.account");
        driver = new TopologyTestDriver(EventStore.builder(Account.TYPE, config).commandSerde(avro).eventSerde(avro).topology(), props);
        commands = driver.createInputTopic(TOPICS.commands(), new StringSerializer(), new ByteArraySerializer());
        events = driver.createOutputTopic(TOPICS.events(), new StringDeserializer(), new ByteArrayDeserializer());
        results = driver.createOutputTopic(TOPICS.commandResults(), new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
        otel.close();
    }

    @Test
    void theProcessorsSpanIsAChildOfTheSendAndItsEventsCarryItsContext() {
        Headers headers = new RecordHeaders();
        headers.add(CommandHeaders.COMMAND_ID, "c-1".getBytes(StandardCharsets.UTF_8));
        headers.add(CommandHeaders.REPLY_TO, TOPICS.commandResults().getBytes(StandardCharsets.UTF_8));
        Span caller = otel.getTracer("test").spanBuilder("checkout").startSpan();
        try (Scope scope = caller.makeCurrent()) {
            // what the gateway does before it sends: a child of the caller's span, written into the command
            Tracing.of(Optional.of(otel)).send(TOPICS.commands(), headers).end();
        } finally {
            caller.end();
        }
        commands.pipeInput(new TestRecord<>("acc-1", avro.serializer().serialize(TOPICS.commands(), headers, new OpenAccount("ada")), headers));

        SpanData send = only(spans.getFinishedSpanItems(), "send " + TOPICS.commands());
        SpanData process = only(spans.getFinishedSpanItems(), "process " + TOPICS.commands());
        assertThat(send.getParentSpanId()).isEqualTo(caller.getSpanContext().getSpanId());
        assertThat(send.getKind()).isEqualTo(SpanKind.PRODUCER);
        assertThat(process.getTraceId()).isEqualTo(caller.getSpanContext().getTraceId());
        assertThat(process.getParentSpanId()).isEqualTo(send.getSpanId());
        assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(process.getAttributes().get(AttributeKey.stringKey("messaging.system"))).isEqualTo("kafka");
        assertThat(process.getAttributes().get(AttributeKey.stringKey("messaging.destination.name"))).isEqualTo(TOPICS.commands());

        // version, trace id, parent (the processor's span), then the flags
        String expected = "00-" + process.getTraceId() + "-" + process.getSpanId() + "-";
        assertThat(traceparent(events.readRecord().headers())).as("the event's origin").startsWith(expected);
        assertThat(traceparent(results.readRecord().headers())).as("the result's").startsWith(expected);
    }

    @Test
    void aCommandWithoutTraceContextStartsATraceOfItsOwn() {
        Headers headers = new RecordHeaders();
        headers.add(CommandHeaders.COMMAND_ID, "c-2".getBytes(StandardCharsets.UTF_8));
        headers.add(CommandHeaders.REPLY_TO, TOPICS.commandResults().getBytes(StandardCharsets.UTF_8));
        commands.pipeInput(new TestRecord<>("acc-2", avro.serializer().serialize(TOPICS.commands(), headers, new OpenAccount("bob")), headers));

        SpanData process = only(spans.getFinishedSpanItems(), "process " + TOPICS.commands());
        assertThat(process.getParentSpanContext().isValid()).isFalse();
        assertThat(traceparent(events.readRecord().headers())).contains(process.getTraceId());
    }

    private static SpanData only(List<SpanData> finished, String name) {
        List<SpanData> named = finished.stream().filter(s -> s.getName().equals(name)).toList();
        assertThat(named).as("spans named %s among %s", name, finished).hasSize(1);
        return named.get(0);
    }

    private static String traceparent(Headers headers) {
        return new String(headers.lastHeader(Tracing.TRACEPARENT).value(), StandardCharsets.UTF_8);
    }
}
