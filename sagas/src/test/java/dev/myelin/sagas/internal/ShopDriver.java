package dev.myelin.sagas.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;

import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.sagas.SagaState;
import dev.myelin.sagas.SagaTopics;

/**
 * A shop saga's topology (application "shop", its order, customer and stock aggregates) in a
 * {@code TopologyTestDriver}, with the topics the saga unit tests pipe into and read from.
 */
final class ShopDriver implements AutoCloseable {
    static final String APP = "shop";
    static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    static final AggregateTopics ORDERS = AggregateTopics.of(APP, "order");
    static final AggregateTopics CUSTOMERS = AggregateTopics.of(APP, "customer");
    static final AggregateTopics STOCK = AggregateTopics.of(APP, "stock");

    private final DefaultSagaDefinition<?, ?> definition;
    final SagaTopics topics;
    final TopologyTestDriver driver;
    final TestInputTopic<String, byte[]> triggers;
    final TestInputTopic<String, byte[]> creditResults;
    final TestInputTopic<String, byte[]> inbox;
    final TestOutputTopic<String, byte[]> creditCommands;
    final TestOutputTopic<String, byte[]> stockCommands;
    final TestOutputTopic<String, byte[]> log;
    final TestOutputTopic<String, byte[]> deadLetters;

    ShopDriver(DefaultSagaDefinition<?, ?> definition, String applicationId) {
        this.definition = definition;
        this.topics = SagaTopics.of(APP, definition.name());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(SagaTopology.build(definition, topics, Duration.ofMillis(1), SagaTopology.DEFAULT_RETENTION,
                false), props, START);
        triggers = driver.createInputTopic(ORDERS.events(), new StringSerializer(), new ByteArraySerializer());
        creditResults = driver.createInputTopic(CUSTOMERS.commandResults(), new StringSerializer(), new ByteArraySerializer());
        inbox = driver.createInputTopic(topics.inbox(), new StringSerializer(), new ByteArraySerializer());
        creditCommands = driver.createOutputTopic(CUSTOMERS.commands(), new StringDeserializer(), new ByteArrayDeserializer());
        stockCommands = driver.createOutputTopic(STOCK.commands(), new StringDeserializer(), new ByteArrayDeserializer());
        log = driver.createOutputTopic(topics.log(), new StringDeserializer(), new ByteArrayDeserializer());
        deadLetters = driver.createOutputTopic(topics.deadLetters(), new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Returns a saga's state from the store, decoded with {@code definition} (the driver's, typed). */
    <D> Optional<SagaState<D>> saga(DefaultSagaDefinition<?, D> typed, String sagaId) {
        KeyValueStore<String, byte[]> store = driver.getKeyValueStore(SagaTopology.SAGAS_STORE);
        return Optional.ofNullable(store.get(sagaId)).map(bytes -> SagaStates.decode(typed, bytes));
    }

    /** Returns a header's value as text, or null when the record has none. */
    static String header(TestRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        driver.close();
    }

    @Override
    public String toString() {
        return "ShopDriver[" + definition.name() + "]";
    }
}
