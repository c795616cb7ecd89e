package dev.myelin.sagas.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.sagas.Participant;
import dev.myelin.eventstore.RetryPolicy;
import dev.myelin.sagas.SagaDefinition;
import dev.myelin.sagas.SagaHeaders;
import dev.myelin.sagas.SagaStatus;
import dev.myelin.sagas.internal.CommandIds.Phase;
import dev.myelin.sagas.internal.SagaMachine.ClearDeadline;
import dev.myelin.sagas.internal.SagaMachine.DeadlineDue;
import dev.myelin.sagas.internal.SagaMachine.Failed;
import dev.myelin.sagas.internal.SagaMachine.Log;
import dev.myelin.sagas.internal.SagaMachine.Outcome;
import dev.myelin.sagas.internal.SagaMachine.Reply;
import dev.myelin.sagas.internal.SagaMachine.Send;
import dev.myelin.sagas.internal.SagaMachine.SetDeadline;
import dev.myelin.sagas.internal.SagaMachine.Trigger;

/**
 * The saga state machine on its own, without Kafka: each test feeds a saga its inputs (trigger,
 * replies, passed deadlines) and checks the state and the effects that come back. Participants are
 * services speaking plain strings; a reply "ok" is a success, anything else a failure.
 */
class SagaMachineTest {
    private static final long START = 1_767_225_600_000L;
    private static final Duration HOTEL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration BACKOFF = Duration.ofSeconds(1);
    private static final Duration RETENTION = Duration.ofDays(7);
    private static final String ID = "t-1";
    private static final Participant<String, String> TRAVEL =
            Participant.service("travel", "travel-commands", Serdes.String(), "travel-replies", Serdes.String());

    /** Book a flight, then a hotel (10 s timeout, two attempts 1 s apart), then charge (the pivot: no undo), then notify. */
    private static final SagaDefinition<String, String> TRIP = SagaDefinition.named("trip", String.class)
            .from("trips", Serdes.String())
            .sagaId(t -> t)
            .data(Serdes.String(), t -> t)
            .step("book-flight")
                .invoke(TRAVEL, d -> "flight", d -> "book-flight " + d)
                .successWhen("ok"::equals)
                .onSuccess((d, reply) -> d + "+flight")
                .compensate(d -> "cancel-flight " + d)
            .step("book-hotel")
                .invoke(TRAVEL, d -> "hotel", d -> "book-hotel " + d)
                .successWhen("ok"::equals)
                .compensate(d -> "cancel-hotel " + d)
                .timeout(HOTEL_TIMEOUT)
                .retry(RetryPolicy.attempts(2).backoff(BACKOFF))
            .step("charge")
                .invoke(TRAVEL, d -> "card", d -> "charge " + d)
                .successWhen("ok"::equals)
            .step("notify")
                .invoke(TRAVEL, d -> "mail", d -> "notify " + d)
                .successWhen("ok"::equals)
            .build();

    /** Book a flight and a hotel at the same time, then charge. */
    private static final SagaDefinition<String, String> PARALLEL_TRIP = SagaDefinition.named("parallel-trip", String.class)
            .from("trips", Serdes.String())
            .sagaId(t -> t)
            .data(Serdes.String(), t -> t)
            .inParallel(both -> both
                    .step("book-flight")
                        .invoke(TRAVEL, d -> "flight", d -> "book-flight " + d)
                        .successWhen("ok"::equals)
                        .compensate(d -> "cancel-flight " + d)
                    .step("book-hotel")
                        .invoke(TRAVEL, d -> "hotel", d -> "book-hotel " + d)
                        .successWhen("ok"::equals)
                        .compensate(d -> "cancel-hotel " + d)
                        .timeout(HOTEL_TIMEOUT))
            .step("charge")
                .invoke(TRAVEL, d -> "card", d -> "charge " + d)
                .successWhen("ok"::equals)
            .build();

    private SagaMachine<String, String> machine = machine(TRIP);
    private String definitionName = TRIP.name();
    private Optional<StoredSaga> saga = Optional.empty();
    private long now = START;

    private static SagaMachine<String, String> machine(SagaDefinition<String, String> definition) {
        return new SagaMachine<>(DefaultSagaDefinition.of(definition), RETENTION, 1_048_576, "app.saga.trip.inbox");
    }

