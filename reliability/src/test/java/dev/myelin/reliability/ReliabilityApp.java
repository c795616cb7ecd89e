package dev.myelin.reliability;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

import dev.myelin.eventstore.AggregateNotLocalException;
import dev.myelin.eventstore.AggregateState;
import dev.myelin.eventstore.CommandGateway;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.examples.bank.Account;
import dev.myelin.examples.bank.AccountOpened;
import dev.myelin.examples.bank.AccountState;
import dev.myelin.examples.bank.Bank;
import dev.myelin.examples.bank.Deposit;
import dev.myelin.examples.bank.Deposited;
import dev.myelin.examples.bank.OpenAccount;
import dev.myelin.examples.bank.Withdraw;
import dev.myelin.examples.bank.Withdrawn;
import dev.myelin.schemas.InMemorySchemaRegistry;

/**
 * The bank example as the fault tests run it: production replication (RF 3, min.insync.replicas 2,
 * MyelinConfig's defaults), a unique application name per test, and serdes whose schema ids are the
 * same in every JVM that makes them, so a child JVM and this one read each other's records.
 */
final class ReliabilityApp {
    private static final AtomicInteger APPS = new AtomicInteger();

    private ReliabilityApp() {
    }

    static String newApplicationName(String what) {
        return what + "-" + APPS.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 1_000_000, 36);
    }

    /**
     * Returns the bank serde over a fresh in-memory registry into which every bank schema has been
     * registered in one fixed order: ids are assigned in registration order, so every JVM calling
     * this agrees on them without sharing a registry server.
     */
    static Serde<SpecificRecord> avro() {
        Serde<SpecificRecord> serde = Bank.avro(new InMemorySchemaRegistry());
        for (SpecificRecord record : List.<SpecificRecord>of(new OpenAccount("warm-up"), new Deposit(1L), new Withdraw(1L),
                new AccountOpened("warm-up"), new Deposited(1L), new Withdrawn(1L))) {
            serde.serializer().serialize("warm-up", record);
        }
        return serde;
    }

    /** Production replication defaults: this is the point of the 3-broker fault tests. */
    static MyelinConfig.Builder config(String bootstrapServers, String application) {
        return MyelinConfig.builder(application).bootstrapServers(bootstrapServers)
                // a retry finds its command id however many commands of other threads landed on the
                // account in between: ids are kept for the dedup retention (a day), not a count
                .partitions(4);
    }

    static EventStore<AccountState, SpecificRecord, SpecificRecord> start(MyelinConfig config, Serde<SpecificRecord> avro,
                                                                         Path stateDirectory) {
        return EventStore.builder(Account.TYPE, config).commandSerde(avro).eventSerde(avro).stateDirectory(stateDirectory).start();
    }

    static CommandGateway<SpecificRecord, SpecificRecord> gateway(MyelinConfig config, Serde<SpecificRecord> avro) {
        return CommandGateway.builder(Account.TYPE, config).commandSerde(avro).eventSerde(avro).start();
    }

    /** Asks each instance for the aggregate; the one that owns its partition answers. */
    static Optional<AggregateState<AccountState>> stateFromAnyOf(List<EventStore<AccountState, SpecificRecord, SpecificRecord>> stores,
                                                                 String accountId) {
        AggregateNotLocalException last = null;
        for (EventStore<AccountState, SpecificRecord, SpecificRecord> store : stores) {
            try {
                return store.state(accountId);
            } catch (AggregateNotLocalException e) {
                last = e;
            }
        }
        throw last == null ? new IllegalStateException("no event store given") : last;
    }
}
