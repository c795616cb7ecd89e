package dev.myelin.processors;

import static dev.myelin.processors.Bank.EVENTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.util.List;

import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.RetryPolicy;
import dev.myelin.processors.bank.Balance;
import dev.myelin.processors.bank.Deposited;
import dev.myelin.schemas.InMemorySchemaRegistry;

/** The projection DSL: what a definition holds and every rule it checks. */
class ProjectionBuilderTest {

    private final Bank bank = new Bank(new InMemorySchemaRegistry());

    private Projection.Handlers<String, SpecificRecord, Balance> noHandlers() {
        return Projection.named("balances").from(EVENTS, bank.events).initially(() -> new Balance(0L, 0, 0L), bank.balances);
    }

    @Test
    void buildsADefinitionWithDefaults() {
        Projection<String, Balance> projection = bank.balances("balances").build();

        assertThat(projection.name()).isEqualTo("balances");
        assertThat(projection.version()).isEqualTo(1);
        assertThat(projection.sourceTopics()).containsExactly(EVENTS);
        assertThat(projection.deadLetterTopic()).isEqualTo("balances.dead-letters");
        assertThat(projection.publishTopic()).isEmpty();
        assertThat(dev.myelin.processors.internal.ProjectionDefinition.of(projection).inputTopics())
                .containsExactly(EVENTS, "balances.redrive");
    }

    @Test
    void takesTheGivenTopicsVersionAndOutputs() {
        Projection<String, Balance> projection = bank.balances("balances")
                .publishTo("bank.balances").deadLettersTo("bank.balances.dlq").version(3).build();

        assertThat(projection.version()).isEqualTo(3);
        assertThat(projection.publishTopic()).contains("bank.balances");
        assertThat(projection.deadLetterTopic()).isEqualTo("bank.balances.dlq");
    }

    @Test
    void readsSeveralSourceTopics() {
        Projection<String, Balance> projection = Projection.named("balances")
                .from(List.of(EVENTS, "bank.savings.events"), bank.events)
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (b, e, m) -> b)
                .build();