    /** Feeds the saga one input, and keeps the state the outcome stores. */
    private Outcome feed(SagaMachine.Input input) {
        Outcome outcome = machine.apply(saga, input, now);
        outcome.saga().ifPresent(stored -> saga = Optional.of(stored));
        return outcome;
    }

    private Outcome trigger() {
        return feed(new Trigger(ID, new RecordHeaders(), utf8(ID)));
    }

    private Outcome reply(String step, Phase phase, String answer) {
        return feed(new Reply(ID, commandId(phase, step), new RecordHeaders(), utf8(answer)));
    }

    private Outcome advanceAndCheckDeadlines(Duration duration) {
        now += duration.toMillis();
        return feed(new DeadlineDue(now, START));
    }

    private String commandId(Phase phase, String step) {
        return CommandIds.of(definitionName, ID, phase, step);
    }

    private void use(SagaDefinition<String, String> definition) {
        machine = machine(definition);
        definitionName = definition.name();
    }

    private StoredSaga state() {
        return saga.orElseThrow();
    }

    /** Returns the commands an outcome sends, as their text. */
    private static List<String> sent(Outcome outcome) {
        return outcome.effects(Send.class).stream().map(send -> new String(send.value(), StandardCharsets.UTF_8)).toList();
    }

    /** Returns an outcome's log entries as "TRANSITION step". */
    private static List<String> logged(Outcome outcome) {
        return outcome.effects(Log.class).stream().map(log -> log.entry().transition() + " " + log.entry().step()).toList();
    }

