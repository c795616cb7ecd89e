package dev.myelin.sagas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.RetryPolicy;

/** The rules a saga definition is checked against: one test per rule. */
class SagaDefinitionTest {

    static final Participant<String, CommandResult<String>> CUSTOMERS =
            Participant.aggregate(AggregateTopics.of("shop", "customer"), Serdes.String(), Serdes.String());
    static final Participant<String, CommandResult<String>> STOCK =
            Participant.aggregate(AggregateTopics.of("shop", "stock"), Serdes.String(), Serdes.String());
    static final Participant<String, String> PAYMENTS =
            Participant.service("payments", "payments.requests", Serdes.String(), "payments.replies", Serdes.String());

    static SagaDefinition.StepsStage<String, String> saga() {
        return SagaDefinition.named("place-order", String.class)
                .from("shop.order.events", Serdes.String())
                .sagaId(e -> e)
                .data(Serdes.String(), e -> e);
    }

    @Test
    void aSagaWithOneStepBuilds() {
        SagaDefinition<String, String> definition = saga().step("reserve").invoke(CUSTOMERS, d -> d, d -> "reserve " + d).build();

        assertThat(definition.name()).isEqualTo("place-order");
        assertThat(definition.triggerType()).isEqualTo(String.class);
        assertThat(definition.triggerTopic()).isEqualTo("shop.order.events");
        assertThat(definition.stepNames()).containsExactly("reserve");
    }

    @Test
    void twoStepsWithOneNameAreRejected() {
        SagaDefinition.StepStage<String, String, String, CommandResult<String>> stage = saga()
                .step("reserve").invoke(CUSTOMERS, d -> d, d -> "a").compensate(d -> "undo a")
                .step("reserve").invoke(STOCK, d -> d, d -> "b");

        assertThatThrownBy(stage::build)
                .isInstanceOf(InvalidSagaDefinitionException.class)
                .hasMessageContaining("saga 'place-order'")
                .hasMessageContaining("two steps are named 'reserve'");
    }

    @Test
    void aCompensationOnTheLastStepIsRejected() {
        SagaDefinition.StepStage<String, String, String, CommandResult<String>> stage = saga()
                .step("reserve").invoke(CUSTOMERS, d -> d, d -> "a").compensate(d -> "undo a");

        assertThatThrownBy(stage::build)
                .isInstanceOf(InvalidSagaDefinitionException.class)
                .hasMessageContaining("the last step 'reserve' has a compensation, which could never run")
                .hasMessageContaining("add a timeout");
    }

    @Test
    void aCompensationOnALastStepWithATimeoutIsAccepted() {
        // the last step can time out, and its command may still run late: then its compensation runs
        SagaDefinition<String, String> definition = saga()
                .step("reserve").invoke(CUSTOMERS, d -> d, d -> "a").compensate(d -> "undo a").timeout(java.time.Duration.ofSeconds(5))
                .build();

        assertThat(definition.stepNames()).containsExactly("reserve");
        assertThat(definition.toMermaid()).contains("s0 --> c0 : times out\n", "c0 --> COMPENSATED\n");
    }

    @Test
    void aServiceStepWithoutAReplyMappingIsRejected() {
        SagaDefinition.StepStage<String, String, String, String> stage = saga()
                .step("charge").invoke(PAYMENTS, d -> d, d -> "charge");

        assertThatThrownBy(stage::build)
                .isInstanceOf(InvalidSagaDefinitionException.class)
                .hasMessageContaining("step 'charge' has no reply mapping")
                .hasMessageContaining("successWhen");
    }

    @Test
    void aServiceStepWithAReplyMappingBuilds() {
        SagaDefinition<String, String> definition = saga()
                .step("charge").invoke(PAYMENTS, d -> d, d -> "charge").successWhen("ok"::equals)
                .build();

        assertThat(definition.stepNames()).containsExactly("charge");
    }

