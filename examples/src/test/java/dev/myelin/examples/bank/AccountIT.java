package dev.myelin.examples.bank;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import dev.myelin.application.Myelin;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.EmbeddedSchemaRegistry;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.embedded.MyelinSchemaRegistry;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.EventStore;
import dev.myelin.processors.RunningProjection;

/**
 * An integration test to copy into your project: the bank on a real Kafka broker (KRaft, in this
 * JVM) and a real schema registry (Apicurio, a child process), both started for this class and
 * stopped after it. A command's effect shows in the view a moment later, so the test waits for the
 * view with {@link RunningProjection#awaitView}, never by sleeping. Name it {@code *IT} and let
 * failsafe run it (see the README's "Use Myelin in your project").
 */
@MyelinKafka
@MyelinSchemaRegistry
class AccountIT {

    @Test
    void depositsAndWithdrawalsShowInTheBalanceView(EmbeddedKafkaCluster kafka, EmbeddedSchemaRegistry registry) throws Exception {
        try (Myelin bank = Myelin.application("bank")
                .bootstrapServers(kafka.bootstrapServers())
                .singleBrokerDevMode()
                .schemaRegistry(registry.url())
                .stateDirectory(Files.createTempDirectory(Files.createDirectories(Path.of("target")), "account-it-"))
                .build()) {
            EventStore<AccountState, SpecificRecord, SpecificRecord> accounts = bank.eventStore(Account.TYPE);
            RunningProjection<String, AccountBalance> balances = bank.projection(Bank.balances(bank));

            assertThat(accounts.gateway().send("acc-1", new OpenAccount("ada")).get()).isInstanceOf(CommandResult.Accepted.class);
            assertThat(accounts.gateway().send("acc-1", new Deposit(100L)).get()).isInstanceOf(CommandResult.Accepted.class);
            assertThat(accounts.gateway().send("acc-1", new Withdraw(150L)).get())
                    .isEqualTo(new CommandResult.Rejected<>("withdrawing 150 would overdraw balance 100"));
            assertThat(accounts.gateway().send("acc-1", new Withdraw(30L)).get()).isInstanceOf(CommandResult.Accepted.class);

            AccountBalance view = balances.awaitView("acc-1", balance -> balance.getBalance() == 70L, Duration.ofSeconds(30));
            assertThat(view).isEqualTo(new AccountBalance("ada", 70L, 2));
        }
    }
}
