package dev.myelin.eventstore;

import static dev.myelin.eventstore.BankApp.AVRO;
import static dev.myelin.embedded.Await.join;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.bank.AccountOpened;
import dev.myelin.eventstore.bank.AccountState;
import dev.myelin.eventstore.bank.Deposit;
import dev.myelin.eventstore.bank.Deposited;
import dev.myelin.eventstore.bank.OpenAccount;
import dev.myelin.schemas.SchemaRegistryUnavailableException;

/**
 * {@code state()} never shows a write whose transaction aborted. The aggregate here deposits a
 * random amount, so a command decided in a transaction that aborts and decided again after it
 * leaves a different state at the same version; and it aborts transactions on purpose: the first
 * time it decides a deposit of 13, 113 or 213 it fails as a registry outage would, which
 * holds the command and aborts everything decided since the last commit. A reader polls
 * {@code state()} all along; every state it saw must be the fold of the committed history at
 * that version.
 */
@MyelinKafka(brokers = 1, shared = true)
class CommittedReadsIT {
    private static final int DEPOSITS = 60;
    private static final Set<Long> ABORTED_AT = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger ABORTS = new AtomicInteger();

    private static final AggregateType<AccountState, SpecificRecord, SpecificRecord> RANDOM_ACCOUNT =
            AggregateType.<AccountState, SpecificRecord, SpecificRecord>named("account")
                    .initialState(new AccountState(false, "", 0L))
                    .decide((account, command) -> {
                        if (command instanceof OpenAccount open) {
                            return Decision.accept(new AccountOpened(open.getOwner()));
                        }
                        long amount = ((Deposit) command).getAmount();
                        if (amount % 100 == 13 && ABORTED_AT.add(amount)) {
                            ABORTS.incrementAndGet();
                            throw new SchemaRegistryUnavailableException("a registry outage, staged by the test", 503, 0, "", null);
                        }
                        return Decision.accept(new Deposited(amount * 1_000 + ThreadLocalRandom.current().nextLong(1, 1_000)));
                    })
                    .evolve((account, event) -> event instanceof AccountOpened opened
                            ? new AccountState(true, opened.getOwner(), 0L)
                            : new AccountState(true, account.getOwner(), account.getBalance() + ((Deposited) event).getAmount()));

    @Test
    void stateNeverShowsWhatAnAbortedTransactionWrote(EmbeddedKafkaCluster kafka, @TempDir Path dir) throws Exception {
        MyelinConfig config = BankApp.config(kafka, BankApp.newApplicationName()).partitions(1).build();
        try (EventStore<AccountState, SpecificRecord, SpecificRecord> store = EventStore.builder(RANDOM_ACCOUNT, config)
                .commandSerde(AVRO).eventSerde(AVRO).stateDirectory(dir).start()) {
            join(store.gateway().send("acc-r", new OpenAccount("ada")));
            Map<Long, Set<Long>> seen = new ConcurrentHashMap<>(); // every balance seen at each version
            AtomicBoolean reading = new AtomicBoolean(true);
            Thread reader = new Thread(() -> {
                while (reading.get()) {
                    try {
                        store.state("acc-r").ifPresent(s -> seen.computeIfAbsent(s.version(), v -> ConcurrentHashMap.newKeySet())
                                .add(s.state().getBalance()));
                    } catch (MyelinEventStoreException e) {
                        // not served here during the rebalance after a hold (AggregateNotLocalException is one): nothing to see
                    }
                }
            }, "state-reader");
            reader.start();
            // a separate gateway: the store's own gateway would make reads wait for what it saw accepted
            try (CommandGateway<SpecificRecord, SpecificRecord> other = BankApp.gateway(config)) {
                List<CompletableFuture<CommandResult<SpecificRecord>>> sent = new ArrayList<>();
                for (int i = 0; i < DEPOSITS; i++) {
                    long amount = i % 20 == 10 ? 13 + 100L * (i / 20) : 1 + i % 7; // 13, 113, 213: each aborts once
                    sent.add(other.send("acc-r", new Deposit(amount), SendOptions.defaults().withTimeout(Duration.ofMinutes(2))));
                }
                sent.forEach(f -> assertThat(join(f)).isInstanceOf(CommandResult.Accepted.class));
            } finally {
                reading.set(false);
                reader.join();
            }

            List<RecordedEvent<SpecificRecord>> history = store.history("acc-r");
            assertThat(history).hasSize(DEPOSITS + 1);
            Map<Long, Long> committed = new java.util.HashMap<>();
            long balance = 0;
            for (RecordedEvent<SpecificRecord> event : history) {
                if (event.event() instanceof Deposited deposited) {
                    balance += deposited.getAmount();
                }
                committed.put(event.sequence(), balance);
            }
            assertThat(ABORTS.get()).as("transactions aborted on purpose").isGreaterThanOrEqualTo(2);
            assertThat(seen).as("states read while transactions aborted").isNotEmpty();
            seen.forEach((version, balances) -> assertThat(balances)
                    .as("balances state() showed at version %s", version).containsOnly(committed.get(version)));
        }
    }
}
