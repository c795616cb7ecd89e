package dev.myelin.eventstore;

import static dev.myelin.embedded.Await.join;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.EmbeddedSchemaRegistry;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.embedded.MyelinSchemaRegistry;
import dev.myelin.eventstore.bank.Account;
import dev.myelin.eventstore.bank.AccountOpened;
import dev.myelin.eventstore.bank.AccountState;
import dev.myelin.eventstore.bank.Bank;
import dev.myelin.eventstore.bank.Deposit;
import dev.myelin.eventstore.bank.Deposited;
import dev.myelin.eventstore.bank.OpenAccount;
import dev.myelin.schemas.SchemaRegistry;
import dev.myelin.schemas.SchemaRegistryConfig;

/** The bank example against a real schema registry (Apicurio, Confluent-compatible API). */
@MyelinKafka(brokers = 1, shared = true, brokerProperties = {"log.cleaner.backoff.ms=100"})
@MyelinSchemaRegistry
class RealSchemaRegistryIT {

    @Test
    void eventsOnTheTopicCarrySchemaIdsTheRegistryResolves(EmbeddedKafkaCluster kafka, EmbeddedSchemaRegistry registryServer,
                                                           @TempDir Path dir) {
        SchemaRegistry registry = SchemaRegistry.connect(SchemaRegistryConfig.builder().url(registryServer.url()).build());
        Serde<SpecificRecord> avro = Bank.avro(registry);
        MyelinConfig config = BankApp.config(kafka, BankApp.newApplicationName()).partitions(1).build();
        try (EventStore<AccountState, SpecificRecord, SpecificRecord> store = EventStore.builder(Account.TYPE, config)
                .commandSerde(avro).eventSerde(avro).stateDirectory(dir).start()) {
            assertThat(join(store.gateway().send("acc-1", new OpenAccount("ada"))))
                    .isEqualTo(new CommandResult.Accepted<>(1, List.of(new AccountOpened("ada"))));
            assertThat(join(store.gateway().send("acc-1", new Deposit(5L))))
                    .isEqualTo(new CommandResult.Accepted<>(2, List.of(new Deposited(5L))));

            List<ConsumerRecord<byte[], byte[]>> events = kafka.readAll(store.topics().events());
            assertThat(events).hasSize(2);
            assertThat(events).extracting(e -> {
                ByteBuffer wire = ByteBuffer.wrap(e.value());
                assertThat(wire.get()).as("magic byte").isZero();
                return registry.schemaById(wire.getInt()).getFullName();
            }).containsExactly(AccountOpened.getClassSchema().getFullName(), Deposited.getClassSchema().getFullName());
        }
    }
}
