package dev.myelin.sagas.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.CommandResultFormat;
import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.sagas.SagaState;
import dev.myelin.sagas.SagaStatus;
import dev.myelin.sagas.SagaTopics;
import dev.myelin.sagas.shop.OrderApproved;
import dev.myelin.sagas.shop.OrderPlaced;
import dev.myelin.sagas.shop.PlaceOrderData;
import dev.myelin.sagas.shop.Shop;
import dev.myelin.schemas.InMemorySchemaRegistry;

/**
 * Issue #9 for the topics a saga runtime reads: the trigger topic (the order events), a participant's
 * reply topic (the customers' command results) and the saga's own inbox. Each bad record is followed by
 * a good one, which must still start or advance its saga; the test checks where the bad one ended up
 * (on the saga's dead-letter topic with its origin and reason; ignored by design; or its saga FAILED
 * with the reason) and that no other saga, command or state changed because of it.
 *
 * <p>What cannot start a saga has no saga to record it under, so it goes to the dead-letter topic as it
 * was read, with the {@code myelin.dead-letter.*} headers; a reply that cannot be read goes there too,
 * and its saga stops as FAILED where the saga log and {@code SagaRuntime.state} show it. An oversized
 * record cannot reach the runtime (the producer or broker refuses it, see {@code BadCommandsIT}).
 */
class SagaBadInputTest {

    private static final String APP = ShopDriver.APP;
    private static final Instant START = ShopDriver.START;
    private static final AggregateTopics ORDERS = ShopDriver.ORDERS;
    private static final AggregateTopics CUSTOMERS = ShopDriver.CUSTOMERS;

    private final Serde<SpecificRecord> avro = Shop.avro(new InMemorySchemaRegistry());
    private final DefaultSagaDefinition<OrderPlaced, PlaceOrderData> definition =
            DefaultSagaDefinition.of(Shop.placeOrder(APP, avro, Duration.ofSeconds(30)));
    private final SagaTopics topics = SagaTopics.of(APP, definition.name());
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private AbstractAppender appender;
    private ShopDriver shop;
    private TestInputTopic<String, byte[]> triggers;
    private TestInputTopic<String, byte[]> creditResults;
    private TestInputTopic<String, byte[]> inbox;
    private TestOutputTopic<String, byte[]> creditCommands;
    private TestOutputTopic<String, byte[]> stockCommands;
    private TestOutputTopic<String, byte[]> deadLetters;
    private long triggerOffset;

    @BeforeEach
    void start() {
        // what the runtime skips leaves nothing on any topic, only its WARN: so the WARNs are part of what is checked
        appender = new AbstractAppender("saga-bad-input", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                warnings.add(event.getMessage().getFormattedMessage());
            }
        };
        appender.start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getLoggerConfig("dev.myelin.sagas").addAppender(appender, Level.WARN, null);
        context.updateLoggers();

