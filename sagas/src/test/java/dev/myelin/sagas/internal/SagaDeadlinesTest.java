package dev.myelin.sagas.internal;

import static dev.myelin.sagas.internal.SagaDriver.APP;
import static dev.myelin.sagas.internal.SagaDriver.CUSTOMERS;
import static dev.myelin.sagas.internal.SagaDriver.ORDERS;
import static dev.myelin.sagas.internal.SagaDriver.SERDE;
import static dev.myelin.sagas.internal.SagaDriver.STOCK;
import static dev.myelin.sagas.internal.SagaDriver.accepted;
import static dev.myelin.sagas.internal.SagaDriver.decode;
import static dev.myelin.sagas.internal.SagaDriver.header;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;


import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.avro.specific.SpecificRecord;







import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;


import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
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



import dev.myelin.eventstore.CommandResult;
import dev.myelin.sagas.Participant;
import dev.myelin.sagas.SagaDefinition;
import dev.myelin.sagas.SagaHeaders;
import dev.myelin.sagas.SagaState;
import dev.myelin.sagas.SagaStatus;

import dev.myelin.sagas.shop.ApproveOrder;
import dev.myelin.sagas.shop.OrderPlaced;
import dev.myelin.sagas.shop.PlaceOrderData;
import dev.myelin.sagas.shop.ReleaseCredit;
import dev.myelin.sagas.shop.ReleaseStock;
import dev.myelin.sagas.shop.ReserveCredit;
import dev.myelin.sagas.shop.ReserveStock;
import dev.myelin.sagas.shop.Shop;

/**
 * What the saga runtime does when deadlines pass, on its real topology in a {@code TopologyTestDriver}
 * with wall-clock time under the test's control: a step that times out after its retries is undone,
 * deadlines fire a bounded number per punctuation, a deadline that passed while the task was not
 * running waits for the inbox first, and a saga the definition cannot read keeps its deadline.
 */
class SagaDeadlinesTest {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration STOCK_TIMEOUT = Duration.ofSeconds(30);

    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final List<SagaDriver> drivers = new ArrayList<>();
    private AbstractAppender appender;

