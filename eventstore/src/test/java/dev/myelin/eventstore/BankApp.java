package dev.myelin.eventstore;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.eventstore.bank.Account;
import dev.myelin.eventstore.bank.AccountState;
import dev.myelin.eventstore.bank.Bank;
import dev.myelin.schemas.InMemorySchemaRegistry;

/**
 * Shared set-up of the integration tests: the bank example on the embedded brokers. Every test uses
 * its own application name, so its topics and consumer groups are its own even on a shared cluster.
 * The schema registry is the in-memory one: every store and gateway of a test run lives in this JVM.
 */
final class BankApp {
    static final Serde<SpecificRecord> AVRO = Bank.avro(new InMemorySchemaRegistry());
    private static final AtomicInteger APPS = new AtomicInteger();

    private BankApp() {
    }

    static String newApplicationName() {
        return "bank-" + APPS.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 100_000, 36);
    }

    static MyelinConfig.Builder config(EmbeddedKafkaCluster kafka, String application) {
        return MyelinConfig.builder(application).bootstrapServers(kafka.bootstrapServers()).singleBrokerDevMode();
    }

    static EventStore<AccountState, SpecificRecord, SpecificRecord> start(MyelinConfig config, Path stateDirectory) {
        return EventStore.builder(Account.TYPE, config).commandSerde(AVRO).eventSerde(AVRO).stateDirectory(stateDirectory).start();
    }

    static CommandGateway<SpecificRecord, SpecificRecord> gateway(MyelinConfig config) {
        return CommandGateway.builder(Account.TYPE, config).commandSerde(AVRO).eventSerde(AVRO).start();
    }
}
