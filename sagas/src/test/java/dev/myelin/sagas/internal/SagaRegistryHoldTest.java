package dev.myelin.sagas.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.CommandResultFormat;
import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.internal.Holds;
import dev.myelin.sagas.SagaState;
import dev.myelin.sagas.SagaStatus;
import dev.myelin.sagas.shop.CreditReserved;
import dev.myelin.sagas.shop.OrderPlaced;
import dev.myelin.sagas.shop.PlaceOrderData;
import dev.myelin.sagas.shop.Shop;
import dev.myelin.schemas.InMemorySchemaRegistry;
import dev.myelin.schemas.SchemaRegistryUnavailableException;

/**
 * Issue 15 item 2 without a broker: while the schema registry is unavailable, a trigger and a
 * participant's reply are held (the record's processing throws a hold, which makes Kafka Streams read
 * it again), never skipped, dead-lettered, failed, or (for an aggregate's result) stripped of its
 * events; read again once the registry is back, each does what it would have done.
 * {@code SagaRegistryOutageIT} shows the same on real brokers with a real registry.
 */
class SagaRegistryHoldTest {
    private static final String APP = ShopDriver.APP;
    private static final Instant START = ShopDriver.START;
    private static final AggregateTopics ORDERS = ShopDriver.ORDERS;
    private static final AggregateTopics CUSTOMERS = ShopDriver.CUSTOMERS;

    private final Serde<SpecificRecord> avro = Shop.avro(new InMemorySchemaRegistry());
    private final AtomicBoolean registryDown = new AtomicBoolean();
    /** The shop's serde, whose reads fail as an unreachable registry's do while {@link #registryDown} is set. */
    private final Serde<SpecificRecord> flaky = Serdes.serdeFrom(avro.serializer(), new Deserializer<>() {
        @Override
        public SpecificRecord deserialize(String topic, byte[] data) {
            return deserialize(topic, new RecordHeaders(), data);
        }

        @Override
        public SpecificRecord deserialize(String topic, Headers headers, byte[] data) {
            if (registryDown.get()) {
                throw new SchemaRegistryUnavailableException("schema registry http://registry.test could not be reached", 0, 0, "",
                        new java.net.ConnectException("Connection refused"));
            }
            return avro.deserializer().deserialize(topic, headers, data);
        }
    });
    private final DefaultSagaDefinition<OrderPlaced, PlaceOrderData> definition =
            DefaultSagaDefinition.of(Shop.placeOrder(APP, flaky, Duration.ofSeconds(30)));
    private ShopDriver shop;
    private TestInputTopic<String, byte[]> triggers;
    private TestInputTopic<String, byte[]> creditResults;
    private TestOutputTopic<String, byte[]> creditCommands;
    private TestOutputTopic<String, byte[]> stockCommands;
    private TestOutputTopic<String, byte[]> deadLetters;

    @BeforeEach
    void start() {
        shop = new ShopDriver(definition, "saga-registry-hold");
        triggers = shop.triggers;
        creditResults = shop.creditResults;
        creditCommands = shop.creditCommands;
        stockCommands = shop.stockCommands;
        deadLetters = shop.deadLetters;
    }

    @AfterEach
    void close() {
        shop.close();
    }

    private TestRecord<String, byte[]> trigger(String orderId) {
        OrderPlaced placed = new OrderPlaced(orderId, "c-1", "sku-1", 1, 10L);
        return new TestRecord<>(orderId, avro.serializer().serialize(ORDERS.events(), placed), new RecordHeaders(), START);
    }

    private TestRecord<String, byte[]> creditReserved(String orderId) {
        String commandId = CommandIds.of("place-order", orderId, CommandIds.Phase.INVOKE, "reserve-credit");
        RecordHeaders headers = new RecordHeaders();
        headers.add(CommandHeaders.COMMAND_ID, commandId.getBytes(StandardCharsets.UTF_8));
        byte[] event = avro.serializer().serialize(CUSTOMERS.events(), new CreditReserved(orderId, 10L));
        return new TestRecord<>(commandId, CommandResultFormat.encode(new CommandResult.Accepted<>(1, List.of(event))), headers, START);
    }

    private Optional<SagaState<PlaceOrderData>> saga(String sagaId) {
        return shop.saga(definition, sagaId);
    }

    @Test
    void aTriggerReadWhileTheRegistryIsDownIsHeldAndStartsItsSagaWhenReadAgain() {
        registryDown.set(true);

        Throwable held = catchThrowable(() -> triggers.pipeInput(trigger("o-1")));

        assertThat(Holds.isHold(held)).as("a hold: %s", held).isTrue();
        assertThat(saga("o-1")).isEmpty();
        assertThat(deadLetters.isEmpty()).as("not dead-lettered").isTrue();
        assertThat(creditCommands.isEmpty()).isTrue();

        registryDown.set(false);
        triggers.pipeInput(trigger("o-1")); // Kafka Streams reads it again from the committed offset

        assertThat(saga("o-1")).get().extracting(SagaState::status, SagaState::step).containsExactly(SagaStatus.RUNNING, "reserve-credit");
        assertThat(creditCommands.readRecordsToList()).hasSize(1);
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void anAcceptedResultReadWhileTheRegistryIsDownIsHeldNotStrippedOfItsEventsNorFailed() {
        triggers.pipeInput(trigger("o-1"));
        registryDown.set(true);

        Throwable held = catchThrowable(() -> creditResults.pipeInput(creditReserved("o-1")));

        assertThat(Holds.isHold(held)).as("a hold: %s", held).isTrue();
        assertThat(saga("o-1")).get().extracting(SagaState::status, SagaState::step).containsExactly(SagaStatus.RUNNING, "reserve-credit");
        assertThat(stockCommands.isEmpty()).as("the step did not move on without its events").isTrue();

        registryDown.set(false);
        creditResults.pipeInput(creditReserved("o-1"));

        assertThat(saga("o-1")).get().extracting(SagaState::status, SagaState::step, SagaState::completedSteps)
                .containsExactly(SagaStatus.RUNNING, "reserve-stock", List.of("reserve-credit"));
        assertThat(stockCommands.readRecordsToList()).hasSize(1);
        assertThat(deadLetters.isEmpty()).isTrue();
    }
}
