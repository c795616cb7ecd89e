package dev.myelin.testkit;

import static dev.myelin.sagas.SagaTransition.COMPENSATED;
import static dev.myelin.sagas.SagaTransition.COMPENSATING;
import static dev.myelin.sagas.SagaTransition.COMPENSATION_SENT;
import static dev.myelin.sagas.SagaTransition.COMPENSATION_SUCCEEDED;
import static dev.myelin.sagas.SagaTransition.COMPLETED;
import static dev.myelin.sagas.SagaTransition.FAILED;
import static dev.myelin.sagas.SagaTransition.STARTED;
import static dev.myelin.sagas.SagaTransition.STEP_FAILED;
import static dev.myelin.sagas.SagaTransition.STEP_SENT;
import static dev.myelin.sagas.SagaTransition.STEP_SUCCEEDED;
import static dev.myelin.sagas.SagaTransition.TIMED_OUT;
import static dev.myelin.testkit.SagaFixture.accepted;
import static dev.myelin.testkit.SagaFixture.rejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.RetryPolicy;
import dev.myelin.sagas.Participant;
import dev.myelin.sagas.SagaDefinition;
import dev.myelin.sagas.SagaStatus;

/** The order saga (reserve credit, reserve stock, approve) played through {@link SagaFixture}. */
class SagaFixtureTest {

    // ---- the order example, as plain records (the fixture needs no Avro and no registry)

    record OrderPlaced(String orderId, String customerId, String sku, int quantity, long total) implements Serializable {
    }

    record PlaceOrderData(String orderId, String customerId, String sku, int quantity, long total, long reservation)
            implements Serializable {
    }

    record ReserveCredit(String orderId, long amount) implements Serializable {
    }

    record ReleaseCredit(String orderId, long amount) implements Serializable {
    }

    record CreditReserved(String orderId, long reservation) implements Serializable {
    }

    record CreditLimitChecked(String customerId) implements Serializable {
    }

    record ReserveStock(String orderId, int quantity) implements Serializable {
    }

    record ReleaseStock(String orderId, int quantity) implements Serializable {
    }

    record ApproveOrder(String orderId) implements Serializable {
    }

    /** Java serialization: good enough for records in a test, and it round-trips through real bytes. */
    static final Serde<Object> JAVA = Serdes.serdeFrom((topic, value) -> {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream(); ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }, (topic, bytes) -> {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return in.readObject();
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    });

    @SuppressWarnings({"unchecked", "rawtypes"})
    static final Serde<PlaceOrderData> DATA = (Serde) JAVA;

    static final Participant<Object, CommandResult<Object>> CUSTOMERS = Participant.aggregate(AggregateTopics.of("shop", "customer"), JAVA, JAVA);
    static final Participant<Object, CommandResult<Object>> STOCK = Participant.aggregate(AggregateTopics.of("shop", "stock"), JAVA, JAVA);
    static final Participant<Object, CommandResult<Object>> ORDERS = Participant.aggregate(AggregateTopics.of("shop", "order"), JAVA, JAVA);

    static final SagaDefinition<OrderPlaced, PlaceOrderData> PLACE_ORDER = SagaDefinition.named("place-order", OrderPlaced.class)
            .from("shop.order.events", JAVA)
            .sagaId(OrderPlaced::orderId)
            .data(DATA, e -> new PlaceOrderData(e.orderId(), e.customerId(), e.sku(), e.quantity(), e.total(), 0))
            .step("reserve-credit")
                .invoke(CUSTOMERS, PlaceOrderData::customerId, d -> new ReserveCredit(d.orderId(), d.total()))
                .onEvent(CreditReserved.class, (d, reserved) -> new PlaceOrderData(d.orderId(), d.customerId(), d.sku(), d.quantity(),
                        d.total(), reserved.reservation()))
                .compensate(d -> new ReleaseCredit(d.orderId(), d.total()))
            .step("reserve-stock")
                .invoke(STOCK, PlaceOrderData::sku, d -> new ReserveStock(d.orderId(), d.quantity()))
                .compensate(d -> new ReleaseStock(d.orderId(), d.quantity()))
                .timeout(Duration.ofSeconds(5))
                .retry(RetryPolicy.attempts(2).backoff(Duration.ofMillis(500)))
            .step("approve")
                .invoke(ORDERS, PlaceOrderData::orderId, d -> new ApproveOrder(d.orderId()))
            .build();

    static final OrderPlaced ORDER = new OrderPlaced("o-1", "c-1", "sku-1", 2, 30L);