        shop = new ShopDriver(definition, "saga-bad-input");
        triggers = shop.triggers;
        creditResults = shop.creditResults;
        inbox = shop.inbox;
        creditCommands = shop.creditCommands;
        stockCommands = shop.stockCommands;
        deadLetters = shop.deadLetters;
    }

    @AfterEach
    void close() {
        if (shop != null) {
            shop.close();
        }
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getLoggerConfig("dev.myelin.sagas").removeAppender(appender.getName());
        context.updateLoggers();
        appender.stop();
    }

    // ---- writing input

    private static OrderPlaced placed(String orderId) {
        return new OrderPlaced(orderId, "cust-" + orderId, "sku-1", 2, 100L);
    }

    private byte[] triggerBytes(OrderPlaced placed) {
        return avro.serializer().serialize(ORDERS.events(), placed);
    }

    /** Writes a record to the trigger topic and returns its offset (one partition, counted from 0). */
    private long pipeTrigger(String key, byte[] value, Headers headers) {
        triggers.pipeInput(new TestRecord<>(key, value, headers, START));
        return triggerOffset++;
    }

    private long pipeTrigger(byte[] value) {
        return pipeTrigger("order-key", value, new RecordHeaders());
    }

    private void placeOrder(String orderId) {
        pipeTrigger(orderId, triggerBytes(placed(orderId)), new RecordHeaders());
    }

    private static String creditCommandId(String orderId) {
        return CommandIds.of("place-order", orderId, CommandIds.Phase.INVOKE, "reserve-credit");
    }

    private static byte[] accepted(List<byte[]> events) {
        return CommandResultFormat.encode(new CommandResult.Accepted<>(1, events));
    }

    private void pipeReply(String key, byte[] value, String commandIdHeader) {
        Headers headers = new RecordHeaders();
        if (commandIdHeader != null) {
            headers.add(CommandHeaders.COMMAND_ID, commandIdHeader.getBytes(StandardCharsets.UTF_8));
        }
        creditResults.pipeInput(new TestRecord<>(key, value, headers, START));
    }

    /** Answers an order's reserve-credit command as the customer aggregate would. */
    private void creditReserved(String orderId) {
        pipeReply(creditCommandId(orderId), accepted(List.of()), creditCommandId(orderId));
    }

    // ---- reading output

    private Optional<SagaState<PlaceOrderData>> saga(String sagaId) {
        return shop.saga(definition, sagaId);
    }

    private List<String> sagaIds() {
        KeyValueStore<String, byte[]> store = shop.driver.getKeyValueStore(SagaTopology.SAGAS_STORE);
        List<String> ids = new java.util.ArrayList<>();
        store.all().forEachRemaining(entry -> ids.add(entry.key));
        return ids;
    }

    private List<String> creditCommandIds() {
        return creditCommands.readRecordsToList().stream()
                .map(r -> new String(r.headers().lastHeader(CommandHeaders.COMMAND_ID).value(), StandardCharsets.UTF_8))
                .toList();
    }

    /** Asserts that of the orders placed, exactly {@code orderIds} have a saga, each waiting for its credit. */
    private void onlyTheseSagasStarted(String... orderIds) {
        assertThat(sagaIds()).containsExactlyInAnyOrder(orderIds);
        assertThat(creditCommandIds()).containsExactlyInAnyOrder(Arrays.stream(orderIds).map(SagaBadInputTest::creditCommandId)
                .toArray(String[]::new));
        for (String orderId : orderIds) {
            assertThat(saga(orderId)).get().extracting(SagaState::status, SagaState::step)
                    .containsExactly(SagaStatus.RUNNING, "reserve-credit");
        }
    }

    private void advancedToReserveStock(String orderId) {
        assertThat(saga(orderId)).get().extracting(SagaState::status, SagaState::step, SagaState::completedSteps)
                .containsExactly(SagaStatus.RUNNING, "reserve-stock", List.of("reserve-credit"));
    }

    private void warnedAbout(String topic, long offset, String reason) {
        assertThat(warnings).anySatisfy(w -> assertThat(w)
                .contains("topic " + topic + " partition 0 offset " + offset)
                .contains(reason));
    }

    private static String header(TestRecord<String, byte[]> record, String name) {
        return ShopDriver.header(record, name);
    }

    /**
     * Asserts that the dead letters, in order, are the records read at {@code topic} {@code offsets},
     * each with its original value, the saga's name and origin, the {@code reason} and an error message
     * containing the matching text of {@code messages}.
     */
    private void deadLettered(String topic, String reason, long[] offsets, byte[][] values, String... messages) {
        List<TestRecord<String, byte[]>> letters = deadLetters.readRecordsToList();
        assertThat(letters).hasSize(offsets.length);
        for (int i = 0; i < offsets.length; i++) {
            TestRecord<String, byte[]> letter = letters.get(i);
            assertThat(letter.value()).as("the original value").isEqualTo(values[i]);
            assertThat(header(letter, "myelin.dead-letter.saga")).isEqualTo("place-order");
            assertThat(header(letter, "myelin.dead-letter.reason")).isEqualTo(reason);
            assertThat(header(letter, "myelin.dead-letter.source-topic")).isEqualTo(topic);
            assertThat(header(letter, "myelin.dead-letter.source-partition")).isEqualTo("0");
            assertThat(header(letter, "myelin.dead-letter.source-offset")).isEqualTo(Long.toString(offsets[i]));
            assertThat(header(letter, "myelin.dead-letter.error-message")).contains(messages[i]);
            assertThat(header(letter, "myelin.dead-letter.stack-trace")).isNotEmpty();
            assertThat(header(letter, "myelin.dead-letter.failed-at")).isNotEmpty();
        }
    }

    // ---- the trigger topic

    @Test
    void undecodableTriggersAreDeadLetteredWithTheirOriginAndReasonAndTheNextOrderStartsItsSaga() {
        byte[] random = new byte[40];
        new Random(7).nextBytes(random);
        random[0] = (byte) 0x9d; // whatever the seed gives, not the wire format's magic byte 0
        byte[] wrongMagic = triggerBytes(placed("order-x"));
        wrongMagic[0] = 1;
        byte[] unknownId = triggerBytes(placed("order-y"));
        ByteBuffer.wrap(unknownId).putInt(1, 424_242);
        byte[] whole = triggerBytes(placed("order-z"));
        byte[] truncated = Arrays.copyOf(whole, whole.length - 4);

        long randomAt = pipeTrigger(random);
        long wrongMagicAt = pipeTrigger(wrongMagic);
        long unknownIdAt = pipeTrigger(unknownId);
        long truncatedAt = pipeTrigger(truncated);
        placeOrder("order-1");

        onlyTheseSagasStarted("order-1");
        deadLettered(ORDERS.events(), "UNDECODABLE", new long[] {randomAt, wrongMagicAt, unknownIdAt, truncatedAt},
                new byte[][] {random, wrongMagic, unknownId, truncated},
                "0x9d, not the magic byte 0", "0x01, not the magic byte 0", "schema id 424242 is unknown", "truncated or corrupt");
        warnedAbout(ORDERS.events(), randomAt, "0x9d, not the magic byte 0");
    }

    @Test
    void otherEventsOfTheTriggerTopicAndTombstonesAreSkippedByDesign() {
        pipeTrigger(avro.serializer().serialize(ORDERS.events(), new OrderApproved("order-0")));
        pipeTrigger("order-0", null, new RecordHeaders());
        placeOrder("order-1");

        // the order events topic holds every order event, and erased orders leave tombstones: neither is a fault
        onlyTheseSagasStarted("order-1");
        assertThat(warnings).isEmpty();
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void aTriggerWhoseSagaIdIsBlankIsDeadLettered() {
        byte[] blank = triggerBytes(placed(""));
        long offset = pipeTrigger(blank);
        placeOrder("order-1");

        onlyTheseSagasStarted("order-1");
        deadLettered(ORDERS.events(), "HANDLER_FAILED", new long[] {offset}, new byte[][] {blank}, "sagaId(...) returned a blank id");
        warnedAbout(ORDERS.events(), offset, "sagaId(...) returned a blank id");
    }

    @Test
    void aTriggerNeedsNeitherAKeyNorHeaders() {
        // the saga id comes from the payload, and the trigger serde reads no header
        pipeTrigger(null, triggerBytes(placed("order-1")), new RecordHeaders());
        placeOrder("order-2");

        onlyTheseSagasStarted("order-1", "order-2");
        assertThat(warnings).isEmpty();
    }

    // ---- a reply topic

    @Test
    void anUnreadableReplyFailsItsSagaWithTheReasonAndOtherSagasGoOn() {
        placeOrder("order-1");
        placeOrder("order-2");
        placeOrder("order-3");
        placeOrder("order-4");
        byte[] random = new byte[24];
        new Random(3).nextBytes(random);
        random[0] = 9; // not the command-result format byte 1
        byte[] rejected = CommandResultFormat.encode(new CommandResult.Rejected<>("credit limit 50 would be exceeded"));

        pipeReply(creditCommandId("order-1"), random, creditCommandId("order-1"));
        pipeReply(creditCommandId("order-2"), Arrays.copyOf(rejected, rejected.length - 5), creditCommandId("order-2"));
        pipeReply(creditCommandId("order-3"), null, creditCommandId("order-3"));
        // an event where a result belongs: an Avro record starts with the wire format's 0, not the result format byte 1
        pipeReply(creditCommandId("order-4"), triggerBytes(placed("order-4")), creditCommandId("order-4"));
        creditReserved("order-5-never-placed");
        placeOrder("order-5");
        creditReserved("order-5");

        // whether the customer reserved the credit is unknown: neither compensating nor going on is safe
        assertThat(saga("order-1")).get().satisfies(s -> {
            assertThat(s.status()).isEqualTo(SagaStatus.FAILED);
            assertThat(s.failureReason()).contains("the reply of shop.customer to " + creditCommandId("order-1") + " cannot be read")
                    .contains("unknown command-result format 9");
        });
        assertThat(saga("order-2")).get().extracting(SagaState::status).isEqualTo(SagaStatus.FAILED);
        assertThat(saga("order-3")).get().extracting(SagaState::status).isEqualTo(SagaStatus.FAILED);
        assertThat(saga("order-3")).get().extracting(SagaState::failureReason).asString().contains("NullPointerException");
        assertThat(saga("order-4")).get().extracting(SagaState::failureReason).asString().contains("unknown command-result format 0");
        advancedToReserveStock("order-5");
        assertThat(stockCommands.readRecordsToList()).hasSize(1);
        // the replies are kept with where they were read (the results topic, not the inbox), and their sagas name them
        deadLettered(CUSTOMERS.commandResults(), "UNDECODABLE", new long[] {0, 1, 2, 3},
                new byte[][] {random, Arrays.copyOf(rejected, rejected.length - 5), null, triggerBytes(placed("order-4"))},
                "unknown command-result format 9", "corrupt", "bytes", "unknown command-result format 0");
        assertThat(saga("order-1").orElseThrow().failureReason()).contains("dead-letter topic");
    }

    @Test
    void aFailedSagaStaysFailedWhenAGoodReplyFollowsTheUnreadableOne() {
        placeOrder("order-1");

        pipeReply(creditCommandId("order-1"), new byte[] {1}, creditCommandId("order-1"));
        creditReserved("order-1");

        assertThat(saga("order-1")).get().extracting(SagaState::status).isEqualTo(SagaStatus.FAILED);
        assertThat(stockCommands.readRecordsToList()).as("a late good reply must not revive a failed saga").isEmpty();
    }

    @Test
    void anAcceptedResultWhoseEventsCannotBeReadStillCompletesTheStep() {
        byte[] wrongMagic = triggerBytes(placed("e-1"));
        wrongMagic[0] = 1;
        byte[] unknownId = triggerBytes(placed("e-2"));
        ByteBuffer.wrap(unknownId).putInt(1, 424_242);
        placeOrder("order-1");
        placeOrder("order-2");

        pipeReply(creditCommandId("order-1"), accepted(List.of(wrongMagic)), creditCommandId("order-1"));
        pipeReply(creditCommandId("order-2"), accepted(List.of(unknownId)), creditCommandId("order-2"));

        // the outcome (Accepted) is readable and is what the step waits for; the events are only onSuccess's input
        advancedToReserveStock("order-1");
        advancedToReserveStock("order-2");
        assertThat(warnings).filteredOn(w -> w.contains("the events of an accepted result of shop.customer cannot be decoded")).hasSize(2);
    }

    @Test
    void aReplyToAnotherStepOrPhaseIsIgnoredAndTheRightReplyStillAdvancesTheSaga() {
        placeOrder("order-1");
        String stockReply = CommandIds.of("place-order", "order-1", CommandIds.Phase.INVOKE, "reserve-stock");
        String compensation = CommandIds.of("place-order", "order-1", CommandIds.Phase.COMPENSATE, "reserve-credit");

        // valid results, but not of the command the saga waits for: duplicates or answers it moved past look the same
        pipeReply(stockReply, accepted(List.of()), stockReply);
        pipeReply(compensation, accepted(List.of()), compensation);
        assertThat(saga("order-1")).get().extracting(SagaState::step).isEqualTo("reserve-credit");
        assertThat(stockCommands.isEmpty()).as("nothing sent for the wrong replies").isTrue();
        creditReserved("order-1");

        advancedToReserveStock("order-1");
        assertThat(stockCommands.readRecordsToList()).hasSize(1);
    }

    @Test
    void aReplyWithoutACommandIdHeaderIsMatchedByItsKeyAndOneWithNeitherIsNotThisSagas() {
        placeOrder("order-1");
        placeOrder("order-2");

        // a results topic is shared by every sender of commands, so a result naming no saga command is someone else's
        pipeReply(null, CommandResultFormat.encode(new CommandResult.Rejected<>("no id")), null);
        pipeReply("cmd-of-a-gateway", CommandResultFormat.encode(new CommandResult.Rejected<>("not ours")), null);
        assertThat(saga("order-1")).get().extracting(SagaState::status, SagaState::step)
                .containsExactly(SagaStatus.RUNNING, "reserve-credit");
        assertThat(saga("order-2")).get().extracting(SagaState::status, SagaState::step)
                .containsExactly(SagaStatus.RUNNING, "reserve-credit");
        pipeReply(creditCommandId("order-1"), accepted(List.of()), null);
        pipeReply(null, accepted(List.of()), creditCommandId("order-2"));

        advancedToReserveStock("order-1");
        advancedToReserveStock("order-2");
        assertThat(stockCommands.readRecordsToList()).hasSize(2);
    }

    // ---- the saga's own inbox

    @Test
    void inboxRecordsWithoutAKeyAreSkippedWithAWarningInsteadOfStoppingTheRuntime() {
        Headers trigger = new RecordHeaders().add(SagaTopology.KIND, SagaTopology.KIND_TRIGGER.getBytes(StandardCharsets.UTF_8));
        Headers reply = new RecordHeaders()
                .add(SagaTopology.KIND, SagaTopology.KIND_REPLY.getBytes(StandardCharsets.UTF_8))
                .add(SagaTopology.REPLY_COMMAND, creditCommandId("order-1").getBytes(StandardCharsets.UTF_8));

        // a null key reaching the sagas store would throw there and end the stream thread, so every saga would stop
        inbox.pipeInput(new TestRecord<>(null, triggerBytes(placed("order-1")), trigger, START));
        inbox.pipeInput(new TestRecord<>(null, accepted(List.of()), reply, START));
        placeOrder("order-1");
        creditReserved("order-1");

        advancedToReserveStock("order-1");
        assertThat(sagaIds()).containsExactly("order-1");
        warnedAbout(topics.inbox(), 0, "no key");
        warnedAbout(topics.inbox(), 1, "no key");
    }

    @Test
    void inboxRecordsWithoutAKindAreSkippedWithAWarningAndAnUndecodableTriggerIsDeadLettered() {
        Headers trigger = new RecordHeaders().add(SagaTopology.KIND, SagaTopology.KIND_TRIGGER.getBytes(StandardCharsets.UTF_8));

        inbox.pipeInput(new TestRecord<>("order-1", triggerBytes(placed("order-1")), new RecordHeaders(), START));
        inbox.pipeInput(new TestRecord<>("order-2", new byte[] {0, 0, 0, 0, 1, 2}, trigger, START));
        placeOrder("order-3");

        onlyTheseSagasStarted("order-3");
        warnedAbout(topics.inbox(), 0, "without a " + SagaTopology.KIND + " header");
        // written to the inbox by something else, so it carries no origin: where the saga processor read it is the origin
        deadLettered(topics.inbox(), "UNDECODABLE", new long[] {1}, new byte[][] {{0, 0, 0, 0, 1, 2}}, "");
    }
}
