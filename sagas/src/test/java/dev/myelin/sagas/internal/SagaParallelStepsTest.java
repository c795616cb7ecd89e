package dev.myelin.sagas.internal;

import static dev.myelin.sagas.internal.SagaDriver.APP;
import static dev.myelin.sagas.internal.SagaDriver.CUSTOMERS;
import static dev.myelin.sagas.internal.SagaDriver.ORDERS;
import static dev.myelin.sagas.internal.SagaDriver.SERDE;
import static dev.myelin.sagas.internal.SagaDriver.STOCK;
import static dev.myelin.sagas.internal.SagaDriver.accepted;
import static dev.myelin.sagas.internal.SagaDriver.decode;
import static dev.myelin.sagas.internal.SagaDriver.header;
import static dev.myelin.sagas.internal.SagaDriver.rejected;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.myelin.sagas.SagaState;
import dev.myelin.sagas.SagaStatus;
import dev.myelin.sagas.shop.ApproveOrder;
import dev.myelin.sagas.shop.ReleaseCredit;
import dev.myelin.sagas.shop.ReleaseStock;
import dev.myelin.sagas.shop.ReserveCredit;
import dev.myelin.sagas.shop.ReserveStock;
import dev.myelin.sagas.shop.Shop;

/**
 * Parallel steps on the saga's real topology in a {@code TopologyTestDriver}: the shop's
 * place-order saga reserving credit and stock at the same time, then approving. Credit has no
 * timeout; stock times out after 30 s, three attempts 100 ms apart.
 */
class SagaParallelStepsTest {
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration STOCK_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration BACKOFF = Duration.ofMillis(100);
    private static final String SAGA = "place-order-parallel";

    private final SagaDriver runtime = new SagaDriver(Shop.placeOrderInParallel(APP, SERDE, STOCK_TIMEOUT), START);
    private final TestOutputTopic<String, byte[]> credit = runtime.commands(CUSTOMERS);
    private final TestOutputTopic<String, byte[]> stock = runtime.commands(STOCK);
    private final TestOutputTopic<String, byte[]> orders = runtime.commands(ORDERS);

    @AfterEach
    void close() {
        runtime.close();
    }

    private void reply(String step, CommandIds.Phase phase, dev.myelin.eventstore.CommandResult<byte[]> result) {
        runtime.reply(step.equals("reserve-credit") ? CUSTOMERS : step.equals("reserve-stock") ? STOCK : ORDERS, "o-1", phase, step,
                result);
    }

    private SagaState<?> saga() {
        return runtime.saga("o-1").orElseThrow();
    }

    private static List<Object> sent(TestOutputTopic<String, byte[]> topic, dev.myelin.eventstore.AggregateTopics participant) {
        return topic.readRecordsToList().stream().map(r -> decode(r, participant)).toList();
    }

    @Test
    void bothStepsAreSentAtOnceAndTheSagaGoesOnWhenBothSucceeded() {
        runtime.placeOrder("o-1");

        assertThat(sent(credit, CUSTOMERS)).containsExactly(new ReserveCredit("o-1", 100L));
        assertThat(sent(stock, STOCK)).as("sent before credit answered").containsExactly(new ReserveStock("o-1", 2));
        assertThat(saga().status()).isEqualTo(SagaStatus.RUNNING);

        reply("reserve-credit", CommandIds.Phase.INVOKE, accepted());
        assertThat(orders.isEmpty()).as("the join waits for every step of the group").isTrue();
        reply("reserve-stock", CommandIds.Phase.INVOKE, accepted());
        assertThat(sent(orders, ORDERS)).containsExactly(new ApproveOrder("o-1"));
        reply("approve", CommandIds.Phase.INVOKE, accepted());

        assertThat(saga()).extracting(SagaState::status, SagaState::completedSteps)
                .containsExactly(SagaStatus.COMPLETED, List.of("reserve-credit", "reserve-stock", "approve"));
        assertThat(runtime.entries()).containsExactly("STARTED reserve-credit", "STEP_SENT reserve-credit", "STEP_SENT reserve-stock",
                "STEP_SUCCEEDED reserve-credit", "STEP_SUCCEEDED reserve-stock", "STEP_SENT approve", "STEP_SUCCEEDED approve",
                "COMPLETED approve");
        assertThat(runtime.deadlines().approximateNumEntries()).as("only the retention deadline is left").isEqualTo(1);
    }