    @Test
    void happyPathSendsEachStepAfterTheLastSucceededAndCompletes() {
        SagaFixture.of(PLACE_ORDER)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .thenNoCommand()
                .reply(CUSTOMERS, new CommandResult.Accepted<>(7, List.of(new CreditLimitChecked("c-1"), new CreditReserved("o-1", 42))))
                .thenCommand(STOCK, "sku-1", new ReserveStock("o-1", 2))
                .reply(STOCK, accepted())
                .thenCommand(ORDERS, "o-1", new ApproveOrder("o-1"))
                .reply(ORDERS, accepted())
                .thenNoCommand()
                .thenStatus(SagaStatus.COMPLETED)
                .thenState(state -> {
                    assertThat(state.data().reservation()).as("onEvent updated the data").isEqualTo(42);
                    assertThat(state.completedSteps()).containsExactly("reserve-credit", "reserve-stock", "approve");
                })
                .thenTransitions(STARTED, STEP_SENT, STEP_SUCCEEDED, STEP_SENT, STEP_SUCCEEDED, STEP_SENT, STEP_SUCCEEDED, COMPLETED);
    }

    @Test
    void failureAtTheSecondStepCompensatesTheFirst() {
        SagaFixture.of(PLACE_ORDER)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .reply(CUSTOMERS, accepted())
                .thenCommand(STOCK, "sku-1", new ReserveStock("o-1", 2))
                .reply(STOCK, rejected("only 1 left"))
                .thenStatus(SagaStatus.COMPENSATING)
                .thenCommand(CUSTOMERS, "c-1", new ReleaseCredit("o-1", 30L))
                .thenNoCommand()
                .reply(CUSTOMERS, accepted())
                .thenStatus(SagaStatus.COMPENSATED)
                .thenState(state -> {
                    assertThat(state.failureReason()).contains("reserve-stock", "only 1 left");
                    assertThat(state.completedSteps()).isEmpty();
                })
                .thenTransitions(STARTED, STEP_SENT, STEP_SUCCEEDED, STEP_SENT, STEP_FAILED, COMPENSATING, COMPENSATION_SENT,
                        COMPENSATION_SUCCEEDED, COMPENSATED);
    }

    @Test
    void failureAtTheFirstStepHasNothingToCompensate() {
        SagaFixture.of(PLACE_ORDER)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .reply(CUSTOMERS, rejected("credit limit"))
                .thenNoCommand()
                .thenStatus(SagaStatus.COMPENSATED);
    }

    @Test
    void timeoutRetriesTheSameCommandThenCompensates() {
        SagaFixture.of(PLACE_ORDER)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .reply(CUSTOMERS, accepted())
                .thenCommand(STOCK, "sku-1", new ReserveStock("o-1", 2))
                .advanceTime(Duration.ofMillis(4_900))
                .thenNoCommand()
                .advanceTime(Duration.ofMillis(100))
                .thenNoCommand() // timed out; now waiting out the backoff
                .advanceTime(Duration.ofMillis(500))
                .thenCommand(STOCK, "sku-1", new ReserveStock("o-1", 2))
                .thenState(state -> assertThat(state.attempt()).isEqualTo(2))
                .advanceTime(Duration.ofSeconds(5))
                // no reply is not a no: the stock service may still run the queued reservation, so it is undone first
                .thenCommand(STOCK, "sku-1", new ReleaseStock("o-1", 2))
                .thenNoCommand()
                .reply(STOCK, accepted())
                .thenCommand(CUSTOMERS, "c-1", new ReleaseCredit("o-1", 30L))
                .reply(CUSTOMERS, accepted())
                .thenStatus(SagaStatus.COMPENSATED)
                .thenState(state -> {
                    assertThat(state.failureReason()).contains("timed out after 2 attempt");
                    assertThat(state.completedSteps()).isEmpty();
                })
                .thenTransitions(STARTED, STEP_SENT, STEP_SUCCEEDED, STEP_SENT, TIMED_OUT, STEP_SENT, TIMED_OUT, STEP_FAILED,
                        COMPENSATING, COMPENSATION_SENT, COMPENSATION_SUCCEEDED, COMPENSATION_SENT, COMPENSATION_SUCCEEDED, COMPENSATED);
    }

