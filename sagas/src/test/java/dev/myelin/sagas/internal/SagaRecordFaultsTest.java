package dev.myelin.sagas.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.CommandResultFormat;
import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.Health;
import dev.myelin.eventstore.internal.Holds;
import dev.myelin.eventstore.internal.StreamsBootstrap;
import dev.myelin.eventstore.internal.StreamsHealth;
import dev.myelin.sagas.Participant;
import dev.myelin.sagas.SagaDefinition;
import dev.myelin.sagas.SagaState;
import dev.myelin.sagas.SagaStatus;
import dev.myelin.sagas.shop.OrderPlaced;
import dev.myelin.sagas.shop.ReleaseCredit;
import dev.myelin.sagas.shop.ReserveCredit;
import dev.myelin.sagas.shop.ReserveStock;
import dev.myelin.sagas.shop.Shop;
import dev.myelin.schemas.InMemorySchemaRegistry;
import dev.myelin.schemas.RecordOrigin;
import dev.myelin.schemas.SchemaRegistryUnavailableException;

/**
 * Issue 15 item 3: no single record stops the saga runtime. A record that cannot be processed, for a
 * reason that retrying cannot mend, marks its saga FAILED with the reason, or goes to the dead-letter
 * topic when there is no saga to mark; whatever it had already forwarded is dropped with it; the next
 * record is processed as usual. And the runtime's health says when a thread was replaced or a partition
 * is held.
 */
class SagaRecordFaultsTest {
    private static final Instant START = ShopDriver.START;
    private static final AggregateTopics ORDERS = ShopDriver.ORDERS;
    private static final AggregateTopics CUSTOMERS = ShopDriver.CUSTOMERS;
    private static final AggregateTopics STOCK = ShopDriver.STOCK;

    private final Serde<SpecificRecord> avro = Shop.avro(new InMemorySchemaRegistry());
    /**
     * The saga's data, {@code orderId|customerId[|credited]}, through a serde with two bugs a user could
     * write: it throws for customer "unwritable", and it writes null once customer "nulls" is credited.
     */
    private final Serde<String> data = Serdes.serdeFrom((topic, d) -> {
        if (d.contains("|unwritable")) {
            throw new SerializationException("this data serde cannot write " + d);
        }
        if (d.contains("|bloat|credited")) {
            return ("x".repeat(1_100_000) + d).getBytes(StandardCharsets.UTF_8); // over the default max.request.size
        }
        return d.contains("|nulls|credited") ? null : d.getBytes(StandardCharsets.UTF_8);
    }, (topic, bytes) -> bytes == null ? null : new String(bytes, StandardCharsets.UTF_8));
    private final DefaultSagaDefinition<OrderPlaced, String> definition = DefaultSagaDefinition.of(definition());
    private ShopDriver shop;
    private TestInputTopic<String, byte[]> triggers;
    private TestInputTopic<String, byte[]> creditResults;
    private TestOutputTopic<String, byte[]> creditCommands;
    private TestOutputTopic<String, byte[]> stockCommands;
    private TestOutputTopic<String, byte[]> log;
    private TestOutputTopic<String, byte[]> deadLetters;

    private SagaDefinition<OrderPlaced, String> definition() {
        Participant<SpecificRecord, CommandResult<SpecificRecord>> customers = Participant.aggregate(CUSTOMERS, avro, avro);
        Participant<SpecificRecord, CommandResult<SpecificRecord>> stock = Participant.aggregate(STOCK, avro, avro);
        return SagaDefinition.named("place-order", OrderPlaced.class)
                .from(ORDERS.events(), avro)
                .sagaId(OrderPlaced::getOrderId)
                .data(data, e -> e.getOrderId() + "|" + e.getCustomerId())
                .step("reserve-credit")
                    .invoke(customers, d -> d.split("\\|")[1], d -> new ReserveCredit(d.split("\\|")[0], 10L))
                    .onSuccess((d, reply) -> d + "|credited")
                    .compensate(d -> new ReleaseCredit(d.split("\\|")[0]))
                .step("reserve-stock")
                    .invoke(stock, d -> "sku-1", d -> new ReserveStock(d.split("\\|")[0], 1))
                .build();
    }

    @BeforeEach
    void start() {
        shop = new ShopDriver(definition, "saga-record-faults");
        triggers = shop.triggers;
        creditResults = shop.creditResults;
        creditCommands = shop.creditCommands;
        stockCommands = shop.stockCommands;
        log = shop.log;
        deadLetters = shop.deadLetters;
    }

    @AfterEach
    void close() {
        shop.close();
    }

    private void placeOrder(String orderId, String customer) {
        OrderPlaced placed = new OrderPlaced(orderId, customer, "sku-1", 1, 10L);
        triggers.pipeInput(new TestRecord<>(orderId, avro.serializer().serialize(ORDERS.events(), placed), new RecordHeaders(), START));
    }

