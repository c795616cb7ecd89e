package dev.myelin.sagas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.sagas.shop.Shop;

/** {@link SagaDefinition#toMermaid()}: steps, parallel groups as forks and joins, the success path and the compensation path. */
class MermaidTest {

    static final Participant<String, CommandResult<String>> CUSTOMERS =
            Participant.aggregate(AggregateTopics.of("shop", "customer"), Serdes.String(), Serdes.String());
    static final Participant<String, CommandResult<String>> STOCK =
            Participant.aggregate(AggregateTopics.of("shop", "stock"), Serdes.String(), Serdes.String());
    static final Participant<String, CommandResult<String>> ORDERS =
            Participant.aggregate(AggregateTopics.of("shop", "order"), Serdes.String(), Serdes.String());

    @Test
    void rendersTheOrderSagaWithItsSuccessAndCompensationPaths() {
        SagaDefinition<String, String> placeOrder = SagaDefinition.named("place-order", String.class)
                .from("shop.order.events", Serdes.String())
                .sagaId(e -> e)
                .data(Serdes.String(), e -> e)
                .step("reserve-credit").invoke(CUSTOMERS, d -> d, d -> "reserve credit").compensate(d -> "release credit")
                .step("reserve-stock").invoke(STOCK, d -> d, d -> "reserve stock").compensate(d -> "release stock")
                    .timeout(Duration.ofSeconds(5))
                .step("approve").invoke(ORDERS, d -> d, d -> "approve")
                .build();

        assertThat(placeOrder.toMermaid()).isEqualTo("""
                stateDiagram-v2
                    state "reserve-credit (shop.customer)" as s0
                    state "undo reserve-credit" as c0
                    state "reserve-stock (shop.stock)" as s1
                    state "undo reserve-stock" as c1
                    state "approve (shop.order)" as s2
                    [*] --> s0 : String
                    s0 --> s1 : success
                    s1 --> s2 : success
                    s2 --> COMPLETED : success
                    s0 --> COMPENSATED : failure
                    c0 --> COMPENSATED
                    c0 --> FAILED : fails
                    s1 --> c0 : failure
                    s1 --> c1 : times out
                    c1 --> c0
                    c1 --> FAILED : fails
                    s2 --> c1 : failure
                    COMPLETED --> [*]
                    COMPENSATED --> [*]
                    FAILED --> [*]
                    classDef undo fill:#fdecea,stroke:#b03a2e
                    class c0, c1 undo
                """);
    }

    @Test
    void drawsAParallelGroupAsAForkAndAJoinAndUndoesItFromItsLastStep() {
        SagaDefinition<String, String> placeOrder = SagaDefinition.named("place-order", String.class)
                .from("shop.order.events", Serdes.String())
                .sagaId(e -> e)
                .data(Serdes.String(), e -> e)
                .inParallel(both -> both
                        .step("reserve-credit").invoke(CUSTOMERS, d -> d, d -> "reserve credit").compensate(d -> "release credit")
                        .step("reserve-stock").invoke(STOCK, d -> d, d -> "reserve stock").compensate(d -> "release stock")
                            .timeout(Duration.ofSeconds(5)))
                .step("approve").invoke(ORDERS, d -> d, d -> "approve")
                .build();

        assertThat(placeOrder.toMermaid()).isEqualTo("""
                stateDiagram-v2
                    state "reserve-credit (shop.customer)" as s0
                    state "undo reserve-credit" as c0
                    state "reserve-stock (shop.stock)" as s1
                    state "undo reserve-stock" as c1
                    state "approve (shop.order)" as s2
                    state fork0 <<fork>>
                    state join0 <<join>>
                    [*] --> fork0 : String
                    fork0 --> s0
                    fork0 --> s1
                    s0 --> join0 : success
                    s1 --> join0 : success
                    join0 --> s2
                    s2 --> COMPLETED : success
                    s0 --> c1 : failure
                    c0 --> COMPENSATED
                    c0 --> FAILED : fails
                    s1 --> c0 : failure
                    s1 --> c1 : times out
                    c1 --> c0
                    c1 --> FAILED : fails
                    s2 --> c1 : failure
                    COMPLETED --> [*]
                    COMPENSATED --> [*]
                    FAILED --> [*]
                    classDef undo fill:#fdecea,stroke:#b03a2e
                    class c0, c1 undo
                """);
    }

    @Test
    void aGroupBetweenStepsForksFromTheStepBeforeAndJoinsIntoTheStepAfter() {
        SagaDefinition<String, String> saga = SagaDefinition.named("ship", String.class)
                .from("t", Serdes.String())
                .sagaId(e -> e)
                .data(Serdes.String(), e -> e)
                .step("charge").invoke(CUSTOMERS, d -> d, d -> "charge").compensate(d -> "refund")
                .inParallel(three -> three
                        .step("pick").invoke(STOCK, d -> d, d -> "pick")
                        .step("label").invoke(ORDERS, d -> d, d -> "label")
                        .step("notify").invoke(CUSTOMERS, d -> d, d -> "notify"))
                .inParallel(two -> two
                        .step("ship").invoke(ORDERS, d -> d, d -> "ship")
                        .step("invoice").invoke(CUSTOMERS, d -> d, d -> "invoice"))
                .build();

        assertThat(saga.toMermaid())
                .contains("state fork1 <<fork>>\n", "state join1 <<join>>\n", "state fork2 <<fork>>\n", "state join2 <<join>>\n")
                .contains("s0 --> fork1 : success\n", "fork1 --> s1\n", "fork1 --> s2\n", "fork1 --> s3\n", "s3 --> join1 : success\n")
                .contains("join1 --> fork2\n", "fork2 --> s4\n", "s5 --> join2 : success\n", "join2 --> COMPLETED\n")
                .contains("s2 --> c0 : failure\n", "s5 --> c0 : failure\n")
                .doesNotContain("fork0", "join0");
    }

    @Test
    void theModuleReadmeShowsTheOrderSagasAsTheyAreDefined() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        String first = mermaidBlockAfter(readme, 0);
        String second = mermaidBlockAfter(readme, readme.indexOf(first) + first.length());

        assertThat(first).isEqualTo(Shop.placeOrder("shop", Shop.singleObject(), Duration.ofSeconds(5)).toMermaid());
        assertThat(second).isEqualTo(Shop.placeOrderInParallel("shop", Shop.singleObject(), Duration.ofSeconds(5)).toMermaid());
    }

    private static String mermaidBlockAfter(String text, int from) {
        String block = text.substring(text.indexOf("```mermaid\n", from) + "```mermaid\n".length());
        return block.substring(0, block.indexOf("```"));
    }

    @Test
    void aStepWithoutCompensationIsSkippedOnTheWayBack() {
        SagaDefinition<String, String> saga = SagaDefinition.named("check-then-charge", String.class)
                .from("t", Serdes.String())
                .sagaId(e -> e)
                .data(Serdes.String(), e -> e)
                .step("charge").invoke(CUSTOMERS, d -> d, d -> "charge").compensate(d -> "refund")
                .step("check").invoke(STOCK, d -> d, d -> "check")
                .step("ship").invoke(ORDERS, d -> d, d -> "ship")
                .build();

        assertThat(saga.toMermaid())
                .contains("s2 --> c0 : failure\n")
                .contains("s1 --> c0 : failure\n")
                .doesNotContain("c1");
    }
}