    @Test
    void aLastStepThatTimesOutIsCompensated() {
        SagaDefinition<OrderPlaced, PlaceOrderData> reserveOnly = SagaDefinition.named("reserve-only", OrderPlaced.class)
                .from("shop.order.events", JAVA)
                .sagaId(OrderPlaced::orderId)
                .data(DATA, e -> new PlaceOrderData(e.orderId(), e.customerId(), e.sku(), e.quantity(), e.total(), 0))
                .step("reserve-credit")
                    .invoke(CUSTOMERS, PlaceOrderData::customerId, d -> new ReserveCredit(d.orderId(), d.total()))
                    .compensate(d -> new ReleaseCredit(d.orderId(), d.total()))
                    .timeout(Duration.ofSeconds(5))
                .build();

        SagaFixture.of(reserveOnly)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .advanceTime(Duration.ofSeconds(5))
                .thenCommand(CUSTOMERS, "c-1", new ReleaseCredit("o-1", 30L))
                .reply(CUSTOMERS, accepted())
                .thenStatus(SagaStatus.COMPENSATED)
                .thenTransitions(STARTED, STEP_SENT, TIMED_OUT, STEP_FAILED, COMPENSATING, COMPENSATION_SENT, COMPENSATION_SUCCEEDED,
                        COMPENSATED);
    }

    @Test
    void aLateReplyWithinTheRetriesStillCounts() {
        SagaFixture.of(PLACE_ORDER)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .reply(CUSTOMERS, accepted())
                .thenCommand(STOCK, "sku-1", new ReserveStock("o-1", 2))
                .advanceTime(Duration.ofSeconds(5))
                .reply(STOCK, accepted())
                .thenCommand(ORDERS, "o-1", new ApproveOrder("o-1"))
                .advanceTime(Duration.ofSeconds(1))
                .thenNoCommand(); // the backoff's deadline was dropped with the step
    }

    @Test
    void aDuplicateReplyHasNoEffect() {
        SagaFixture.of(PLACE_ORDER)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .reply(CUSTOMERS, accepted())
                .thenCommand(STOCK, "sku-1", new ReserveStock("o-1", 2))
                .reply(CUSTOMERS, accepted())
                .reply(CUSTOMERS, rejected("a late, contradictory copy"))
                .thenNoCommand()
                .thenStatus(SagaStatus.RUNNING)
                .thenState(state -> assertThat(state.step()).isEqualTo("reserve-stock"))
                .thenTransitions(STARTED, STEP_SENT, STEP_SUCCEEDED, STEP_SENT);
    }

    @Test
    void aReplyForAnUnknownSagaIsIgnored() {
        SagaFixture.of(PLACE_ORDER)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .replyFor(CUSTOMERS, "o-404", "reserve-credit", accepted())
                .thenNoCommand()
                .thenStatus(SagaStatus.RUNNING)
                .thenTransitions(STARTED, STEP_SENT);
    }

    @Test
    void aReplyForAFinishedSagaIsIgnored() {
        SagaFixture.of(PLACE_ORDER)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .reply(CUSTOMERS, rejected("no credit"))
                .thenStatus(SagaStatus.COMPENSATED)
                .replyFor(STOCK, "o-1", "reserve-stock", accepted())
                .thenNoCommand()
                .thenStatus(SagaStatus.COMPENSATED);
    }

    @Test
    void thenCommandFailsWhenTheSagaSentAnotherCommand() {
        SagaFixture.Scenario<OrderPlaced, PlaceOrderData> scenario = SagaFixture.of(PLACE_ORDER).given(ORDER);
        assertThatThrownBy(() -> scenario.thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 31L)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("ReserveCredit[orderId=o-1, amount=31]");
    }

    @Test
    void thenStatusFailsWithTheSagaStateInTheMessage() {
        SagaFixture.Scenario<OrderPlaced, PlaceOrderData> scenario = SagaFixture.of(PLACE_ORDER).given(ORDER);
        assertThatThrownBy(() -> scenario.thenStatus(SagaStatus.COMPLETED))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("is RUNNING")
                .hasMessageContaining("STEP_SENT");
    }

    @Test
    void aRedeliveredTriggerStartsNothingTwice() {
        SagaFixture.of(PLACE_ORDER)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .triggerAgain()
                .thenNoCommand()
                .thenTransitions(STARTED, STEP_SENT);
    }

    @Test
    void aRejectedCompensationFailsTheSaga() {
        SagaFixture.of(PLACE_ORDER)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .reply(CUSTOMERS, accepted())
                .thenCommand(STOCK, "sku-1", new ReserveStock("o-1", 2))
                .reply(STOCK, rejected("out of stock"))
                .thenCommand(CUSTOMERS, "c-1", new ReleaseCredit("o-1", 30L))
                .reply(CUSTOMERS, rejected("customer closed"))
                .thenNoCommand()
                .thenStatus(SagaStatus.FAILED)
                .thenState(state -> {
                    assertThat(state.failureReason()).contains("compensation of step 'reserve-credit' failed", "customer closed");
                    assertThat(state.completedSteps()).as("what is still not undone").containsExactly("reserve-credit");
                })
                .thenTransitions(STARTED, STEP_SENT, STEP_SUCCEEDED, STEP_SENT, STEP_FAILED, COMPENSATING, COMPENSATION_SENT, FAILED);
    }

