package dev.myelin.sagas.internal;

import static dev.myelin.sagas.internal.SagaDriver.APP;
import static dev.myelin.sagas.internal.SagaDriver.CUSTOMERS;
import static dev.myelin.sagas.internal.SagaDriver.SERDE;
import static dev.myelin.sagas.internal.SagaDriver.STOCK;
import static dev.myelin.sagas.internal.SagaDriver.accepted;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.sagas.SagaStatus;
import dev.myelin.sagas.SagaTopics;
import dev.myelin.sagas.shop.Shop;

/**
 * A saga asks the aggregates it commands to answer straight into its inbox, keyed by saga id, and
 * moves on when they do: one hop and one transaction fewer per step than the results topic and the
 * reply router, which still serves answers that come that way.
 */
class SagaDirectRepliesTest {
    private final SagaDriver runtime = new SagaDriver(Shop.placeOrder(APP, SERDE, Duration.ofSeconds(30)),
            Instant.parse("2026-01-01T00:00:00Z"));

    @AfterEach
    void close() {
        runtime.close();
    }

    @Test
    void aStepCommandNamesTheInboxAndTheSagaIdAsWhereToAnswer() {
        runtime.placeOrder("order-1");

        TestRecord<String, byte[]> command = runtime.commands(CUSTOMERS).readRecord();
        assertThat(header(command, CommandHeaders.REPLY_TO)).isEqualTo(SagaTopics.of(APP, "place-order").inbox());
        assertThat(header(command, CommandHeaders.REPLY_KEY)).isEqualTo("order-1");
    }

    @Test
    void aDirectReplyMovesTheSagaOnLikeARoutedOne() {
        runtime.placeOrder("order-1");
        runtime.commands(CUSTOMERS).readRecordsToList();

        runtime.replyDirectly("order-1", CommandIds.Phase.INVOKE, "reserve-credit", accepted());

        List<TestRecord<String, byte[]>> toStock = runtime.commands(STOCK).readRecordsToList();
        assertThat(toStock).hasSize(1);
        assertThat(header(toStock.get(0), CommandHeaders.COMMAND_ID)).isEqualTo("saga:place-order:i:reserve-stock:order-1");
        assertThat(runtime.saga("order-1").orElseThrow().status()).isEqualTo(SagaStatus.RUNNING);
    }

    @Test
    void theSameAnswerArrivingBothWaysMovesTheSagaOnce() {
        runtime.placeOrder("order-1");
        runtime.replyDirectly("order-1", CommandIds.Phase.INVOKE, "reserve-credit", accepted());
        runtime.reply(CUSTOMERS, "order-1", CommandIds.Phase.INVOKE, "reserve-credit", accepted());

        assertThat(runtime.commands(STOCK).readRecordsToList()).as("reserve-stock is sent once").hasSize(1);
    }

    private static String header(TestRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
