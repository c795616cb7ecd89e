package dev.myelin.sagas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;

import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.sagas.shop.Shop;

/** The rules of {@link SagaRuntime.Builder}, and the topology it builds; no broker needed. */
class SagaRuntimeBuilderTest {
    static final MyelinConfig CONFIG = MyelinConfig.builder("shop").bootstrapServers("127.0.0.1:9").singleBrokerDevMode().build();

    static SagaRuntime.Builder<?, ?> builder() {
        return SagaRuntime.builder(Shop.placeOrder("shop", Shop.singleObject(), Duration.ofSeconds(5)), CONFIG);
    }

    @Test
    void theTopologyReadsTriggersAndRepliesAndWritesCommandsAndTheLog() {
        TopologyDescription description = builder().topology().describe();

        String text = description.toString();
        assertThat(text).contains("topics: [shop.order.events]", "shop.customer.command-results", "shop.stock.command-results",
                "shop.order.command-results", "topics: [shop.saga.place-order.inbox]", "topic: shop.customer.commands",
                "topic: shop.stock.commands", "topic: shop.order.commands", "topic: shop.saga.place-order.log",
                "topic: shop.saga.place-order.dead-letters", "stores: [saga-deadlines, sagas]");
        assertThat(description.subtopologies()).as("routers, then the saga processor").hasSize(2);
    }

    @Test
    void aDeadlineCheckIntervalSetTwiceFails() {
        SagaRuntime.Builder<?, ?> builder = builder().deadlineCheckInterval(Duration.ofMillis(50));

        assertThatThrownBy(() -> builder.deadlineCheckInterval(Duration.ofMillis(60)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("deadlineCheckInterval was already set to PT0.05S");
    }

    @Test
    void aDeadlineCheckIntervalThatIsNotPositiveIsRejected() {
        assertThatThrownBy(() -> builder().deadlineCheckInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be positive");
    }

    @Test
    void aDeadlinesPerCheckSetTwiceFails() {
        SagaRuntime.Builder<?, ?> builder = builder().deadlinesPerCheck(100);

        assertThatThrownBy(() -> builder.deadlinesPerCheck(200))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("deadlinesPerCheck was already set to 100");
    }

    @Test
    void aDeadlinesPerCheckBelowOneIsRejected() {
        assertThatThrownBy(() -> builder().deadlinesPerCheck(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("deadlinesPerCheck must be at least 1: 0");
    }

    @Test
    void aStartingPositionSetTwiceFails() {
        SagaRuntime.Builder<?, ?> builder = builder().startingAt(TriggerPosition.fromBeginning());

        assertThatThrownBy(() -> builder.startingAt(TriggerPosition.fromNowOn()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("startingAt was already set to FromBeginning[]");
    }

    @Test
    void aStartingTimestampIsRequired() {
        assertThatThrownBy(() -> TriggerPosition.fromTimestamp(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("at");
    }

    @Test
    void aRetentionSetTwiceFails() {
        SagaRuntime.Builder<?, ?> builder = builder().retainFinishedSagas(Duration.ofDays(1));

        assertThatThrownBy(() -> builder.retainFinishedSagas(Duration.ofDays(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("retainFinishedSagas was already set to PT24H");
    }

    @Test
    void aRetentionThatIsNotPositiveIsRejected() {
        assertThatThrownBy(() -> builder().retainFinishedSagas(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be positive");
    }

    @Test
    void aSagaLogKeptShorterThanTheFinishedSagasPlusTheDedupRetentionIsRefusedAtStartNamingTheRule() {
        MyelinConfig shortLog = MyelinConfig.builder("shop").bootstrapServers("127.0.0.1:9").singleBrokerDevMode()
                .property(MyelinConfig.SAGA_LOG_RETENTION_MS, Duration.ofDays(3).minusHours(1).toMillis()).build();
        SagaRuntime.Builder<?, ?> builder = SagaRuntime.builder(Shop.placeOrder("shop", Shop.singleObject(), Duration.ofSeconds(5)),
                shortLog).retainFinishedSagas(Duration.ofDays(2));

        // 2 days in the store + 24 h of dedup: the log must keep 3 days, and it is an hour short
        assertThatThrownBy(builder::start)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(MyelinConfig.SAGA_LOG_RETENTION_MS)
                .hasMessageContaining("retainFinishedSagas, PT48H")
                .hasMessageContaining(MyelinConfig.DEDUP_RETENTION_MS)
                .hasMessageContaining("at least " + Duration.ofHours(72).toMillis() + " ms");
    }

    @Test
    void aStateDirectorySetTwiceFails() {
        SagaRuntime.Builder<?, ?> builder = builder().stateDirectory(Path.of("a"));

        assertThatThrownBy(() -> builder.stateDirectory(Path.of("b")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("stateDirectory was already set to a");
    }
}