    @Test
    void aCompensationThatNeverGetsAnAnswerIsRetriedThenFailsTheSaga() {
        SagaFixture.of(PLACE_ORDER)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .reply(CUSTOMERS, accepted())
                .thenCommand(STOCK, "sku-1", new ReserveStock("o-1", 2))
                .reply(STOCK, accepted())
                .thenCommand(ORDERS, "o-1", new ApproveOrder("o-1"))
                .reply(ORDERS, rejected("order was cancelled"))
                .thenCommand(STOCK, "sku-1", new ReleaseStock("o-1", 2))
                .advanceTime(Duration.ofMillis(5_500)) // reserve-stock's timeout and backoff apply to its compensation too
                .thenCommand(STOCK, "sku-1", new ReleaseStock("o-1", 2))
                .advanceTime(Duration.ofSeconds(5))
                .thenNoCommand()
                .thenStatus(SagaStatus.FAILED)
                .thenState(state -> assertThat(state.failureReason()).contains("compensation of step 'reserve-stock' timed out"));
    }

    @Test
    void aFailingCommandFunctionFailsTheStepAndCompensates() {
        SagaDefinition<OrderPlaced, PlaceOrderData> broken = SagaDefinition.named("broken", OrderPlaced.class)
                .from("shop.order.events", JAVA)
                .sagaId(OrderPlaced::orderId)
                .data(DATA, e -> new PlaceOrderData(e.orderId(), e.customerId(), e.sku(), e.quantity(), e.total(), 0))
                .step("reserve-credit")
                    .invoke(CUSTOMERS, PlaceOrderData::customerId, d -> new ReserveCredit(d.orderId(), d.total()))
                    .compensate(d -> new ReleaseCredit(d.orderId(), d.total()))
                .step("reserve-stock")
                    .invoke(STOCK, PlaceOrderData::sku, d -> {
                        throw new IllegalStateException("no warehouse for " + d.sku());
                    })
                .build();

        SagaFixture.of(broken)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .reply(CUSTOMERS, accepted())
                .thenCommand(CUSTOMERS, "c-1", new ReleaseCredit("o-1", 30L))
                .reply(CUSTOMERS, accepted())
                .thenStatus(SagaStatus.COMPENSATED)
                .thenState(state -> assertThat(state.failureReason()).contains("no warehouse for sku-1"));
    }

    // ---- a participant that is not a Myelin aggregate

    record Charge(String orderId, long amount) implements Serializable {
    }

    record Refund(String orderId) implements Serializable {
    }

    record PaymentReply(String orderId, boolean ok, String reason) implements Serializable {
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static final Participant<Object, PaymentReply> PAYMENTS = Participant.service("payments", "payments.requests", JAVA,
            "payments.replies", (Serde) JAVA);

    static final SagaDefinition<OrderPlaced, PlaceOrderData> PAY_THEN_APPROVE = SagaDefinition.named("pay-then-approve", OrderPlaced.class)
            .from("shop.order.events", JAVA)
            .sagaId(OrderPlaced::orderId)
            .data(DATA, e -> new PlaceOrderData(e.orderId(), e.customerId(), e.sku(), e.quantity(), e.total(), 0))
            .step("charge")
                .invoke(PAYMENTS, PlaceOrderData::orderId, d -> new Charge(d.orderId(), d.total()))
                .successWhen(PaymentReply::ok)
                .compensate(d -> new Refund(d.orderId()))
            .step("approve")
                .invoke(ORDERS, PlaceOrderData::orderId, d -> new ApproveOrder(d.orderId()))
            .build();

    @Test
    void aServiceParticipantsRepliesAreJudgedBySuccessWhen() {
        SagaFixture.of(PAY_THEN_APPROVE)
                .given(ORDER)
                .thenCommand(PAYMENTS, "o-1", new Charge("o-1", 30L))
                .reply(PAYMENTS, new PaymentReply("o-1", true, ""))
                .thenCommand(ORDERS, "o-1", new ApproveOrder("o-1"))
                .reply(ORDERS, rejected("cancelled meanwhile"))
                .thenCommand(PAYMENTS, "o-1", new Refund("o-1"))
                .reply(PAYMENTS, new PaymentReply("o-1", true, ""))
                .thenStatus(SagaStatus.COMPENSATED);
    }