    @Test
    void aServiceStepWithOnReplyBuilds() {
        SagaDefinition<String, String> definition = saga()
                .step("charge").invoke(PAYMENTS, d -> d, d -> "charge").onReply(String.class, (d, reply) -> d + " paid")
                .build();

        assertThat(definition.stepNames()).containsExactly("charge");
    }

    @Test
    void onReplyWithSuccessWhenOrOnSuccessIsRejected() {
        SagaDefinition.StepStage<String, String, String, String> stage = saga()
                .step("charge").invoke(PAYMENTS, d -> d, d -> "charge")
                .onReply(String.class, (d, reply) -> d).successWhen("ok"::equals).onSuccess((d, reply) -> d);

        assertThatThrownBy(stage::build)
                .isInstanceOf(InvalidSagaDefinitionException.class)
                .hasMessageContaining("step 'charge' has onReply(...) and successWhen(...) and onSuccess(...)")
                .hasMessageContaining("use one or the other");
    }

    @Test
    void onEventWithOnSuccessIsRejected() {
        SagaDefinition.StepStage<String, String, String, CommandResult<String>> stage = saga()
                .step("reserve").invoke(CUSTOMERS, d -> d, d -> "a").onEvent(String.class, (d, e) -> d).onSuccess((d, r) -> d);

        assertThatThrownBy(stage::build)
                .isInstanceOf(InvalidSagaDefinitionException.class)
                .hasMessageContaining("step 'reserve' has onEvent(...) and onSuccess(...)");
    }

    @Test
    void onEventOnAServiceIsRejected() {
        SagaDefinition.StepStage<String, String, String, String> stage = saga()
                .step("charge").invoke(PAYMENTS, d -> d, d -> "charge").successWhen("ok"::equals).onEvent(String.class, (d, e) -> d);

        assertThatThrownBy(stage::build)
                .isInstanceOf(InvalidSagaDefinitionException.class)
                .hasMessageContaining("participant 'payments' is a service, whose replies carry no events");
    }

    @Test
    void onReplyForOneTypeTwiceFails() {
        SagaDefinition.StepStage<String, String, String, String> stage = saga()
                .step("charge").invoke(PAYMENTS, d -> d, d -> "charge").onReply(String.class, (d, reply) -> d);

        assertThatThrownBy(() -> stage.onReply(String.class, (d, reply) -> d))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("onReply(String.class, ...) of step 'charge' was already set");
    }

    @Test
    void retriesWithoutATimeoutAreRejected() {
        SagaDefinition.StepStage<String, String, String, CommandResult<String>> stage = saga()
                .step("reserve").invoke(CUSTOMERS, d -> d, d -> "a").retry(RetryPolicy.attempts(3));

        assertThatThrownBy(stage::build)
                .isInstanceOf(InvalidSagaDefinitionException.class)
                .hasMessageContaining("step 'reserve' retries 3 times but has no timeout");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        SagaDefinition.StepStage<String, String, String, String> stage = saga()
                .step("reserve").invoke(CUSTOMERS, d -> d, d -> "a").retry(RetryPolicy.attempts(2))
                .step("reserve").invoke(PAYMENTS, d -> d, d -> "b");

        assertThatThrownBy(stage::build)
                .hasMessageContaining("two steps are named 'reserve'")
                .hasMessageContaining("retries 2 times but has no timeout")
                .hasMessageContaining("has no reply mapping");
    }

