package dev.myelin.eventstore;

import static dev.myelin.embedded.Await.join;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.bank.Account;
import dev.myelin.eventstore.bank.AccountState;
import dev.myelin.eventstore.bank.Deposit;
import dev.myelin.eventstore.bank.Deposited;
import dev.myelin.eventstore.bank.OpenAccount;
import dev.myelin.eventstore.bank.Withdraw;
import dev.myelin.schemas.EventMetadata;

/**
 * A command id seen before answers its first result and appends nothing, however many commands the
 * aggregate took in between, across a processor restart and through another gateway: idempotency is
 * bounded by time ({@code myelin.dedup.retention.ms}), not by a count of recent commands.
 */
@MyelinKafka(brokers = 1, shared = true)
class IdempotencyIT {
    private static final int OTHER_COMMANDS = 10_000;

    @Test
    void aRetryAfterTenThousandOtherCommandsRestartAndSecondGatewayAppendsNothing(EmbeddedKafkaCluster kafka, @TempDir Path dir) {
        MyelinConfig config = BankApp.config(kafka, BankApp.newApplicationName()).partitions(2).build();
        SendOptions depositOnce = SendOptions.defaults().withCommandId("deposit-7-once");
        SendOptions refusedOnce = SendOptions.defaults().withCommandId("withdraw-too-much");
        SendOptions appendOnce = SendOptions.defaults().withCommandId("append-once");
        try (EventStore<AccountState, SpecificRecord, SpecificRecord> store = BankApp.start(config, dir)) {
            CommandGateway<SpecificRecord, SpecificRecord> gateway = store.gateway();
            join(gateway.send("acc-hot", new OpenAccount("ada")));
            assertThat(join(gateway.send("acc-hot", new Deposit(7L), depositOnce)))
                    .isEqualTo(new CommandResult.Accepted<>(2, List.of(new Deposited(7L))));
            assertThat(join(gateway.send("acc-hot", new Withdraw(1_000_000L), refusedOnce)))
                    .isInstanceOf(CommandResult.Rejected.class);
            assertThat(join(store.append("acc-hot", List.of(new Deposited(1L)), appendOnce)))
                    .isEqualTo(new CommandResult.Accepted<>(3, List.of(new Deposited(1L))));

            List<CompletableFuture<CommandResult<SpecificRecord>>> others = new ArrayList<>(OTHER_COMMANDS);
            for (int i = 0; i < OTHER_COMMANDS; i++) {
                others.add(gateway.send("acc-hot", new Deposit(1L)));
                if (others.size() % 1_000 == 0) {
                    join(others.get(others.size() - 1)); // keep the in-flight count modest on two cores
                }
            }
            others.forEach(Await::join);

            // the same gateway, long after the window of recent commands the aggregate used to keep
            assertThat(join(gateway.send("acc-hot", new Deposit(7L), depositOnce)))
                    .isEqualTo(new CommandResult.Accepted<>(2, List.of(new Deposited(7L))));
            assertThat(join(gateway.send("acc-hot", new Withdraw(1_000_000L), refusedOnce)))
                    .isInstanceOf(CommandResult.Rejected.class);
            assertThat(join(store.append("acc-hot", List.of(new Deposited(1L)), appendOnce)))
                    .isEqualTo(new CommandResult.Accepted<>(3, List.of(new Deposited(1L))));
        }

        long version = 3 + OTHER_COMMANDS;
        // a restarted processor (its stores from disk) and a gateway that never saw the first send
        try (EventStore<AccountState, SpecificRecord, SpecificRecord> store = BankApp.start(config, dir);
             CommandGateway<SpecificRecord, SpecificRecord> second = BankApp.gateway(config)) {
            assertThat(join(second.send("acc-hot", new Deposit(7L), depositOnce)))
                    .isEqualTo(new CommandResult.Accepted<>(2, List.of(new Deposited(7L))));
            assertThat(join(store.append("acc-hot", List.of(new Deposited(1L)), appendOnce)))
                    .isEqualTo(new CommandResult.Accepted<>(3, List.of(new Deposited(1L))));
            assertThat(join(second.send("acc-hot", new Deposit(1L))))
                    .isEqualTo(new CommandResult.Accepted<>(version + 1, List.of(new Deposited(1L))));
        }

        List<ConsumerRecord<String, byte[]>> events = kafka.readAll(config.topics(Account.TYPE).events(), new StringDeserializer(),
                new ByteArrayDeserializer());
        assertThat(events).hasSize((int) version + 1);
        assertThat(events.stream().filter(e -> "deposit-7-once".equals(
                EventMetadata.header(e.headers(), EventMetadata.COMMAND_ID).orElse("")))).hasSize(1);
        assertThat(events.stream().filter(e -> "append-once".equals(
                EventMetadata.header(e.headers(), EventMetadata.COMMAND_ID).orElse("")))).hasSize(1);
        assertThat(events).extracting(ConsumerRecord::key).doesNotHaveDuplicates();
        assertThat(events.get(0).key()).isEqualTo("acc-hot@1");
    }
}