    @Test
    void aServiceParticipantsFailureReplyFailsTheStep() {
        SagaFixture.of(PAY_THEN_APPROVE)
                .given(ORDER)
                .thenCommand(PAYMENTS, "o-1", new Charge("o-1", 30L))
                .reply(PAYMENTS, new PaymentReply("o-1", false, "card declined"))
                .thenNoCommand()
                .thenStatus(SagaStatus.COMPENSATED)
                .thenState(state -> assertThat(state.failureReason()).contains("card declined"));
    }

    // ---- typed replies: a service that answers with one record type per outcome

    sealed interface PaymentOutcome extends Serializable permits Paid, Declined {
    }

    record Paid(String orderId, String paymentId) implements PaymentOutcome {
    }

    record Declined(String orderId, String why) implements PaymentOutcome {
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static final Participant<Object, PaymentOutcome> CARDS = Participant.service("cards", "cards.requests", JAVA, "cards.replies",
            (Serde) JAVA);

    record PaidOrder(String orderId, long total, String paymentId) implements Serializable {
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static final SagaDefinition<OrderPlaced, PaidOrder> PAY_BY_CARD = SagaDefinition.named("pay-by-card", OrderPlaced.class)
            .from("shop.order.events", JAVA)
            .sagaId(OrderPlaced::orderId)
            .data((Serde<PaidOrder>) (Serde) JAVA, e -> new PaidOrder(e.orderId(), e.total(), ""))
            .step("charge")
                .invoke(CARDS, PaidOrder::orderId, d -> new Charge(d.orderId(), d.total()))
                .onReply(Paid.class, (d, paid) -> new PaidOrder(d.orderId(), d.total(), paid.paymentId()))
                .compensate(d -> new Refund(d.orderId()))
            .step("approve")
                .invoke(ORDERS, PaidOrder::orderId, d -> new ApproveOrder(d.orderId()))
            .build();

    @Test
    void aReplyOfATypeGivenToOnReplySucceedsAndUpdatesTheData() {
        SagaFixture.of(PAY_BY_CARD)
                .given(ORDER)
                .thenCommand(CARDS, "o-1", new Charge("o-1", 30L))
                .reply(CARDS, new Paid("o-1", "pay-9"))
                .thenCommand(ORDERS, "o-1", new ApproveOrder("o-1"))
                .thenState(state -> assertThat(state.data().paymentId()).isEqualTo("pay-9"));
    }

    @Test
    void aReplyOfATypeNotGivenToOnReplyFailsTheStep() {
        SagaFixture.of(PAY_BY_CARD)
                .given(ORDER)
                .thenCommand(CARDS, "o-1", new Charge("o-1", 30L))
                .reply(CARDS, new Declined("o-1", "card expired"))
                .thenNoCommand()
                .thenStatus(SagaStatus.COMPENSATED)
                .thenState(state -> {
                    assertThat(state.failureReason()).contains("card expired");
                    assertThat(state.data().paymentId()).isEmpty();
                });
    }

    @Test
    void onEventLeavesTheDataAsItIsWhenTheResultHasNoSuchEvent() {
        SagaFixture.of(PLACE_ORDER)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .reply(CUSTOMERS, new CommandResult.Accepted<>(3, List.of(new CreditLimitChecked("c-1"))))
                .thenCommand(STOCK, "sku-1", new ReserveStock("o-1", 2))
                .thenState(state -> assertThat(state.data().reservation()).isZero());
    }

    @Test
    void theStateSaysWhichStepsWaitAndWhenTheNextDeadlinePasses() {
        SagaFixture.of(IN_PARALLEL)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .thenCommand(STOCK, "sku-1", new ReserveStock("o-1", 2))
                .thenState(state -> {
                    assertThat(state.inFlightSteps()).containsExactly("reserve-credit", "reserve-stock");
                    assertThat(state.nextDeadline()).contains(Instant.parse("2030-01-01T00:00:05Z"));
                })
                .reply(STOCK, rejected("none left"))
                .reply(CUSTOMERS, accepted())
                .thenCommand(CUSTOMERS, "c-1", new ReleaseCredit("o-1", 30L))
                .reply(CUSTOMERS, accepted())
                .thenStatus(SagaStatus.COMPENSATED)
                .thenState(state -> {
                    assertThat(state.inFlightSteps()).isEmpty();
                    assertThat(state.nextDeadline()).as("a final saga waits for nothing").isEmpty();
                });
    }