    @Test
    void repliesInEitherOrderJoinOnce() {
        runtime.placeOrder("o-1");
        reply("reserve-stock", CommandIds.Phase.INVOKE, accepted());
        assertThat(orders.isEmpty()).isTrue();
        reply("reserve-credit", CommandIds.Phase.INVOKE, accepted());

        assertThat(sent(orders, ORDERS)).containsExactly(new ApproveOrder("o-1"));
        assertThat(saga()).extracting(SagaState::status, SagaState::step).containsExactly(SagaStatus.RUNNING, "approve");
    }

    @Test
    void duplicateRepliesCountOnce() {
        runtime.placeOrder("o-1");
        reply("reserve-credit", CommandIds.Phase.INVOKE, accepted());
        reply("reserve-credit", CommandIds.Phase.INVOKE, accepted());
        reply("reserve-credit", CommandIds.Phase.INVOKE, rejected("a late, contradictory copy"));
        assertThat(orders.isEmpty()).isTrue();
        assertThat(saga().status()).isEqualTo(SagaStatus.RUNNING);

        reply("reserve-stock", CommandIds.Phase.INVOKE, accepted());
        reply("reserve-stock", CommandIds.Phase.INVOKE, accepted());

        assertThat(sent(orders, ORDERS)).as("approved once").containsExactly(new ApproveOrder("o-1"));
        assertThat(runtime.logged("STEP_SUCCEEDED")).hasSize(2);
        assertThat(saga().completedSteps()).containsExactly("reserve-credit", "reserve-stock");
    }

    @Test
    void whenOneStepFailsTheOneThatSucceededIsCompensatedAndNamesItsOriginal() {
        runtime.placeOrder("o-1");
        sent(credit, CUSTOMERS);
        sent(stock, STOCK);
        reply("reserve-credit", CommandIds.Phase.INVOKE, accepted());
        reply("reserve-stock", CommandIds.Phase.INVOKE, rejected("only 1 left"));

        List<TestRecord<String, byte[]>> toCredit = credit.readRecordsToList();
        assertThat(toCredit).extracting(r -> decode(r, CUSTOMERS)).containsExactly(new ReleaseCredit("o-1"));
        assertThat(header(toCredit.get(0), "myelin.compensates")).isEqualTo("saga:" + SAGA + ":i:reserve-credit:o-1");
        assertThat(stock.isEmpty()).as("a step that said no has nothing to undo").isTrue();
        assertThat(orders.isEmpty()).isTrue();
        reply("reserve-credit", CommandIds.Phase.COMPENSATE, accepted());

        assertThat(saga()).satisfies(s -> {
            assertThat(s.status()).isEqualTo(SagaStatus.COMPENSATED);
            assertThat(s.completedSteps()).isEmpty();
            assertThat(s.failureReason()).isEqualTo("reserve-stock failed: rejected: only 1 left");
        });
    }

