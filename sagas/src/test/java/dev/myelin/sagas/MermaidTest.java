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

/** {@link SagaDefinition#toMermaid()}: steps, the success path and the compensation path. */
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
                flowchart TD
                    trigger(["String"])
                    s0["reserve-credit<br/><small>shop.customer</small>"]
                    c0["undo reserve-credit"]
                    s1["reserve-stock<br/><small>shop.stock</small>"]
                    c1["undo reserve-stock"]
                    s2["approve<br/><small>shop.order</small>"]
                    completed([COMPLETED])
                    compensated([COMPENSATED])
                    failed([FAILED])
                    trigger --> s0
                    s0 -->|success| s1
                    s1 -->|success| s2
                    s2 -->|success| completed
                    s0 -.->|failure| compensated
                    c0 -.-> compensated
                    c0 -.->|fails| failed
                    s1 -.->|failure| c0
                    s1 -.->|times out| c1
                    c1 -.-> c0
                    c1 -.->|fails| failed
                    s2 -.->|failure| c1
                """);
    }

    @Test
    void theModuleReadmeShowsTheOrderSagaAsItIsDefined() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        String block = readme.substring(readme.indexOf("```mermaid\n") + "```mermaid\n".length());
        block = block.substring(0, block.indexOf("```"));

        assertThat(block).isEqualTo(Shop.placeOrder("shop", Shop.singleObject(), Duration.ofSeconds(5)).toMermaid());
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
                .contains("s2 -.->|failure| c0\n")
                .contains("s1 -.->|failure| c0\n")
                .doesNotContain("c1");
    }
}