    @Test
    void aFinishedSagaIsForgottenAfterItsRetention() {
        SagaFixture.Scenario<OrderPlaced, PlaceOrderData> scenario = SagaFixture.of(PLACE_ORDER)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .reply(CUSTOMERS, rejected("no credit"))
                .advanceTime(Duration.ofDays(7).minusMillis(1))
                .thenStatus(SagaStatus.COMPENSATED);

        scenario.advanceTime(Duration.ofMillis(1));

        assertThatThrownBy(scenario::state).isInstanceOf(AssertionError.class).hasMessageContaining("does not exist");
    }

    @Test
    void aThrowingOnSuccessCompensatesTheStepItFollowsToo() {
        SagaDefinition<OrderPlaced, PlaceOrderData> broken = SagaDefinition.named("broken-on-success", OrderPlaced.class)
                .from("shop.order.events", JAVA)
                .sagaId(OrderPlaced::orderId)
                .data(DATA, e -> new PlaceOrderData(e.orderId(), e.customerId(), e.sku(), e.quantity(), e.total(), 0))
                .step("reserve-credit")
                    .invoke(CUSTOMERS, PlaceOrderData::customerId, d -> new ReserveCredit(d.orderId(), d.total()))
                    .onSuccess((d, result) -> {
                        throw new IllegalStateException("bug in onSuccess");
                    })
                    .compensate(d -> new ReleaseCredit(d.orderId(), d.total()))
                .step("approve")
                    .invoke(ORDERS, PlaceOrderData::orderId, d -> new ApproveOrder(d.orderId()))
                .build();

        SagaFixture.of(broken)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .reply(CUSTOMERS, accepted())
                .thenCommand(CUSTOMERS, "c-1", new ReleaseCredit("o-1", 30L)) // the credit was reserved: it is released
                .reply(CUSTOMERS, accepted())
                .thenNoCommand()
                .thenStatus(SagaStatus.COMPENSATED)
                .thenState(state -> assertThat(state.failureReason()).contains("bug in onSuccess"));
    }

    @Test
    void aReplyThatCannotBeReadStopsTheSagaAsFailed() {
        Serde<PaymentReply> picky = Serdes.serdeFrom((topic, reply) -> JAVA.serializer().serialize(topic, reply), (topic, bytes) -> {
            PaymentReply reply = (PaymentReply) JAVA.deserializer().deserialize(topic, bytes);
            if (reply.reason().equals("garbage")) {
                throw new IllegalArgumentException("unreadable reply");
            }
            return reply;
        });
        Participant<Object, PaymentReply> payments = Participant.service("payments", "payments.requests", JAVA, "payments.replies", picky);
        SagaDefinition<OrderPlaced, PlaceOrderData> saga = SagaDefinition.named("pay", OrderPlaced.class)
                .from("shop.order.events", JAVA)
                .sagaId(OrderPlaced::orderId)
                .data(DATA, e -> new PlaceOrderData(e.orderId(), e.customerId(), e.sku(), e.quantity(), e.total(), 0))
                .step("charge").invoke(payments, PlaceOrderData::orderId, d -> new Charge(d.orderId(), d.total())).successWhen(PaymentReply::ok)
                .build();

        SagaFixture.of(saga)
                .given(ORDER)
                .thenCommand(payments, "o-1", new Charge("o-1", 30L))
                .reply(payments, new PaymentReply("o-1", true, "garbage"))
                .thenNoCommand()
                .thenStatus(SagaStatus.FAILED)
                .thenState(state -> assertThat(state.failureReason()).contains("cannot be read", "unreadable reply"));
    }

    // ---- parallel steps

    /** Starts an order saga's definition: its trigger, id and data. */
    static SagaDefinition.FirstStepStage<OrderPlaced, PlaceOrderData> orderSaga(String name) {
        return SagaDefinition.named(name, OrderPlaced.class)
                .from("shop.order.events", JAVA)
                .sagaId(OrderPlaced::orderId)
                .data(DATA, e -> new PlaceOrderData(e.orderId(), e.customerId(), e.sku(), e.quantity(), e.total(), 0));
    }

    record UsePoints(String orderId, long points) implements Serializable {
    }

    record RefundPoints(String orderId, long points) implements Serializable {
    }

    /** Credit and stock reserved at the same time, then the order approved. */
    static final SagaDefinition<OrderPlaced, PlaceOrderData> IN_PARALLEL = orderSaga("place-order-parallel")
            .inParallel(reservations -> reservations
                    .step("reserve-credit")
                        .invoke(CUSTOMERS, PlaceOrderData::customerId, d -> new ReserveCredit(d.orderId(), d.total()))
                        .compensate(d -> new ReleaseCredit(d.orderId(), d.total()))
                    .step("reserve-stock")
                        .invoke(STOCK, PlaceOrderData::sku, d -> new ReserveStock(d.orderId(), d.quantity()))
                        .compensate(d -> new ReleaseStock(d.orderId(), d.quantity()))
                        .timeout(Duration.ofSeconds(5))
                        .retry(RetryPolicy.attempts(2).backoff(Duration.ofMillis(500))))
            .step("approve")
                .invoke(ORDERS, PlaceOrderData::orderId, d -> new ApproveOrder(d.orderId()))
            .build();