    @Test
    void aFailureWaitsForTheStepStillInFlightAndALateSuccessIsCompensated() {
        runtime.placeOrder("o-1");
        sent(credit, CUSTOMERS);
        reply("reserve-stock", CommandIds.Phase.INVOKE, rejected("only 1 left"));

        assertThat(saga().status()).as("decided at once").isEqualTo(SagaStatus.COMPENSATING);
        assertThat(credit.isEmpty()).as("no undo overtakes the reservation still in flight").isTrue();
        assertThat(runtime.details()).anySatisfy(d -> assertThat(d).contains("reserve-stock failed: rejected: only 1 left",
                "waiting for ['reserve-credit'] in flight before undoing"));

        reply("reserve-credit", CommandIds.Phase.INVOKE, accepted());
        assertThat(sent(credit, CUSTOMERS)).containsExactly(new ReleaseCredit("o-1"));
        reply("reserve-credit", CommandIds.Phase.COMPENSATE, accepted());

        assertThat(saga().status()).isEqualTo(SagaStatus.COMPENSATED);
        assertThat(orders.isEmpty()).isTrue();
    }

    @Test
    void whenBothStepsFailNothingIsUndone() {
        runtime.placeOrder("o-1");
        sent(credit, CUSTOMERS);
        sent(stock, STOCK);
        reply("reserve-credit", CommandIds.Phase.INVOKE, rejected("credit limit"));
        reply("reserve-stock", CommandIds.Phase.INVOKE, rejected("only 1 left"));

        assertThat(credit.isEmpty()).isTrue();
        assertThat(stock.isEmpty()).isTrue();
        assertThat(saga()).extracting(SagaState::status, SagaState::failureReason)
                .as("the first failure is the reason").containsExactly(SagaStatus.COMPENSATED, "reserve-credit failed: rejected: credit limit");
    }

    @Test
    void aStepThatTimesOutAfterItsRetriesIsCompensatedFirstThenTheOneThatSucceeded() {
        runtime.placeOrder("o-1");
        sent(credit, CUSTOMERS);
        reply("reserve-credit", CommandIds.Phase.INVOKE, accepted());
        for (int attempt = 1; attempt <= 3; attempt++) {
            runtime.advance(STOCK_TIMEOUT);
            if (attempt < 3) {
                runtime.advance(BACKOFF);
            }
        }

        List<TestRecord<String, byte[]>> toStock = stock.readRecordsToList();
        assertThat(toStock).extracting(r -> decode(r, STOCK)).containsExactly(new ReserveStock("o-1", 2), new ReserveStock("o-1", 2),
                new ReserveStock("o-1", 2), new ReleaseStock("o-1"));
        assertThat(header(toStock.get(3), "myelin.compensates")).isEqualTo("saga:" + SAGA + ":i:reserve-stock:o-1");
        assertThat(credit.isEmpty()).as("credit is released after stock").isTrue();
        reply("reserve-stock", CommandIds.Phase.COMPENSATE, accepted());
        assertThat(sent(credit, CUSTOMERS)).containsExactly(new ReleaseCredit("o-1"));
        reply("reserve-credit", CommandIds.Phase.COMPENSATE, accepted());

        assertThat(saga()).extracting(SagaState::status, SagaState::failureReason)
                .containsExactly(SagaStatus.COMPENSATED, "step 'reserve-stock' timed out after 3 attempt(s)");
        assertThat(orders.isEmpty()).isTrue();
    }

    @Test
    void aStepWaitingOutItsBackoffWhenTheOtherFailsIsNotSentAgainAndIsUndone() {
        runtime.placeOrder("o-1");
        sent(stock, STOCK);
        runtime.advance(STOCK_TIMEOUT); // stock's first attempt timed out; its second waits for the backoff
        reply("reserve-credit", CommandIds.Phase.INVOKE, rejected("credit limit"));
        runtime.advance(BACKOFF);
        runtime.advance(STOCK_TIMEOUT);

        assertThat(sent(stock, STOCK)).as("the first reservation may still run: it is undone, not retried")
                .containsExactly(new ReleaseStock("o-1"));
        reply("reserve-stock", CommandIds.Phase.COMPENSATE, accepted());

        assertThat(saga().status()).isEqualTo(SagaStatus.COMPENSATED);
        assertThat(credit.readRecordsToList()).extracting(r -> decode(r, CUSTOMERS)).containsExactly(new ReserveCredit("o-1", 100L));
    }