    private void creditReserved(String orderId) {
        String commandId = CommandIds.of("place-order", orderId, CommandIds.Phase.INVOKE, "reserve-credit");
        RecordHeaders headers = new RecordHeaders();
        headers.add(CommandHeaders.COMMAND_ID, commandId.getBytes(StandardCharsets.UTF_8));
        creditResults.pipeInput(new TestRecord<>(commandId, CommandResultFormat.encode(new CommandResult.Accepted<>(1, List.of())), headers, START));
    }

    private Optional<SagaState<String>> saga(String sagaId) {
        return shop.saga(definition, sagaId);
    }

    private static String header(TestRecord<String, byte[]> record, String name) {
        return ShopDriver.header(record, name);
    }

    private List<String> transitionsOf(String sagaId) {
        return log.readRecordsToList().stream().filter(r -> r.key().equals(sagaId)).map(r -> header(r, "myelin.saga.transition")).toList();
    }

    @Test
    void dataThatCannotBeWrittenAtTheStartDeadLettersTheTriggerAndTheNextOrderStartsItsSaga() {
        placeOrder("o-1", "unwritable");
        placeOrder("o-2", "c-2");

        assertThat(saga("o-1")).isEmpty();
        TestRecord<String, byte[]> letter = deadLetters.readRecord();
        assertThat(header(letter, "myelin.dead-letter.reason")).isEqualTo("HANDLER_FAILED");
        assertThat(header(letter, "myelin.dead-letter.error-message")).contains("this data serde cannot write o-1|unwritable");
        assertThat(header(letter, "myelin.dead-letter.source-topic")).isEqualTo(ORDERS.events());
        assertThat(header(letter, "myelin.dead-letter.source-offset")).isEqualTo("0");
        assertThat(deadLetters.isEmpty()).isTrue();
        assertThat(saga("o-2")).get().extracting(SagaState::status).isEqualTo(SagaStatus.RUNNING);
        assertThat(creditCommands.readRecordsToList()).extracting(TestRecord::key).containsExactly("c-2");
    }

    @Test
    void aSagaWhoseNewDataCannotBeStoredIsMarkedFailedWithTheReasonAndWhatItHadSentIsDropped() {
        placeOrder("o-1", "nulls");
        placeOrder("o-2", "c-2");
        assertThat(creditCommands.readRecordsToList()).hasSize(2);
        log.readRecordsToList();

        // onSuccess gives data the serde writes as null: the step, its compensation and the saga's end all fail on
        // it, and storing the saga fails last, after commands and log entries were forwarded
        creditReserved("o-1");
        creditReserved("o-2");

        assertThat(saga("o-1")).get().satisfies(s -> {
            assertThat(s.status()).isEqualTo(SagaStatus.FAILED);
            assertThat(s.failureReason()).contains("could not be processed", "NullPointerException", CUSTOMERS.commandResults());
        });
        List<TestRecord<String, byte[]>> stock = stockCommands.readRecordsToList();
        assertThat(stock).as("o-1 sent nothing; o-2 went on").extracting(r -> header(r, CommandHeaders.CORRELATION_ID))
                .containsExactly("o-2");
        assertThat(creditCommands.isEmpty()).as("no compensation of o-1 left the runtime").isTrue();
        List<TestRecord<String, byte[]>> entries = log.readRecordsToList();
        assertThat(entries.stream().filter(r -> r.key().equals("o-1")).map(r -> header(r, "myelin.saga.transition")).toList())
                .as("the log shows what the store holds: o-1 failed, nothing of the dropped attempt").containsExactly("FAILED");
        assertThat(deadLetters.isEmpty()).as("the saga carries the failure").isTrue();
    }

    @Test
    void aCommandTooLargeToSendFailsItsStepInsteadOfTheTransactionAndTheNextOrderGoesOn() {
        // the reservation carries a note that only customer "chatty" gets: over the default max.request.size
        Participant<SpecificRecord, CommandResult<SpecificRecord>> customers = Participant.aggregate(CUSTOMERS, avro, avro);
        DefaultSagaDefinition<OrderPlaced, String> chatty = DefaultSagaDefinition.of(SagaDefinition.named("place-order", OrderPlaced.class)
                .from(ORDERS.events(), avro)
                .sagaId(OrderPlaced::getOrderId)
                .data(Serdes.String(), e -> e.getOrderId() + "|" + e.getCustomerId())
                .step("reserve-credit")
                    .invoke(customers, d -> d.split("\\|")[1], d -> new ReserveCredit(d.contains("|chatty")
                            ? d.split("\\|")[0] + "x".repeat(1_100_000) : d.split("\\|")[0], 10L))
                .build());
        try (ShopDriver big = new ShopDriver(chatty, "saga-big-command")) {
            for (String[] order : new String[][] {{"o-1", "chatty"}, {"o-2", "c-2"}}) {
                OrderPlaced placed = new OrderPlaced(order[0], order[1], "sku-1", 1, 10L);
                big.triggers.pipeInput(new TestRecord<>(order[0], avro.serializer().serialize(ORDERS.events(), placed), new RecordHeaders(),
                        START));
            }

            assertThat(big.saga(chatty, "o-1")).get().satisfies(s -> {
                assertThat(s.status()).isEqualTo(SagaStatus.COMPENSATED);
                assertThat(s.failureReason()).contains("cannot make the command of step 'reserve-credit'", "max.request.size");
            });
            assertThat(big.creditCommands.readRecordsToList()).extracting(TestRecord::key).as("o-1's command never left")
                    .containsExactly("c-2");
            assertThat(big.deadLetters.isEmpty()).isTrue();
        }
    }