    @Test
    void parallelStepsAreSentAtOnceAndJoinWhenBothSucceededInAnyOrder() {
        SagaFixture.of(IN_PARALLEL)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .thenCommand(STOCK, "sku-1", new ReserveStock("o-1", 2))
                .thenInFlight("reserve-credit", "reserve-stock")
                .reply(STOCK, accepted())
                .thenInFlight("reserve-credit")
                .thenNoCommand()
                .reply(CUSTOMERS, accepted())
                .thenCommand(ORDERS, "o-1", new ApproveOrder("o-1"))
                .thenInFlight("approve")
                .reply(ORDERS, accepted())
                .thenStatus(SagaStatus.COMPLETED)
                .thenInFlight()
                .thenTransitions(STARTED, STEP_SENT, STEP_SENT, STEP_SUCCEEDED, STEP_SUCCEEDED, STEP_SENT, STEP_SUCCEEDED, COMPLETED);
    }

    @Test
    void whenOneParallelStepFailsTheSagaWaitsForTheOtherThenUndoesIt() {
        SagaFixture.of(IN_PARALLEL)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .thenCommand(STOCK, "sku-1", new ReserveStock("o-1", 2))
                .reply(STOCK, rejected("only 1 left"))
                .thenStatus(SagaStatus.COMPENSATING)
                .thenInFlight("reserve-credit")
                .thenNoCommand()
                .reply(CUSTOMERS, accepted())
                .thenCommand(CUSTOMERS, "c-1", new ReleaseCredit("o-1", 30L))
                .thenNoCommand()
                .reply(CUSTOMERS, accepted())
                .thenStatus(SagaStatus.COMPENSATED)
                .thenState(state -> assertThat(state.failureReason()).contains("reserve-stock failed", "only 1 left"))
                .thenTransitions(STARTED, STEP_SENT, STEP_SENT, STEP_FAILED, COMPENSATING, STEP_SUCCEEDED, COMPENSATION_SENT,
                        COMPENSATION_SUCCEEDED, COMPENSATED);
    }

    @Test
    void aParallelStepThatTimesOutIsUndoneFirstThenTheOneThatSucceeded() {
        SagaFixture.of(IN_PARALLEL)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .thenCommand(STOCK, "sku-1", new ReserveStock("o-1", 2))
                .reply(CUSTOMERS, accepted())
                .advanceTime(Duration.ofMillis(5_500))
                .thenCommand(STOCK, "sku-1", new ReserveStock("o-1", 2))
                .advanceTime(Duration.ofSeconds(5))
                .thenCommand(STOCK, "sku-1", new ReleaseStock("o-1", 2))
                .thenNoCommand()
                .reply(STOCK, accepted())
                .thenCommand(CUSTOMERS, "c-1", new ReleaseCredit("o-1", 30L))
                .reply(CUSTOMERS, accepted())
                .thenStatus(SagaStatus.COMPENSATED)
                .thenState(state -> assertThat(state.failureReason()).isEqualTo("step 'reserve-stock' timed out after 2 attempt(s)"));
    }

    @Test
    void twoParallelStepsOfOneParticipantAreAnsweredByStepName() {
        SagaFixture.of(CREDIT_AND_POINTS)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .thenCommand(CUSTOMERS, "c-1", new UsePoints("o-1", 10))
                .reply("reserve-credit", CUSTOMERS, accepted())
                .thenInFlight("use-points")
                .reply("use-points", CUSTOMERS, rejected("not enough points"))
                .thenCommand(CUSTOMERS, "c-1", new ReleaseCredit("o-1", 30L))
                .reply("reserve-credit", CUSTOMERS, accepted())
                .thenStatus(SagaStatus.COMPENSATED);
    }

    static final SagaDefinition<OrderPlaced, PlaceOrderData> CREDIT_AND_POINTS = orderSaga("credit-and-points")
            .inParallel(both -> both
                    .step("reserve-credit")
                        .invoke(CUSTOMERS, PlaceOrderData::customerId, d -> new ReserveCredit(d.orderId(), d.total()))
                        .compensate(d -> new ReleaseCredit(d.orderId(), d.total()))
                    .step("use-points")
                        .invoke(CUSTOMERS, PlaceOrderData::customerId, d -> new UsePoints(d.orderId(), 10))
                        .compensate(d -> new RefundPoints(d.orderId(), 10)))
            .step("approve")
                .invoke(ORDERS, PlaceOrderData::orderId, d -> new ApproveOrder(d.orderId()))
            .build();