        assertThat(projection.sourceTopics()).containsExactly(EVENTS, "bank.savings.events");
    }

    @Test
    void rejectsAnIllegalName() {
        assertThatIllegalArgumentException().isThrownBy(() -> Projection.named("account balances"))
                .withMessageContaining("projection name 'account balances' is not legal");
        assertThatIllegalArgumentException().isThrownBy(() -> Projection.named(""));
        assertThatIllegalArgumentException().isThrownBy(() -> Projection.named("x".repeat(201)));
        assertThatNullPointerException().isThrownBy(() -> Projection.named(null));
    }

    @Test
    void rejectsAnIllegalSourceTopic() {
        assertThatIllegalArgumentException().isThrownBy(() -> Projection.named("balances").from("bank/events", bank.events))
                .withMessageContaining("source topic 'bank/events' is not legal");
    }

    @Test
    void rejectsNoSourceTopicsAndDuplicates() {
        assertThatIllegalArgumentException().isThrownBy(() -> Projection.named("balances").from(List.of(), bank.events))
                .withMessageContaining("needs at least one source topic");
        assertThatIllegalArgumentException().isThrownBy(() -> Projection.named("balances").from(List.of(EVENTS, EVENTS), bank.events))
                .withMessageContaining("named twice");
    }

    @Test
    void rejectsASecondHandlerForTheSameType() {
        Projection.Handlers<String, SpecificRecord, Balance> handlers = noHandlers().on(Deposited.class, (b, e, m) -> b);

        assertThatIllegalStateException().isThrownBy(() -> handlers.on(Deposited.class, (b, e, m) -> b))
                .withMessageContaining("already has a handler for dev.myelin.processors.bank.Deposited");
    }

    @Test
    void rejectsASecondHandlerForTheSameTypeName() {
        Projection.Handlers<String, SpecificRecord, Balance> handlers = noHandlers().onType("Deposited", (b, e, m) -> b);

        assertThatIllegalStateException().isThrownBy(() -> handlers.onType("Deposited", (b, e, m) -> b))
                .withMessageContaining("already has a handler for event type Deposited");
    }

    @Test
    void rejectsABlankTypeName() {
        assertThatIllegalArgumentException().isThrownBy(() -> noHandlers().onType(" ", (b, e, m) -> b))
                .withMessage("event type must not be blank");
    }

    @Test
    void acceptsAProjectionWithTypeHandlersOnly() {
        assertThat(noHandlers().onType("Deposited", (b, e, m) -> b).build().name()).isEqualTo("balances");
    }

    @Test
    void rejectsAProjectionWithoutHandlers() {
        assertThatIllegalStateException().isThrownBy(() -> noHandlers().build())
                .withMessageContaining("projection balances has no handlers; add one per event type with .on(");
    }

    @Test
    void rejectsOutputsThatAreSourceTopics() {
        assertThatIllegalStateException().isThrownBy(() -> bank.balances("balances").publishTo(EVENTS).build())
                .withMessageContaining("would write to its own source topic " + EVENTS);
        assertThatIllegalStateException().isThrownBy(() -> bank.balances("balances").deadLettersTo(EVENTS).build())
                .withMessageContaining("would write to its own source topic " + EVENTS);
    }

    @Test
    void rejectsTheReDriveTopicAsAnotherTopic() {
        assertThatIllegalStateException().isThrownBy(() -> bank.balances("balances").publishTo("balances.redrive").build())
                .withMessageContaining("topic balances.redrive is projection balances's re-drive topic");
    }

    @Test
    void rejectsPublishingAndDeadLetteringToOneTopic() {
        assertThatIllegalStateException()
                .isThrownBy(() -> bank.balances("balances").publishTo("out").deadLettersTo("out").build())
                .withMessageContaining("same topic out");
    }

    @Test
    void rejectsAVersionBelowOne() {
        assertThatIllegalArgumentException().isThrownBy(() -> bank.balances("balances").version(0))
                .withMessage("version must be 1 or more: 0");
    }

    @Test
    void rejectsEachOptionSetTwice() {
        assertThatIllegalStateException().isThrownBy(() -> bank.balances("b").version(1).version(2))
                .withMessage("version was already set to 1");
        assertThatIllegalStateException().isThrownBy(() -> bank.balances("b").publishTo("x").publishTo("y"))
                .withMessage("publish topic was already set to x");
        assertThatIllegalStateException().isThrownBy(() -> bank.balances("b").deadLettersTo("x").deadLettersTo("y"))
                .withMessage("dead-letter topic was already set to x");
        assertThatIllegalStateException()
                .isThrownBy(() -> bank.balances("b").onError(ErrorPolicy.FAIL_FAST).onError(ErrorPolicy.DEAD_LETTER))
                .withMessage("error policy was already set to FAIL_FAST");
        assertThatIllegalStateException()
                .isThrownBy(() -> bank.balances("b").retry(RetryPolicy.none()).retry(RetryPolicy.attempts(2)))
                .withMessageContaining("retry policy was already set to");
    }

    @Test
    void rejectsNullArguments() {
        assertThatNullPointerException().isThrownBy(() -> Projection.named("b").from(EVENTS, null));
        assertThatNullPointerException().isThrownBy(() -> Projection.named("b").from(EVENTS, bank.events).initially(null, bank.balances));
        assertThatNullPointerException().isThrownBy(() -> noHandlers().on(Deposited.class, null));
        assertThatNullPointerException().isThrownBy(() -> noHandlers().onError(null));
    }

    @Test
    void leavesTheBuilderUsableAfterBuild() {
        Projection.Handlers<String, SpecificRecord, Balance> builder = bank.balances("balances");
        Projection<String, Balance> first = builder.build();
        Projection<String, Balance> second = builder.version(2).build();

        assertThat(first.version()).isEqualTo(1);
        assertThat(second.version()).isEqualTo(2);
    }
}