    @BeforeEach
    void captureWarnings() {
        appender = new AbstractAppender("saga-deadlines", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                logged.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
            }
        };
        appender.start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getLoggerConfig("dev.myelin.sagas").addAppender(appender, Level.WARN, null);
        context.updateLoggers();
    }

    @AfterEach
    void close() {
        drivers.forEach(SagaDriver::close);
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getLoggerConfig("dev.myelin.sagas").removeAppender(appender.getName());
        context.updateLoggers();
        appender.stop();
    }

    /** A runtime closed after the test. */
    private SagaDriver runtime(SagaDefinition<OrderPlaced, PlaceOrderData> definition, Instant start, int deadlinesPerCheck) {
        SagaDriver driver = new SagaDriver(definition, start, deadlinesPerCheck);
        drivers.add(driver);
        return driver;
    }

    private SagaDriver runtime(SagaDefinition<OrderPlaced, PlaceOrderData> definition, Instant start) {
        return runtime(definition, start, 0);
    }

    // ---- a step that times out after its retries is undone

    @Test
    void aStepThatTimesOutAfterItsRetriesIsCompensatedFirstAndEachCompensationNamesItsOriginal() {
        SagaDriver runtime = runtime(Shop.placeOrder(APP, SERDE, STOCK_TIMEOUT), START);
        TestOutputTopic<String, byte[]> stock = runtime.commands(STOCK);
        TestOutputTopic<String, byte[]> credit = runtime.commands(CUSTOMERS);
        runtime.placeOrder("order-1");
        runtime.reply(CUSTOMERS, "order-1", CommandIds.Phase.INVOKE, "reserve-credit", accepted());

        // three sends of reserve-stock, each unanswered: timeout, backoff, timeout, backoff, timeout
        for (int attempt = 1; attempt <= 3; attempt++) {
            runtime.advance(STOCK_TIMEOUT);
            if (attempt < 3) {
                runtime.advance(Duration.ofMillis(100));
            }
        }

        List<TestRecord<String, byte[]>> toStock = stock.readRecordsToList();
        assertThat(toStock).extracting(r -> decode(r, STOCK)).containsExactly(new ReserveStock("order-1", 2), new ReserveStock("order-1", 2),
                new ReserveStock("order-1", 2), new ReleaseStock("order-1"));
        // the stock service may still run the queued reservation: it is undone first, and the undo names it
        TestRecord<String, byte[]> releaseStock = toStock.get(3);
        assertThat(releaseStock.key()).isEqualTo("sku-1");
        assertThat(header(releaseStock, "myelin.compensates")).isEqualTo("saga:place-order:i:reserve-stock:order-1");
        assertThat(SagaHeaders.COMPENSATES).isEqualTo("myelin.compensates");
        assertThat(header(toStock.get(0), "myelin.compensates")).as("an original carries no such header").isNull();
        assertThat(credit.readRecordsToList()).extracting(r -> decode(r, CUSTOMERS)).as("credit is released after stock, not before")
                .containsExactly(new ReserveCredit("order-1", 100L));
        assertThat(runtime.saga("order-1")).get().satisfies(s -> {
            assertThat(s.status()).isEqualTo(SagaStatus.COMPENSATING);
            assertThat(s.step()).isEqualTo("reserve-stock");
            assertThat(s.completedSteps()).as("the timed-out step did not succeed").containsExactly("reserve-credit");
            assertThat(s.failureReason()).contains("step 'reserve-stock' timed out after 3 attempt(s)");
        });

        runtime.reply(STOCK, "order-1", CommandIds.Phase.COMPENSATE, "reserve-stock", accepted());
        List<TestRecord<String, byte[]>> toCredit = credit.readRecordsToList();
        assertThat(toCredit).extracting(r -> decode(r, CUSTOMERS)).containsExactly(new ReleaseCredit("order-1"));
        assertThat(header(toCredit.get(0), "myelin.compensates")).isEqualTo("saga:place-order:i:reserve-credit:order-1");
        runtime.reply(CUSTOMERS, "order-1", CommandIds.Phase.COMPENSATE, "reserve-credit", accepted());

        assertThat(runtime.saga("order-1")).get().extracting(SagaState::status, SagaState::completedSteps)
                .containsExactly(SagaStatus.COMPENSATED, List.of());
        assertThat(runtime.logged("COMPENSATION_SUCCEEDED")).hasSize(2);
        assertThat(stock.isEmpty()).isTrue();
    }

    @Test
    void aLateReplyToTheTimedOutStepDoesNotStopItsCompensation() {
        SagaDriver runtime = runtime(Shop.placeOrder(APP, SERDE, STOCK_TIMEOUT), START);
        TestOutputTopic<String, byte[]> stock = runtime.commands(STOCK);
        runtime.placeOrder("order-1");
        runtime.reply(CUSTOMERS, "order-1", CommandIds.Phase.INVOKE, "reserve-credit", accepted());
        runtime.advance(STOCK_TIMEOUT);
        runtime.advance(Duration.ofMillis(100));
        runtime.advance(STOCK_TIMEOUT);
        runtime.advance(Duration.ofMillis(100));
        runtime.advance(STOCK_TIMEOUT);
        // the participant did run the command after all, and says so late
        runtime.reply(STOCK, "order-1", CommandIds.Phase.INVOKE, "reserve-stock", accepted());

        assertThat(runtime.saga("order-1")).get().extracting(SagaState::status, SagaState::step)
                .containsExactly(SagaStatus.COMPENSATING, "reserve-stock");
        assertThat(stock.readRecordsToList()).extracting(r -> decode(r, STOCK)).last().isEqualTo(new ReleaseStock("order-1"));
    }

    // ---- deadlines are bounded per punctuation

    /** A saga whose first step times out after a second and has nothing to undo, so a timeout ends it at once. */
    private static SagaDefinition<OrderPlaced, PlaceOrderData> timingOut() {
        Participant<SpecificRecord, CommandResult<SpecificRecord>> customers = Participant.aggregate(CUSTOMERS, SERDE, SERDE);
        Participant<SpecificRecord, CommandResult<SpecificRecord>> orders = Participant.aggregate(ORDERS, SERDE, SERDE);
        return SagaDefinition.named("time-out", OrderPlaced.class)
                .from(ORDERS.events(), SERDE)
                .sagaId(OrderPlaced::getOrderId)
                .data(PlaceOrderData.class, e -> new PlaceOrderData(e.getOrderId(), e.getCustomerId(), e.getSku(), e.getQuantity(), e.getTotal()))
                .step("reserve-credit")
                    .invoke(customers, PlaceOrderData::getCustomerId, d -> new ReserveCredit(d.getOrderId(), d.getTotal()))
                    .timeout(Duration.ofSeconds(1))
                .step("approve")
                    .invoke(orders, PlaceOrderData::getOrderId, d -> new ApproveOrder(d.getOrderId()))
                .build();
    }

    @Test
    void fiftyThousandSagasTimingOutAtOnceFireAtMostTheLimitPerPunctuationAndAllFireEarliestFirst() {
        int sagas = 50_000;
        int perCheck = 500; // the default
        SagaDriver runtime = runtime(timingOut(), START);
        // the first ten sagas start a millisecond later than the rest, so their deadlines are the last ones
        for (int i = 10; i < sagas; i++) {
            runtime.placeOrder("o-" + i);
        }
        runtime.advance(Duration.ofMillis(1));
        for (int i = 0; i < 10; i++) {
            runtime.placeOrder("o-" + i);
        }
        assertThat(runtime.logged("STARTED")).hasSize(sagas);

        runtime.advance(Duration.ofSeconds(1)); // every deadline has passed, the last ten's a millisecond after the rest
        List<Integer> perPunctuation = new ArrayList<>();
        List<String> fired = new ArrayList<>();
        List<String> firstBatch = runtime.logged("TIMED_OUT");
        perPunctuation.add(firstBatch.size());
        fired.addAll(firstBatch);
        for (int punctuation = 0; punctuation < 1_000 && fired.size() < sagas; punctuation++) {
            runtime.advance(Duration.ofMillis(1));
            List<String> batch = runtime.logged("TIMED_OUT");
            perPunctuation.add(batch.size());
            fired.addAll(batch);
        }

        assertThat(perPunctuation).as("timeouts fired per punctuation").allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(perCheck));
        assertThat(perPunctuation.get(0)).isEqualTo(perCheck);
        assertThat(perPunctuation.size()).isGreaterThanOrEqualTo(sagas / perCheck);
        assertThat(fired).as("every saga timed out once").hasSize(sagas).doesNotHaveDuplicates();
        assertThat(fired.subList(sagas - 10, sagas)).as("the latest deadlines fire last")
                .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.range(0, 10).mapToObj(i -> "o-" + i).toList());
        assertThat(runtime.saga("o-49999")).get().extracting(SagaState::status).isEqualTo(SagaStatus.COMPENSATED);
    }

    @Test
    void aDeadlineThatCannotBeHandledIsDroppedWithAnErrorAndTheOtherSagasDeadlinesStillFire() {
        SagaDriver runtime = runtime(timingOut(), START);
        runtime.placeOrder("order-1");
        runtime.placeOrder("order-2");
        // order-1's stored state becomes unreadable (a bug, a bad migration): its deadline can never be handled
        runtime.sagas().put("order-1", new byte[] {42, 1, 2});

        runtime.advance(Duration.ofSeconds(1));

        assertThat(runtime.saga("order-2")).get().extracting(SagaState::status).isEqualTo(SagaStatus.COMPENSATED);
        assertThat(logged).anySatisfy(line -> assertThat(line).contains("ERROR", "order-1", "its deadline could not be handled",
                "unknown saga state format 42", "its deadline is dropped"));
        List<String> left = new ArrayList<>();
        try (var it = runtime.deadlines().all()) {
            it.forEachRemaining(entry -> left.add(new String(entry.key.get(), 8, entry.key.get().length - 8, StandardCharsets.UTF_8)));
        }
        assertThat(left).as("order-1's deadline is gone, so it does not fail again at every tick").doesNotContain("order-1");
        runtime.advance(Duration.ofSeconds(1));
    }

    @Test
    void theLimitPerPunctuationIsTheOneTheRuntimeWasGiven() {
        SagaDriver runtime = runtime(timingOut(), START, 100);
        for (int i = 0; i < 1_000; i++) {
            runtime.placeOrder("o-" + i);
        }
        runtime.logged("STARTED");

        runtime.advance(Duration.ofSeconds(1));
        List<Integer> perPunctuation = new ArrayList<>(List.of(runtime.logged("TIMED_OUT").size()));
        for (int punctuation = 0; punctuation < 20; punctuation++) {
            runtime.advance(Duration.ofMillis(1));
            perPunctuation.add(runtime.logged("TIMED_OUT").size());
        }

        assertThat(perPunctuation.subList(0, 10)).containsOnly(100);
        assertThat(perPunctuation.subList(10, perPunctuation.size())).containsOnly(0);
    }

    // ---- a deadline that passed while the task was not running

    /** Writes a saga into a runtime's stores as a restore from its changelog would leave it, at step reserve-stock. */
    private static void restored(SagaDriver runtime, String sagaId, long deadline) {
        PlaceOrderData data = new PlaceOrderData(sagaId, "cust-" + sagaId, "sku-1", 2, 100L);
        byte[] bytes = runtime.definition.dataSerde().serializer().serialize(SagaTopology.SAGAS_STORE, data);
        StoredSaga saga = new StoredSaga(sagaId, SagaStatus.RUNNING, 1, 1, false, deadline, bytes, List.of(0), "");
        runtime.sagas().put(sagaId, saga.encode(runtime.definition.stepNames()));
        byte[] id = sagaId.getBytes(StandardCharsets.UTF_8);
        runtime.deadlines().put(Bytes.wrap(ByteBuffer.allocate(8 + id.length).putLong(deadline).put(id).array()), new byte[0]);
    }

    @Test
    void aReplyDeadlineThatPassedWhileTheTaskWasDownWaitsOneTimeoutFromTheRestartSoTheInboxIsReadFirst() {
        // the runtime was down for an hour; two sagas sent reserve-stock just before, and their deadlines passed meanwhile
        Instant restart = START.plus(Duration.ofHours(1));
        SagaDriver runtime = runtime(Shop.placeOrder(APP, SERDE, STOCK_TIMEOUT), restart);
        restored(runtime, "answered", START.plus(STOCK_TIMEOUT).toEpochMilli());
        restored(runtime, "silent", START.plus(STOCK_TIMEOUT).toEpochMilli());

        runtime.advance(Duration.ofMillis(1)); // the first punctuation after the restart
        runtime.advance(Duration.ofMillis(1));
        assertThat(runtime.logged("TIMED_OUT")).as("no step timed out before its reply could be read").isEmpty();
        // the stock service had answered while the runtime was down: the reply is read now
        runtime.reply(STOCK, "answered", CommandIds.Phase.INVOKE, "reserve-stock", accepted());
        assertThat(runtime.saga("answered")).get().extracting(SagaState::status, SagaState::step)
                .containsExactly(SagaStatus.RUNNING, "approve");

        runtime.advance(STOCK_TIMEOUT.minusMillis(3));
        assertThat(runtime.logged("TIMED_OUT")).isEmpty();
        runtime.advance(Duration.ofMillis(1)); // one full timeout after the restart
        assertThat(runtime.logged("TIMED_OUT")).containsExactly("silent");
    }

    // ---- a saga the definition cannot read

    @Test
    void aSagaAtARemovedStepKeepsItsDeadlineWhichFiresOnceTheStepIsBack() {
        SagaDriver without = runtime(withoutStock(), START);
        SagaDriver full = runtime(Shop.placeOrder(APP, SERDE, STOCK_TIMEOUT), START);
        // written by the full definition, read by the one without reserve-stock
        PlaceOrderData data = new PlaceOrderData("o-1", "c-1", "sku-1", 2, 100L);
        long deadline = START.plus(STOCK_TIMEOUT).toEpochMilli();
        StoredSaga saga = new StoredSaga("o-1", SagaStatus.RUNNING, 1, 1, false, deadline,
                full.definition.dataSerde().serializer().serialize(SagaTopology.SAGAS_STORE, data), List.of(0), "");
        without.sagas().put("o-1", saga.encode(full.definition.stepNames()));
        byte[] id = "o-1".getBytes(StandardCharsets.UTF_8);
        Bytes key = Bytes.wrap(ByteBuffer.allocate(8 + id.length).putLong(deadline).put(id).array());
        without.deadlines().put(key, new byte[0]);

        without.advance(STOCK_TIMEOUT.plusSeconds(1));
        without.advance(Duration.ofMillis(1));
        without.advance(Duration.ofMillis(1));

        assertThat(without.deadlines().get(key)).as("the deadline of a saga at a removed step is kept").isNotNull();
        assertThat(logged).filteredOn(line -> line.startsWith("ERROR") && line.contains("'reserve-stock', which the definition no longer has"))
                .as("reported once, not every punctuation").hasSize(1);

        // the step is back (the runtime restarted with the full definition on the same stores): the deadline fires
        for (KeyValue<String, byte[]> entry : iterate(without.sagas())) {
            full.sagas().put(entry.key, entry.value);
        }
        for (KeyValue<Bytes, byte[]> entry : iterate(without.deadlines())) {
            full.deadlines().put(entry.key, entry.value);
        }
        full.advance(STOCK_TIMEOUT.plusSeconds(1));
        assertThat(full.logged("TIMED_OUT")).containsExactly("o-1");
    }

    private static SagaDefinition<OrderPlaced, PlaceOrderData> withoutStock() {
        Participant<SpecificRecord, CommandResult<SpecificRecord>> customers = Participant.aggregate(CUSTOMERS, SERDE, SERDE);
        Participant<SpecificRecord, CommandResult<SpecificRecord>> orders = Participant.aggregate(ORDERS, SERDE, SERDE);
        return SagaDefinition.named("place-order", OrderPlaced.class)
                .from(ORDERS.events(), SERDE)
                .sagaId(OrderPlaced::getOrderId)
                .data(PlaceOrderData.class, e -> new PlaceOrderData(e.getOrderId(), e.getCustomerId(), e.getSku(), e.getQuantity(), e.getTotal()))
                .step("reserve-credit")
                    .invoke(customers, PlaceOrderData::getCustomerId, d -> new ReserveCredit(d.getOrderId(), d.getTotal()))
                    .compensate(d -> new ReleaseCredit(d.getOrderId()))
                .step("approve")
                    .invoke(orders, PlaceOrderData::getOrderId, d -> new ApproveOrder(d.getOrderId()))
                .build();
    }

    private static <K> List<KeyValue<K, byte[]>> iterate(KeyValueStore<K, byte[]> store) {
        List<KeyValue<K, byte[]>> entries = new ArrayList<>();
        store.all().forEachRemaining(entries::add);
        return entries;
    }

    // ---- the saga's overall limit

    private static final Duration LIMIT = Duration.ofSeconds(10);

    /** The place-order saga, steps one after the other or credit and stock at the same time, that must complete within 10 s. */
    private static SagaDefinition<OrderPlaced, PlaceOrderData> limited(boolean parallel) {
        return parallel ? Shop.placeOrderInParallel(APP, SERDE, STOCK_TIMEOUT, java.util.Optional.of(LIMIT))
                : Shop.placeOrder(APP, SERDE, STOCK_TIMEOUT, java.util.Optional.of(LIMIT));
    }

    @Test
    void whenTheLimitPassesTheStepInFlightIsUndoneLikeATimedOutOneThenTheCompletedSteps() {
        SagaDriver runtime = runtime(limited(false), START);
        TestOutputTopic<String, byte[]> stock = runtime.commands(STOCK);
        TestOutputTopic<String, byte[]> credit = runtime.commands(CUSTOMERS);
        runtime.placeOrder("o-1");
        runtime.advance(Duration.ofSeconds(4));
        runtime.reply(CUSTOMERS, "o-1", CommandIds.Phase.INVOKE, "reserve-credit", accepted());
        runtime.advance(Duration.ofSeconds(5)); // 9 s in: reserve-stock (30 s timeout) is still in flight
        assertThat(runtime.logged("TIMED_OUT")).isEmpty();

        runtime.advance(Duration.ofSeconds(1));

        List<TestRecord<String, byte[]>> toStock = stock.readRecordsToList();
        assertThat(toStock).extracting(r -> decode(r, STOCK)).containsExactly(new ReserveStock("o-1", 2), new ReleaseStock("o-1"));
        assertThat(header(toStock.get(1), "myelin.compensates")).isEqualTo("saga:place-order:i:reserve-stock:o-1");
        assertThat(runtime.saga("o-1")).get().satisfies(s -> {
            assertThat(s.status()).isEqualTo(SagaStatus.COMPENSATING);
            assertThat(s.failureReason()).startsWith("the saga did not complete within PT10S (completeWithin); ['reserve-stock'] in flight");
        });
        runtime.reply(STOCK, "o-1", CommandIds.Phase.COMPENSATE, "reserve-stock", accepted());
        assertThat(credit.readRecordsToList()).extracting(r -> decode(r, CUSTOMERS)).last().isEqualTo(new ReleaseCredit("o-1"));
        runtime.reply(CUSTOMERS, "o-1", CommandIds.Phase.COMPENSATE, "reserve-credit", accepted());
        assertThat(runtime.saga("o-1")).get().extracting(SagaState::status).isEqualTo(SagaStatus.COMPENSATED);
    }

    @Test
    void theLimitCutsEveryStepOfAParallelGroupInFlightAndTheLogSaysWhy() {
        SagaDriver runtime = runtime(limited(true), START);
        TestOutputTopic<String, byte[]> stock = runtime.commands(STOCK);
        TestOutputTopic<String, byte[]> credit = runtime.commands(CUSTOMERS);
        runtime.placeOrder("o-1");
        runtime.entries();

        runtime.advance(LIMIT);

        assertThat(runtime.entries()).containsExactly("TIMED_OUT reserve-credit", "STEP_FAILED reserve-credit", "STEP_FAILED reserve-stock",
                "COMPENSATING reserve-credit", "COMPENSATION_SENT reserve-stock");
        assertThat(stock.readRecordsToList()).extracting(r -> decode(r, STOCK)).last().isEqualTo(new ReleaseStock("o-1"));
        runtime.reply(STOCK, "o-1", CommandIds.Phase.COMPENSATE, "reserve-stock", accepted());
        assertThat(credit.readRecordsToList()).extracting(r -> decode(r, CUSTOMERS)).last().isEqualTo(new ReleaseCredit("o-1"));
        runtime.reply(CUSTOMERS, "o-1", CommandIds.Phase.COMPENSATE, "reserve-credit", accepted());
        assertThat(runtime.saga("o-1")).get().extracting(SagaState::status).isEqualTo(SagaStatus.COMPENSATED);
    }

    @Test
    void theLimitDoesNotStopAnUndoUnderWayNorTouchACompletedSaga() {
        SagaDriver runtime = runtime(limited(false), START);
        runtime.placeOrder("undoing");
        runtime.placeOrder("done");
        runtime.reply(CUSTOMERS, "undoing", CommandIds.Phase.INVOKE, "reserve-credit", accepted());
        runtime.reply(STOCK, "undoing", CommandIds.Phase.INVOKE, "reserve-stock", new CommandResult.Rejected<>("only 1 left"));
        runtime.reply(CUSTOMERS, "done", CommandIds.Phase.INVOKE, "reserve-credit", accepted());
        runtime.reply(STOCK, "done", CommandIds.Phase.INVOKE, "reserve-stock", accepted());
        runtime.reply(ORDERS, "done", CommandIds.Phase.INVOKE, "approve", accepted());
        runtime.logged("");

        runtime.advance(LIMIT.plusSeconds(1));

        assertThat(runtime.logged("TIMED_OUT")).isEmpty();
        assertThat(runtime.saga("undoing")).get().extracting(SagaState::status, SagaState::failureReason)
                .containsExactly(SagaStatus.COMPENSATING, "reserve-stock failed: rejected: only 1 left");
        assertThat(runtime.saga("done")).get().extracting(SagaState::status).isEqualTo(SagaStatus.COMPLETED);
        runtime.reply(CUSTOMERS, "undoing", CommandIds.Phase.COMPENSATE, "reserve-credit", accepted());
        assertThat(runtime.saga("undoing")).get().extracting(SagaState::status).isEqualTo(SagaStatus.COMPENSATED);
    }

    @Test
    void aLimitThatPassedWhileTheTaskWasDownWaitsTheLongestStepTimeoutFromTheRestartSoTheInboxIsReadFirst() {
        Instant restart = START.plus(Duration.ofHours(1));
        SagaDriver runtime = runtime(limited(false), restart);
        // both sagas stood at approve (no timeout of its own) when the runtime went down; their limit passed meanwhile
        for (String sagaId : List.of("answered", "silent")) {
            PlaceOrderData data = new PlaceOrderData(sagaId, "cust-" + sagaId, "sku-1", 2, 100L);
            long expiresAt = START.plus(LIMIT).toEpochMilli();
            StoredSaga saga = new StoredSaga(sagaId, SagaStatus.RUNNING, 2,
                    runtime.definition.dataSerde().serializer().serialize(SagaTopology.SAGAS_STORE, data), List.of(0, 1), "", List.of(),
                    List.of(new StoredSaga.Branch(2, CommandIds.Phase.INVOKE, 1, false, 0)), expiresAt, expiresAt);
            runtime.sagas().put(sagaId, saga.encode(runtime.definition.stepNames()));
            byte[] id = sagaId.getBytes(StandardCharsets.UTF_8);
            runtime.deadlines().put(Bytes.wrap(ByteBuffer.allocate(8 + id.length).putLong(expiresAt).put(id).array()), new byte[0]);
        }

        runtime.advance(Duration.ofMillis(1));
        runtime.advance(Duration.ofMillis(1));
        assertThat(runtime.logged("TIMED_OUT")).as("no saga was stopped before its reply could be read").isEmpty();
        runtime.reply(ORDERS, "answered", CommandIds.Phase.INVOKE, "approve", accepted());
        assertThat(runtime.saga("answered")).get().extracting(SagaState::status).isEqualTo(SagaStatus.COMPLETED);

        runtime.advance(STOCK_TIMEOUT.minusMillis(3));
        assertThat(runtime.logged("TIMED_OUT")).isEmpty();
        runtime.advance(Duration.ofMillis(1)); // the longest step timeout (reserve-stock's) after the restart
        assertThat(runtime.logged("TIMED_OUT")).containsExactly("silent");
        assertThat(runtime.saga("silent")).get().extracting(SagaState::status).isEqualTo(SagaStatus.COMPENSATING);
    }

    // ---- steps without a timeout

    @Test
    void startingARuntimeWarnsAboutEachStepWithoutATimeoutByName() {
        List<String> untimed = DefaultSagaRuntime.warnAboutStepsWithoutTimeout(
                DefaultSagaDefinition.of(Shop.placeOrder(APP, SERDE, STOCK_TIMEOUT)));

        assertThat(untimed).containsExactly("reserve-credit", "approve");
        assertThat(logged).filteredOn(line -> line.startsWith("WARN")).hasSize(2)
                .anySatisfy(line -> assertThat(line).contains("step 'reserve-credit' has no timeout", "forever", ".timeout("))
                .anySatisfy(line -> assertThat(line).contains("step 'approve' has no timeout"));
    }
}