    @Test
    void twoParallelStepsOfOneParticipantAreAnsweredByTheirCommands() {
        SagaFixture.of(CREDIT_AND_POINTS)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .thenCommand(CUSTOMERS, "c-1", new UsePoints("o-1", 10))
                .replyTo(CUSTOMERS, new UsePoints("o-1", 10), rejected("not enough points"))
                .thenInFlight("reserve-credit")
                .reply(CUSTOMERS, accepted()) // one command to customers waits now: no need to name it
                .thenCommand(CUSTOMERS, "c-1", new ReleaseCredit("o-1", 30L))
                .replyTo(CUSTOMERS, new ReleaseCredit("o-1", 30L), accepted())
                .thenStatus(SagaStatus.COMPENSATED);
    }

    @Test
    void aReplyThatCouldAnswerTwoCommandsFailsInsteadOfGuessing() {
        SagaFixture.Scenario<OrderPlaced, PlaceOrderData> scenario = SagaFixture.of(CREDIT_AND_POINTS)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .thenCommand(CUSTOMERS, "c-1", new UsePoints("o-1", 10));

        assertThatThrownBy(() -> scenario.reply(CUSTOMERS, accepted()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("2 commands to shop.customer wait for a reply")
                .hasMessageContaining("of step 'reserve-credit'")
                .hasMessageContaining("of step 'use-points'")
                .hasMessageContaining("replyTo(");
        scenario.thenInFlight("reserve-credit", "use-points"); // nothing was answered
    }

    @Test
    void replyingToACommandThatWasNotCheckedSaysWhatWas() {
        assertThatThrownBy(() -> SagaFixture.of(CREDIT_AND_POINTS).given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .replyTo(CUSTOMERS, new UsePoints("o-1", 10), accepted()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no command UsePoints[orderId=o-1, points=10] to shop.customer was checked")
                .hasMessageContaining("ReserveCredit[orderId=o-1");
    }

    @Test
    @SuppressWarnings("deprecation")
    void theDeprecatedExpectFormsStillCheck() {
        SagaFixture.of(CREDIT_AND_POINTS)
                .given(ORDER)
                .expectCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .expectCommand(CUSTOMERS, "c-1", new UsePoints("o-1", 10))
                .expectNoCommand()
                .expectInFlight("reserve-credit", "use-points")
                .expectStatus(SagaStatus.RUNNING)
                .expectState(state -> assertThat(state.completedSteps()).isEmpty())
                .expectTransitions(STARTED, STEP_SENT, STEP_SENT);
    }

    @Test
    void replyingToAStepWhoseCommandWasNotCheckedSaysSo() {
        assertThatThrownBy(() -> SagaFixture.of(IN_PARALLEL).given(ORDER).reply("reserve-stok", STOCK, accepted()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no command of step 'reserve-stok'")
                .hasMessageContaining("has no such step");
    }

    @Test
    void aSagaThatMissesItsTimeLimitIsUndone() {
        SagaDefinition<OrderPlaced, PlaceOrderData> limited = orderSaga("limited")
                .completeWithin(Duration.ofSeconds(3))
                .step("reserve-credit")
                    .invoke(CUSTOMERS, PlaceOrderData::customerId, d -> new ReserveCredit(d.orderId(), d.total()))
                    .compensate(d -> new ReleaseCredit(d.orderId(), d.total()))
                .step("approve")
                    .invoke(ORDERS, PlaceOrderData::orderId, d -> new ApproveOrder(d.orderId()))
                .build();

        SagaFixture.of(limited)
                .given(ORDER)
                .thenCommand(CUSTOMERS, "c-1", new ReserveCredit("o-1", 30L))
                .advanceTime(Duration.ofSeconds(3))
                .thenCommand(CUSTOMERS, "c-1", new ReleaseCredit("o-1", 30L))
                .reply(CUSTOMERS, accepted())
                .thenStatus(SagaStatus.COMPENSATED)
                .thenState(state -> assertThat(state.failureReason()).contains("did not complete within PT3S"))
                .thenTransitions(STARTED, STEP_SENT, TIMED_OUT, STEP_FAILED, COMPENSATING, COMPENSATION_SENT, COMPENSATION_SUCCEEDED,
                        COMPENSATED);
    }
}