    @Test
    void anOptionSetTwiceOnOneStepFails() {
        SagaDefinition.StepStage<String, String, String, CommandResult<String>> stage = saga()
                .step("reserve").invoke(CUSTOMERS, d -> d, d -> "a").timeout(Duration.ofSeconds(1));

        assertThatThrownBy(() -> stage.timeout(Duration.ofSeconds(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("timeout of step 'reserve' was already set to PT1S");
    }

    @Test
    void aCompensationSetTwiceFails() {
        SagaDefinition.StepStage<String, String, String, CommandResult<String>> stage = saga()
                .step("reserve").invoke(CUSTOMERS, d -> d, d -> "a").compensate(d -> "undo");

        assertThatThrownBy(() -> stage.compensate(d -> "undo again"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("compensate of step 'reserve' was already set");
    }

    @Test
    void aTimeoutThatIsNotPositiveIsRejected() {
        SagaDefinition.StepStage<String, String, String, CommandResult<String>> stage = saga()
                .step("reserve").invoke(CUSTOMERS, d -> d, d -> "a");

        assertThatThrownBy(() -> stage.timeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be positive");
    }

    @Test
    void aSagaNameThatCannotBePartOfATopicNameIsRejected() {
        assertThatThrownBy(() -> SagaDefinition.named("Place Order", String.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("saga name must match");
    }

    @Test
    void aStepNameThatCannotBePartOfACommandIdIsRejected() {
        assertThatThrownBy(() -> saga().step("reserve:credit"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("step name must match");
    }

    @Test
    void aParticipantNotMadeByMyelinIsRejected() {
        Participant<String, String> foreign = new Participant<>() {
            @Override
            public String name() {
                return "foreign";
            }

            @Override
            public String commandTopic() {
                return "in";
            }

            @Override
            public String replyTopic() {
                return "out";
            }

            @Override
            public String decodeCommand(Headers headers, byte[] value) {
                return new String(value, StandardCharsets.UTF_8);
            }

            @Override
            public byte[] encodeReply(String reply) {
                return reply.getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public String replyKey(String commandId) {
                return commandId;
            }
        };

        assertThatThrownBy(() -> saga().step("foreign").invoke(foreign, d -> d, d -> d))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Participant.aggregate(...) or Participant.service(...)");
    }

    @Test
    void theBuilderStaysUsableAfterBuild() {
        SagaDefinition.StepStage<String, String, String, CommandResult<String>> first = saga()
                .step("reserve").invoke(CUSTOMERS, d -> d, d -> "a");
        SagaDefinition<String, String> one = first.build();
        SagaDefinition<String, String> two = first.step("approve").invoke(STOCK, d -> d, d -> "b").build();

        assertThat(one.stepNames()).containsExactly("reserve");
        assertThat(two.stepNames()).containsExactly("reserve", "approve");
    }

    @Test
    @SuppressWarnings("deprecation")
    void theDeprecatedSagaRetryPolicyStillSetsTheRetries() {
        SagaDefinition.StepStage<String, String, String, CommandResult<String>> stage = saga()
                .step("reserve").invoke(CUSTOMERS, d -> d, d -> "a")
                .retry(dev.myelin.sagas.RetryPolicy.attempts(2).backoff(Duration.ofMillis(5)));

        assertThatThrownBy(stage::build)
                .isInstanceOf(InvalidSagaDefinitionException.class)
                .hasMessageContaining("step 'reserve' retries 2 times but has no timeout");
    }

    // ---- parallel groups

    @Test
    void aParallelGroupBuildsWithItsStepsInOrderBetweenTheStepsAroundIt() {
        SagaDefinition<String, String> definition = saga()
                .step("check").invoke(STOCK, d -> d, d -> "check")
                .inParallel(both -> both
                        .step("reserve-credit").invoke(CUSTOMERS, d -> d, d -> "a").compensate(d -> "undo a")
                        .step("reserve-stock").invoke(STOCK, d -> d, d -> "b").compensate(d -> "undo b").timeout(Duration.ofSeconds(5)))
                .step("approve").invoke(CUSTOMERS, d -> d, d -> "approve")
                .build();

        assertThat(definition.stepNames()).containsExactly("check", "reserve-credit", "reserve-stock", "approve");
        assertThat(definition).hasToString("SagaDefinition[place-order: check -> (reserve-credit | reserve-stock) -> approve]");
    }

    @Test
    void aParallelGroupMayEndTheSagaWithCompensationsSinceAStepOfItCanFailAfterAnother() {
        SagaDefinition<String, String> definition = saga()
                .inParallel(both -> both
                        .step("reserve-credit").invoke(CUSTOMERS, d -> d, d -> "a").compensate(d -> "undo a")
                        .step("reserve-stock").invoke(STOCK, d -> d, d -> "b").compensate(d -> "undo b"))
                .build();

        assertThat(definition.stepNames()).containsExactly("reserve-credit", "reserve-stock");
    }

    @Test
    void anEmptyParallelGroupIsRejected() {
        SagaDefinition.NextStage<String, String> stage = saga()
                .step("check").invoke(STOCK, d -> d, d -> "check")
                .inParallel(nothing -> { });

        assertThatThrownBy(stage::build)
                .isInstanceOf(InvalidSagaDefinitionException.class)
                .hasMessageContaining("the parallel group after step 'check' has no steps")
                .hasMessageContaining("two or more steps");
    }

    @Test
    void aParallelGroupOfOneStepIsRejected() {
        SagaDefinition.NextStage<String, String> stage = saga()
                .inParallel(one -> one.step("reserve").invoke(CUSTOMERS, d -> d, d -> "a"));

        assertThatThrownBy(stage::build)
                .isInstanceOf(InvalidSagaDefinitionException.class)
                .hasMessageContaining("the parallel group after the trigger has one step")
                .hasMessageContaining("make the one step a plain .step(...)");
    }

    @Test
    void aStepNameUsedInAGroupAndOutsideItIsRejected() {
        SagaDefinition.NextStage<String, String> stage = saga()
                .step("reserve").invoke(CUSTOMERS, d -> d, d -> "a").compensate(d -> "undo a")
                .inParallel(both -> both
                        .step("reserve").invoke(STOCK, d -> d, d -> "b")
                        .step("approve").invoke(CUSTOMERS, d -> d, d -> "c"));

        assertThatThrownBy(stage::build)
                .isInstanceOf(InvalidSagaDefinitionException.class)
                .hasMessageContaining("two steps are named 'reserve'");
    }

    @Test
    void aGroupStepWithoutACommandIsRejected() {
        SagaDefinition.NextStage<String, String> stage = saga()
                .inParallel(both -> {
                    both.step("reserve-credit").invoke(CUSTOMERS, d -> d, d -> "a");
                    both.step("reserve-stock");
                });

        assertThatThrownBy(stage::build)
                .isInstanceOf(InvalidSagaDefinitionException.class)
                .hasMessageContaining("step 'reserve-stock' of a parallel group says nothing to do")
                .hasMessageContaining(".invoke(participant, target, command)");
    }

    @Test
    void aGroupStepFollowsTheRulesOfEveryStep() {
        SagaDefinition.NextStage<String, String> stage = saga()
                .inParallel(both -> both
                        .step("charge").invoke(PAYMENTS, d -> d, d -> "charge")
                        .step("reserve").invoke(CUSTOMERS, d -> d, d -> "a").retry(RetryPolicy.attempts(3)));

        assertThatThrownBy(stage::build)
                .isInstanceOf(InvalidSagaDefinitionException.class)
                .hasMessageContaining("step 'charge' has no reply mapping")
                .hasMessageContaining("step 'reserve' retries 3 times but has no timeout");
    }

    @Test
    void aStepCannotJoinAGroupAfterItWasBuilt() {
        java.util.concurrent.atomic.AtomicReference<SagaDefinition.ParallelSteps<String>> leaked = new java.util.concurrent.atomic.AtomicReference<>();
        saga().inParallel(both -> {
            leaked.set(both);
            both.step("a").invoke(CUSTOMERS, d -> d, d -> "a").step("b").invoke(STOCK, d -> d, d -> "b");
        });

        assertThatThrownBy(() -> leaked.get().step("late"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("after inParallel(...) returned");
    }

    // ---- the overall limit

    @Test
    void aTimeLimitMustBePositive() {
        assertThatThrownBy(() -> SagaDefinition.named("place-order", String.class).from("t", Serdes.String()).sagaId(e -> e)
                .data(Serdes.String(), e -> e).completeWithin(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the time limit of saga place-order must be positive");
    }
}
