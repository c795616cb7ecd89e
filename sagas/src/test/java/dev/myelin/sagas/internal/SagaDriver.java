package dev.myelin.sagas.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;

import dev.myelin.eventstore.CommandResultFormat;
import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.sagas.SagaDefinition;
import dev.myelin.sagas.SagaState;
import dev.myelin.sagas.SagaTopics;
import dev.myelin.sagas.shop.OrderPlaced;
import dev.myelin.sagas.shop.PlaceOrderData;
import dev.myelin.sagas.shop.Shop;

/**
 * One saga runtime's real topology in a {@code TopologyTestDriver}, for the shop's sagas: the test
 * places orders, plays the participants and moves the wall clock (the deadline check runs every
 * millisecond, so each move fires what passed).
 */
final class SagaDriver implements AutoCloseable {
    static final String APP = "shop";
    static final AggregateTopics ORDERS = AggregateTopics.of(APP, "order");
    static final AggregateTopics CUSTOMERS = AggregateTopics.of(APP, "customer");
    static final AggregateTopics STOCK = AggregateTopics.of(APP, "stock");
    static final Serde<SpecificRecord> SERDE = Shop.singleObject();

    final DefaultSagaDefinition<OrderPlaced, PlaceOrderData> definition;
    final TopologyTestDriver driver;
    final TestInputTopic<String, byte[]> triggers;
    final TestOutputTopic<String, byte[]> log;
    Instant now;

    SagaDriver(SagaDefinition<OrderPlaced, PlaceOrderData> definition, Instant start) {
        this(definition, start, 0);
    }

    /** Creates the runtime with a limit of deadlines per punctuation, or the default one for 0. */
    SagaDriver(SagaDefinition<OrderPlaced, PlaceOrderData> definition, Instant start, int deadlinesPerCheck) {
        this.definition = DefaultSagaDefinition.of(definition);
        this.now = start;
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "saga-driver-" + UUID.randomUUID());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        SagaTopics topics = SagaTopics.of(APP, definition.name());
        // the 5-argument build is the fixture's: it runs the default limit of deadlines per punctuation
        driver = new TopologyTestDriver(deadlinesPerCheck == 0
                ? SagaTopology.build(this.definition, topics, Duration.ofMillis(1), SagaTopology.DEFAULT_RETENTION, false)
                : SagaTopology.build(this.definition, topics, Duration.ofMillis(1), SagaTopology.DEFAULT_RETENTION, false,
                        deadlinesPerCheck), props, start);
        triggers = driver.createInputTopic(ORDERS.events(), new StringSerializer(), new ByteArraySerializer());
        log = driver.createOutputTopic(topics.log(), new StringDeserializer(), new ByteArrayDeserializer());
    }

    void placeOrder(String orderId) {
        triggers.pipeInput(new TestRecord<>(orderId, SERDE.serializer().serialize(ORDERS.events(),
                new OrderPlaced(orderId, "cust-" + orderId, "sku-1", 2, 100L)), new RecordHeaders(), now));
    }

    void reply(AggregateTopics participant, String orderId, CommandIds.Phase phase, String step, CommandResult<byte[]> result) {
        String commandId = CommandIds.of(definition.name(), orderId, phase, step);
        Headers headers = new RecordHeaders().add(CommandHeaders.COMMAND_ID, commandId.getBytes(StandardCharsets.UTF_8));
        driver.createInputTopic(participant.commandResults(), new StringSerializer(), new ByteArraySerializer())
                .pipeInput(new TestRecord<>(commandId, CommandResultFormat.encode(result), headers, now));
    }

    /** Moves the wall clock; the driver runs the punctuator once per move. */
    void advance(Duration duration) {
        driver.advanceWallClockTime(duration);
        now = now.plus(duration);
    }

    TestOutputTopic<String, byte[]> commands(AggregateTopics participant) {
        return driver.createOutputTopic(participant.commands(), new StringDeserializer(), new ByteArrayDeserializer());
    }

    Optional<SagaState<PlaceOrderData>> saga(String sagaId) {
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(SagaTopology.SAGAS_STORE);
        return Optional.ofNullable(store.get(sagaId)).map(bytes -> SagaStates.decode(definition, bytes));
    }

    /** Returns the saga ids of the log entries of one transition written since the last call, draining the log. */
    List<String> logged(String transition) {
        List<String> ids = new ArrayList<>();
        for (TestRecord<String, byte[]> entry : log.readRecordsToList()) {
            if (transition.equals(new String(entry.headers().lastHeader("myelin.saga.transition").value(), StandardCharsets.UTF_8))) {
                ids.add(entry.key());
            }
        }
        return ids;
    }

    /** Returns the log entries written since the last call as "TRANSITION step", draining the log. */
    List<String> entries() {
        List<String> entries = new ArrayList<>();
        for (TestRecord<String, byte[]> entry : log.readRecordsToList()) {
            String json = new String(entry.value(), StandardCharsets.UTF_8);
            String step = json.substring(json.indexOf("\"step\":\"") + 8);
            entries.add(new String(entry.headers().lastHeader("myelin.saga.transition").value(), StandardCharsets.UTF_8) + " "
                    + step.substring(0, step.indexOf('"')));
        }
        return entries;
    }

    /** Returns the log entries' details written since the last call, draining the log. */
    List<String> details() {
        List<String> details = new ArrayList<>();
        for (TestRecord<String, byte[]> entry : log.readRecordsToList()) {
            String json = new String(entry.value(), StandardCharsets.UTF_8);
            details.add(json.substring(json.indexOf("\"detail\":\"") + 10, json.indexOf("\",\"at\"")));
        }
        return details;
    }

    KeyValueStore<String, byte[]> sagas() {
        return driver.getKeyValueStore(SagaTopology.SAGAS_STORE);
    }

    KeyValueStore<Bytes, byte[]> deadlines() {
        return driver.getKeyValueStore(SagaTopology.DEADLINES_STORE);
    }

    static CommandResult<byte[]> accepted() {
        return new CommandResult.Accepted<>(1, List.of());
    }

    static CommandResult<byte[]> rejected(String reason) {
        return new CommandResult.Rejected<>(reason);
    }

    static String header(TestRecord<String, byte[]> record, String name) {
        return record.headers().lastHeader(name) == null ? null : new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    static Object decode(TestRecord<String, byte[]> record, AggregateTopics participant) {
        return SERDE.deserializer().deserialize(participant.commands(), record.value());
    }

    @Override
    public void close() {
        driver.close();
    }
}
