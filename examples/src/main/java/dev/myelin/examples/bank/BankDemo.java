package dev.myelin.examples.bank;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import org.apache.avro.specific.SpecificRecord;

import dev.myelin.application.Myelin;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.EmbeddedSchemaRegistry;
import dev.myelin.eventstore.AggregateState;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.EventStore;
import dev.myelin.processors.RunningProjection;

/**
 * Myelin's hello world: one bank account on an embedded broker and an embedded schema registry.
 * It opens the account, deposits 100, tries to withdraw 150 (refused: it would overdraw), withdraws
 * 30, and prints each result, the account's state and its {@code account-balances} view.
 *
 * <pre>{@code
 * BankDemo.run(System.out);
 * }</pre>
 */
public final class BankDemo {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private BankDemo() {
    }

    /**
     * Runs the hello world.
     *
     * @param args ignored
     * @throws IOException if the state directory cannot be made
     */
    public static void main(String[] args) throws IOException {
        run(System.out);
        System.exit(0);
    }

    /**
     * Runs the hello world and prints what happens to {@code out}.
     *
     * @param out where to print
     * @return the account's balance as the view has it at the end
     * @throws IOException if the state directory cannot be made
     */
    public static long run(PrintStream out) throws IOException {
        // Kafka Streams warns about state under the OS temp directory (the OS may clean it while a store runs);
        // the demo's state lives under the working directory's target/ and is deleted at the end
        Path state = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "myelin-bank-");
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1);
             EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start();
             Myelin bank = Myelin.application("bank")
                     .bootstrapServers(kafka.bootstrapServers())
                     .singleBrokerDevMode()
                     .schemaRegistry(registry.url())
                     .trustedPackages(Bank.RECORDS)
                     .stateDirectory(state)
                     .build()) {
            EventStore<AccountState, SpecificRecord, SpecificRecord> accounts = bank.eventStore(Account.TYPE);
            RunningProjection<String, AccountBalance> balances = bank.projection(Bank.balances(bank));
            send(accounts, new OpenAccount("ada"), out);
            send(accounts, new Deposit(100L), out);
            send(accounts, new Withdraw(150L), out);
            send(accounts, new Withdraw(30L), out);

            AggregateState<AccountState> account = accounts.state("acc-1").orElseThrow();
            out.printf("State of acc-1 at version %d: %s%n", account.version(), account.state());

            // views follow the events a moment later
            AccountBalance view = balances.awaitView("acc-1", v -> v.getBalance() == account.state().getBalance(), PATIENCE);
            out.printf("account-balances view of acc-1: %s%n", view);
            return view.getBalance();
        } finally {
            try (Stream<Path> paths = Files.walk(state)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void send(EventStore<AccountState, SpecificRecord, SpecificRecord> accounts, SpecificRecord command,
                             PrintStream out) {
        CommandResult<SpecificRecord> result = join(accounts.gateway().send("acc-1", command));
        String outcome;
        if (result instanceof CommandResult.Accepted<SpecificRecord> accepted) {
            outcome = "accepted, version " + accepted.newVersion() + ", events " + accepted.events().stream()
                    .map(event -> event.getSchema().getName() + " " + event).toList();
        } else if (result instanceof CommandResult.Rejected<SpecificRecord> rejected) {
            outcome = "rejected: " + rejected.reason();
        } else {
            outcome = "conflict: " + result;
        }
        out.printf("%-40s -> %s%n", command.getSchema().getName() + " " + command, outcome);
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("a command did not complete: " + e, e);
        }
    }
}