    @Test
    void aSagaWhoseStateWouldOutgrowARecordIsFailedWithTheStateItHadAndSendsNothingOfThatStep() {
        placeOrder("o-1", "bloat");
        placeOrder("o-2", "c-2");
        creditCommands.readRecordsToList();
        log.readRecordsToList();

        creditReserved("o-1");
        creditReserved("o-2");

        assertThat(saga("o-1")).get().satisfies(s -> {
            assertThat(s.status()).isEqualTo(SagaStatus.FAILED);
            assertThat(s.failureReason()).contains("new state would be", "max.request.size");
            assertThat(s.data()).as("the state it had, which fitted").isEqualTo("o-1|bloat");
        });
        assertThat(stockCommands.readRecordsToList()).as("o-1 sent nothing of that step; o-2 went on")
                .extracting(r -> header(r, CommandHeaders.CORRELATION_ID)).containsExactly("o-2");
        assertThat(creditCommands.isEmpty()).isTrue();
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void aReplyWhoseSagaCannotBeReadIsDeadLetteredAndOtherSagasGoOn() {
        placeOrder("o-1", "c-1");
        placeOrder("o-2", "c-2");
        KeyValueStore<String, byte[]> store = shop.driver.getKeyValueStore(SagaTopology.SAGAS_STORE);
        store.put("o-1", new byte[] {42, 1, 2});

        creditReserved("o-1");
        creditReserved("o-2");

        TestRecord<String, byte[]> letter = deadLetters.readRecord();
        assertThat(header(letter, "myelin.dead-letter.reason")).isEqualTo("UNPROCESSABLE");
        assertThat(header(letter, "myelin.dead-letter.error-message")).contains("unknown saga state format 42");
        assertThat(header(letter, "myelin.dead-letter.source-topic")).isEqualTo(CUSTOMERS.commandResults());
        assertThat(header(letter, "myelin.dead-letter.source-offset")).isEqualTo("0");
        assertThat(stockCommands.readRecordsToList()).extracting(r -> header(r, CommandHeaders.CORRELATION_ID)).containsExactly("o-2");
    }

    @Test
    void aStreamThreadThatDiesIsReplacedAndTheHealthSaysSoWhileHeldPartitionsAreNamed() {
        Holds holds = new Holds("Saga runtime shop.saga.place-order", Duration.ofSeconds(5));
        StreamsHealth health = new StreamsHealth("saga runtime shop.saga.place-order", holds, IllegalStateException::new);
        assertThat(health.health(KafkaStreams.State.REBALANCING, "restoring")).isInstanceOf(Health.Degraded.class);
        health.stateChanged(KafkaStreams.State.RUNNING);
        assertThat(health.health(KafkaStreams.State.RUNNING, "restoring")).isEqualTo(Health.running());

        StreamThreadExceptionResponse response = StreamsBootstrap.replaceThread("saga runtime shop.saga.place-order", health,
                new IllegalStateException("the disk is full"));

        assertThat(response).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(health.health(KafkaStreams.State.RUNNING, "restoring")).isInstanceOfSatisfying(Health.Degraded.class,
                d -> assertThat(d.reason()).contains("a stream thread was replaced", "the disk is full"));

        holds.hold(ORDERS.events() + "-1", RecordOrigin.of(ORDERS.events(), 1, 7), new SchemaRegistryUnavailableException(
                "registry down", 0, 0, "", null));
        assertThat(health.health(KafkaStreams.State.RUNNING, "restoring")).isInstanceOfSatisfying(Health.Degraded.class,
                d -> assertThat(d.reason()).contains("partition " + ORDERS.events() + "-1", "schema registry is unavailable"));
        assertThat(health.health(KafkaStreams.State.ERROR, "restoring")).isInstanceOf(Health.Failed.class);
        assertThat(health.health(KafkaStreams.State.NOT_RUNNING, "restoring")).as("stopped without close()").isInstanceOf(Health.Failed.class);
        health.closed();
        assertThat(health.health(KafkaStreams.State.NOT_RUNNING, "restoring")).isInstanceOfSatisfying(Health.Degraded.class,
                d -> assertThat(d.reason()).contains("closed"));
    }
}