    @Test
    void aStepInFlightWhenTheOtherFailsIsWaitedForUntilItsCurrentDeadlineOnlyThenUndone() {
        runtime.placeOrder("o-1");
        sent(stock, STOCK);
        reply("reserve-credit", CommandIds.Phase.INVOKE, rejected("credit limit"));
        runtime.advance(STOCK_TIMEOUT.minusMillis(1));
        assertThat(stock.isEmpty()).isTrue();
        runtime.advance(Duration.ofMillis(1));

        assertThat(sent(stock, STOCK)).as("no retry after the decision; the timed-out reservation is undone")
                .containsExactly(new ReleaseStock("o-1"));
        assertThat(saga().status()).isEqualTo(SagaStatus.COMPENSATING);
    }

    @Test
    void aLateReplyAfterTheUndoChangesNothing() {
        runtime.placeOrder("o-1");
        reply("reserve-credit", CommandIds.Phase.INVOKE, rejected("credit limit"));
        runtime.advance(STOCK_TIMEOUT);
        reply("reserve-stock", CommandIds.Phase.INVOKE, accepted()); // the reservation ran late, after the saga gave up on it
        reply("reserve-stock", CommandIds.Phase.COMPENSATE, accepted());

        assertThat(saga()).extracting(SagaState::status, SagaState::completedSteps).containsExactly(SagaStatus.COMPENSATED, List.of());
        assertThat(sent(stock, STOCK)).containsExactly(new ReserveStock("o-1", 2), new ReleaseStock("o-1"));
    }

    @Test
    void aGroupStepWhoseDeadlinePassedWhileTheTaskWasDownWaitsOneTimeoutFromTheRestart() {
        Instant restart = START.plus(Duration.ofHours(1));
        try (SagaDriver restarted = new SagaDriver(Shop.placeOrderInParallel(APP, SERDE, STOCK_TIMEOUT), restart)) {
            // both reservations were in flight when the runtime went down; stock's deadline passed meanwhile
            byte[] data = restarted.definition.dataSerde().serializer().serialize(SagaTopology.SAGAS_STORE,
                    new dev.myelin.sagas.shop.PlaceOrderData("o-1", "cust-o-1", "sku-1", 2, 100L));
            long stockDeadline = START.plus(STOCK_TIMEOUT).toEpochMilli();
            StoredSaga saga = new StoredSaga("o-1", SagaStatus.RUNNING, 0, data, List.of(), "", List.of(),
                    List.of(new StoredSaga.Branch(0, CommandIds.Phase.INVOKE, 1, false, 0),
                            new StoredSaga.Branch(1, CommandIds.Phase.INVOKE, 1, false, stockDeadline)), 0, stockDeadline);
            restarted.sagas().put("o-1", saga.encode(restarted.definition.stepNames()));
            byte[] id = "o-1".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            restarted.deadlines().put(org.apache.kafka.common.utils.Bytes.wrap(java.nio.ByteBuffer.allocate(8 + id.length)
                    .putLong(stockDeadline).put(id).array()), new byte[0]);

            restarted.advance(Duration.ofMillis(1));
            restarted.advance(Duration.ofMillis(1));
            assertThat(restarted.logged("TIMED_OUT")).as("stock's reply may be waiting in the inbox").isEmpty();
            restarted.advance(STOCK_TIMEOUT.minusMillis(2));
            assertThat(restarted.logged("TIMED_OUT")).as("one full timeout after the restart").containsExactly("o-1");
            restarted.reply(CUSTOMERS, "o-1", CommandIds.Phase.INVOKE, "reserve-credit", accepted());
            restarted.reply(STOCK, "o-1", CommandIds.Phase.INVOKE, "reserve-stock", accepted()); // a late answer, during the backoff, still counts

            assertThat(restarted.saga("o-1")).get().extracting(SagaState::status, SagaState::step)
                    .containsExactly(SagaStatus.RUNNING, "approve");
        }
    }
}