    private static String header(Send send, String name) {
        Header header = send.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static boolean nothing(Outcome outcome) {
        return outcome.saga().isEmpty() && outcome.effects().isEmpty();
    }

    @Test
    void aMyelinAggregateIsAskedToAnswerOnTheSagasInboxKeyedBySagaIdAndAServiceOnItsReplyTopic() {
        Participant<String, CommandResult<String>> hotels =
                Participant.aggregate(AggregateTopics.of("app", "hotel"), Serdes.String(), Serdes.String());
        SagaDefinition<String, String> stay = SagaDefinition.named("stay", String.class)
                .from("stays", Serdes.String())
                .sagaId(t -> t)
                .data(Serdes.String(), t -> t)
                .step("book-room")
                    .invoke(hotels, d -> "room-1", d -> "book " + d)
                .step("book-flight")
                    .invoke(TRAVEL, d -> "flight", d -> "book-flight " + d)
                    .successWhen("ok"::equals)
                .build();
        machine = machine(stay);
        definitionName = stay.name();

        Send toAggregate = trigger().effects(Send.class).get(0);

        assertThat(toAggregate.topic()).isEqualTo("app.hotel.commands");
        assertThat(header(toAggregate, CommandHeaders.REPLY_TO)).as("the inbox the machine was given").isEqualTo("app.saga.trip.inbox");
        assertThat(header(toAggregate, CommandHeaders.REPLY_KEY)).isEqualTo(ID);
        Outcome booked = feed(new Reply(ID, commandId(Phase.INVOKE, "book-room"), new RecordHeaders(),
                ParticipantModel.of(hotels).encodeReply(new CommandResult.Accepted<>(1, List.of("booked")))));
        Send toService = booked.effects(Send.class).get(0);
        assertThat(header(toService, CommandHeaders.REPLY_TO)).as("a service answers on its reply topic, through the router")
                .isEqualTo("travel-replies");
        assertThat(header(toService, CommandHeaders.REPLY_KEY)).isNull();
    }

    @Test
    void theHappyPathRunsEveryStepInOrderWithTheDataEachSuccessLeaves() {
        Outcome started = trigger();

        assertThat(logged(started)).containsExactly("STARTED book-flight", "STEP_SENT book-flight");
        Send first = started.effects(Send.class).get(0);
        assertThat(first).extracting(Send::step, Send::phase, Send::attempt, Send::topic, Send::key)
                .containsExactly(0, Phase.INVOKE, 1, "travel-commands", "flight");
        assertThat(new String(first.value(), StandardCharsets.UTF_8)).isEqualTo("book-flight t-1");
        assertThat(header(first, CommandHeaders.COMMAND_ID)).isEqualTo("saga:trip:i:book-flight:t-1");
        assertThat(header(first, CommandHeaders.CORRELATION_ID)).isEqualTo(ID);
        assertThat(header(first, CommandHeaders.REPLY_TO)).isEqualTo("travel-replies");
        assertThat(header(first, SagaHeaders.COMPENSATES)).isNull();
        assertThat(started.effects(SetDeadline.class)).as("the flight step has no timeout").isEmpty();
        assertThat(state().status()).isEqualTo(SagaStatus.RUNNING);

        Outcome flight = reply("book-flight", Phase.INVOKE, "ok");
        assertThat(sent(flight)).as("the next command sees the data onSuccess left").containsExactly("book-hotel t-1+flight");
        assertThat(flight.effects(SetDeadline.class)).containsExactly(new SetDeadline(ID, START + HOTEL_TIMEOUT.toMillis()));
        assertThat(state().deadline()).isEqualTo(START + HOTEL_TIMEOUT.toMillis());

        Outcome hotel = reply("book-hotel", Phase.INVOKE, "ok");
        assertThat(sent(hotel)).containsExactly("charge t-1+flight");
        assertThat(hotel.effects(ClearDeadline.class)).containsExactly(new ClearDeadline(ID, START + HOTEL_TIMEOUT.toMillis()));
        assertThat(sent(reply("charge", Phase.INVOKE, "ok"))).containsExactly("notify t-1+flight");

        Outcome done = reply("notify", Phase.INVOKE, "ok");
        assertThat(sent(done)).isEmpty();
        assertThat(logged(done)).containsExactly("STEP_SUCCEEDED notify", "COMPLETED notify");
        assertThat(state()).extracting(StoredSaga::status, StoredSaga::completed, StoredSaga::inFlight)
                .containsExactly(SagaStatus.COMPLETED, List.of(0, 1, 2, 3), List.of());
        assertThat(done.effects(SetDeadline.class)).as("a finished saga's only deadline is its retention")
                .containsExactly(new SetDeadline(ID, START + RETENTION.toMillis()));
    }

    @Test
    void aTriggerForASagaThatExistsStartsNothing() {
        trigger();

        assertThat(nothing(trigger())).isTrue();
    }

    @Test
    void aFailingStepCompensatesTheCompletedStepsLastFirst() {
        trigger();
        reply("book-flight", Phase.INVOKE, "ok");
        reply("book-hotel", Phase.INVOKE, "ok");

        Outcome refused = reply("charge", Phase.INVOKE, "card declined");

        assertThat(logged(refused)).containsExactly("STEP_FAILED charge", "COMPENSATING charge", "COMPENSATION_SENT book-hotel");
        assertThat(sent(refused)).containsExactly("cancel-hotel t-1+flight");
        Send undo = refused.effects(Send.class).get(0);
        assertThat(undo.phase()).isEqualTo(Phase.COMPENSATE);
        assertThat(header(undo, CommandHeaders.COMMAND_ID)).isEqualTo("saga:trip:c:book-hotel:t-1");
        assertThat(header(undo, SagaHeaders.COMPENSATES)).isEqualTo("saga:trip:i:book-hotel:t-1");
        assertThat(state()).extracting(StoredSaga::status, StoredSaga::failureReason)
                .containsExactly(SagaStatus.COMPENSATING, "charge failed: failure reply: card declined");

        assertThat(sent(reply("book-hotel", Phase.COMPENSATE, "ok"))).containsExactly("cancel-flight t-1+flight");
        Outcome undone = reply("book-flight", Phase.COMPENSATE, "ok");

        assertThat(logged(undone)).containsExactly("COMPENSATION_SUCCEEDED book-flight", "COMPENSATED book-flight");
        assertThat(state()).extracting(StoredSaga::status, StoredSaga::completed)
                .containsExactly(SagaStatus.COMPENSATED, List.of());
    }

    @Test
    void aTimedOutStepIsRetriedThenCompensatedWithTheStepsBeforeIt() {
        trigger();
        reply("book-flight", Phase.INVOKE, "ok");

        Outcome timedOut = advanceAndCheckDeadlines(HOTEL_TIMEOUT);
        assertThat(logged(timedOut)).containsExactly("TIMED_OUT book-hotel");
        assertThat(sent(timedOut)).as("the retry waits out its backoff").isEmpty();
        assertThat(timedOut.effects(SetDeadline.class)).containsExactly(new SetDeadline(ID, now + BACKOFF.toMillis()));

        Outcome retried = advanceAndCheckDeadlines(BACKOFF);
        Send again = retried.effects(Send.class).get(0);
        assertThat(again).extracting(Send::step, Send::phase, Send::attempt).containsExactly(1, Phase.INVOKE, 2);
        assertThat(header(again, CommandHeaders.COMMAND_ID)).as("a retry carries the same id").isEqualTo("saga:trip:i:book-hotel:t-1");
        assertThat(header(again, SagaTopology.ATTEMPT)).isEqualTo("2");

        Outcome givenUp = advanceAndCheckDeadlines(HOTEL_TIMEOUT);
        assertThat(logged(givenUp)).containsExactly("TIMED_OUT book-hotel", "STEP_FAILED book-hotel", "COMPENSATING book-hotel",
                "COMPENSATION_SENT book-hotel");
        Send undo = givenUp.effects(Send.class).get(0);
        assertThat(new String(undo.value(), StandardCharsets.UTF_8)).as("the timed-out step may have run: it is undone first")
                .isEqualTo("cancel-hotel t-1+flight");
        assertThat(header(undo, SagaHeaders.COMPENSATES)).isEqualTo("saga:trip:i:book-hotel:t-1");
        assertThat(state()).extracting(StoredSaga::status, StoredSaga::timedOut, StoredSaga::failureReason)
                .containsExactly(SagaStatus.COMPENSATING, List.of(1), "step 'book-hotel' timed out after 2 attempt(s)");

        assertThat(sent(reply("book-hotel", Phase.COMPENSATE, "ok"))).containsExactly("cancel-flight t-1+flight");
        reply("book-flight", Phase.COMPENSATE, "ok");

        assertThat(state()).extracting(StoredSaga::status, StoredSaga::completed, StoredSaga::timedOut)
                .containsExactly(SagaStatus.COMPENSATED, List.of(), List.of());
    }

    @Test
    void aGrowingBackoffDoublesTheWaitBeforeEachNewSendUpToItsMaximum() {
        use(SagaDefinition.named("patient-trip", String.class)
                .from("trips", Serdes.String())
                .sagaId(t -> t)
                .data(Serdes.String(), t -> t)
                .step("book-hotel")
                    .invoke(TRAVEL, d -> "hotel", d -> "book-hotel " + d)
                    .successWhen("ok"::equals)
                    .timeout(HOTEL_TIMEOUT)
                    .retry(RetryPolicy.attempts(4).backoff(Duration.ofSeconds(1), Duration.ofSeconds(3)))
                .build());
        trigger();

        List<Long> waits = new java.util.ArrayList<>();
        for (int attempt = 1; attempt < 4; attempt++) {
            Outcome timedOut = advanceAndCheckDeadlines(HOTEL_TIMEOUT);
            long retryAt = timedOut.effects(SetDeadline.class).get(0).at();
            waits.add(retryAt - now);
            now = retryAt;
            Outcome resent = feed(new DeadlineDue(now, START));
            assertThat(resent.effects(Send.class)).extracting(Send::attempt).containsExactly(attempt + 1);
        }

        assertThat(waits).as("1 s, then twice that, then the 3 s maximum").containsExactly(1_000L, 2_000L, 3_000L);
    }

    @Test
    void parallelStepsAreSentTogetherAndTheNextStageWaitsForAll() {
        use(PARALLEL_TRIP);

        Outcome started = trigger();
        assertThat(sent(started)).containsExactly("book-flight t-1", "book-hotel t-1");
        assertThat(state().inFlight()).extracting(StoredSaga.Branch::step).containsExactly(0, 1);

        Outcome flight = reply("book-flight", Phase.INVOKE, "ok");
        assertThat(sent(flight)).as("the join waits for the hotel").isEmpty();
        assertThat(state().status()).isEqualTo(SagaStatus.RUNNING);

        Outcome hotel = reply("book-hotel", Phase.INVOKE, "ok");
        assertThat(sent(hotel)).containsExactly("charge t-1");
        assertThat(state()).extracting(StoredSaga::step, StoredSaga::completed).containsExactly(2, List.of(0, 1));
    }

    @Test
    void aFailedParallelStepWaitsForTheOthersInFlightThenUndoesWhatSucceeded() {
        use(PARALLEL_TRIP);
        trigger();

        Outcome refused = reply("book-flight", Phase.INVOKE, "no seats");
        assertThat(logged(refused)).containsExactly("STEP_FAILED book-flight", "COMPENSATING book-flight");
        assertThat(sent(refused)).as("nothing is undone while the hotel may still answer").isEmpty();
        assertThat(state().status()).isEqualTo(SagaStatus.COMPENSATING);

        Outcome hotel = reply("book-hotel", Phase.INVOKE, "ok");
        assertThat(sent(hotel)).as("the refused flight needs no undo").containsExactly("cancel-hotel t-1");
        reply("book-hotel", Phase.COMPENSATE, "ok");

        assertThat(state()).extracting(StoredSaga::status, StoredSaga::failureReason)
                .containsExactly(SagaStatus.COMPENSATED, "book-flight failed: failure reply: no seats");
    }

    @Test
    void theCompletedPivotStepIsNotUndoneButTheStepsBeforeItAre() {
        trigger();
        reply("book-flight", Phase.INVOKE, "ok");
        reply("book-hotel", Phase.INVOKE, "ok");
        reply("charge", Phase.INVOKE, "ok");

        Outcome refused = reply("notify", Phase.INVOKE, "mailbox full");
        assertThat(sent(refused)).as("charge has no compensation: the undo starts before it").containsExactly("cancel-hotel t-1+flight");
        reply("book-hotel", Phase.COMPENSATE, "ok");
        Outcome undone = reply("book-flight", Phase.COMPENSATE, "ok");

        assertThat(logged(undone)).endsWith("COMPENSATED book-flight");
        assertThat(state()).extracting(StoredSaga::status, StoredSaga::completed)
                .as("the pivot stays done").containsExactly(SagaStatus.COMPENSATED, List.of(2));
    }

    @Test
    void aReplyAfterTheStepTimedOutIsIgnored() {
        trigger();
        reply("book-flight", Phase.INVOKE, "ok");
        advanceAndCheckDeadlines(HOTEL_TIMEOUT);
        advanceAndCheckDeadlines(BACKOFF);
        advanceAndCheckDeadlines(HOTEL_TIMEOUT);
        StoredSaga compensating = state();

        assertThat(nothing(reply("book-hotel", Phase.INVOKE, "ok"))).as("the saga moved on to undoing the hotel").isTrue();
        assertThat(state()).isSameAs(compensating);

        reply("book-hotel", Phase.COMPENSATE, "ok");
        reply("book-flight", Phase.COMPENSATE, "ok");
        assertThat(nothing(reply("book-flight", Phase.INVOKE, "ok"))).as("a finished saga takes no replies").isTrue();
        assertThat(state().status()).isEqualTo(SagaStatus.COMPENSATED);
    }

    @Test
    void aDuplicateReplyIsIgnored() {
        trigger();
        reply("book-flight", Phase.INVOKE, "ok");
        StoredSaga afterFirst = state();

        assertThat(nothing(reply("book-flight", Phase.INVOKE, "ok"))).isTrue();
        assertThat(nothing(reply("book-flight", Phase.INVOKE, "no"))).as("nor does a second, different answer count").isTrue();
        assertThat(state()).isSameAs(afterFirst);
    }

    @Test
    void aFaultMarksTheSagaFailedWithItsReasonAndOnlyItsRetentionLeft() {
        trigger();
        reply("book-flight", Phase.INVOKE, "ok");

        Outcome failed = feed(new SagaMachine.Fault("x".repeat(3_000)));

        String reason = "x".repeat(2_000) + " ... (cut)";
        assertThat(failed.effects(Failed.class)).containsExactly(new Failed(reason));
        assertThat(logged(failed)).containsExactly("FAILED book-hotel");
        assertThat(failed.effects()).contains(new ClearDeadline(ID, START + HOTEL_TIMEOUT.toMillis()),
                new SetDeadline(ID, START + RETENTION.toMillis()));
        assertThat(state()).extracting(StoredSaga::status, StoredSaga::failureReason).containsExactly(SagaStatus.FAILED, reason);
        assertThat(nothing(feed(new SagaMachine.Fault("again")))).as("a final saga stays as it is").isTrue();
    }

    @Test
    void aCommandThatCannotBeMadeFailsItsStep() {
        machine = new SagaMachine<>(DefaultSagaDefinition.of(TRIP), RETENTION, 64, "app.saga.trip.inbox");

        Outcome started = trigger();

        assertThat(sent(started)).as("over max.request.size").isEmpty();
        assertThat(logged(started)).containsExactly("STARTED book-flight", "STEP_FAILED book-flight", "COMPENSATING book-flight",
                "COMPENSATED book-flight");
        assertThat(state().failureReason()).startsWith("cannot make the command of step 'book-flight'").contains("max.request.size");
    }
}
