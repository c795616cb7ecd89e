package dev.myelin.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.EmbeddedSchemaRegistry;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.CommandGateway;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.eventstore.MyelinEventStoreException;
import dev.myelin.examples.bank.AccountState;
import dev.myelin.examples.bank.Bank;
import dev.myelin.examples.bank.Deposit;
import dev.myelin.examples.bank.OpenAccount;
import dev.myelin.examples.bank.Withdraw;
import dev.myelin.schemas.SchemaRegistry;
import dev.myelin.schemas.SchemaRegistryConfig;
import dev.myelin.schemas.SchemaRegistryUnavailableException;

/**
 * The schema registry goes away (a real Apicurio server, stopped): every schema a client has used is
 * cached for good, so known command and event types keep flowing; a type the processor has never
 * seen cannot be decoded and a type the gateway has never sent cannot be encoded, each with an error
 * that names the registry.
 */
@Tag("reliability")
@MyelinKafka(brokers = 1)
class RegistryOutageIT {
    private static final Logger log = LoggerFactory.getLogger(RegistryOutageIT.class);

    @Test
    void cachedSchemasKeepWorkingWithoutTheRegistryAndNewOnesFailClearly(EmbeddedKafkaCluster kafka, @TempDir Path dir) throws Exception {
        MyelinConfig config = ReliabilityApp.config(kafka.bootstrapServers(), ReliabilityApp.newApplicationName("registry"))
                .singleBrokerDevMode().build();
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start();
        try {
            // the processor's JVM and a second client (another service) each with their own caching registry client
            Serde<SpecificRecord> processorSerde = Bank.avro(client(registry));
            Serde<SpecificRecord> otherServiceSerde = Bank.avro(client(registry));
            try (EventStore<AccountState, SpecificRecord, SpecificRecord> store = ReliabilityApp.start(config, processorSerde, dir);
                 CommandGateway<SpecificRecord, SpecificRecord> otherService = ReliabilityApp.gateway(config, otherServiceSerde)) {
                // warm up: OpenAccount and Deposit through both clients; Withdraw only by the other service, while
                // the registry is up, so its id exists but the processor has never fetched it
                assertThat(send(store.gateway(), "acc-1", new OpenAccount("ada"))).isInstanceOf(CommandResult.Accepted.class);
                assertThat(send(otherService, "acc-1", new Deposit(50L))).isInstanceOf(CommandResult.Accepted.class);
                assertThat(send(store.gateway(), "acc-1", new Deposit(50L))).isInstanceOf(CommandResult.Accepted.class);
                otherServiceSerde.serializer().serialize(config.topics(dev.myelin.examples.bank.Account.TYPE).commands(), new Withdraw(1L));

                long stopping = System.nanoTime();
                registry.close();
                log.info("schema registry stopped in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping));

                // known types: no registry call needed on either side
                assertThat(send(store.gateway(), "acc-1", new Deposit(10L))).isInstanceOf(CommandResult.Accepted.class);
                assertThat(send(otherService, "acc-1", new Deposit(10L))).isInstanceOf(CommandResult.Accepted.class);
                assertThat(send(store.gateway(), "acc-2", new OpenAccount("bob"))).isInstanceOf(CommandResult.Accepted.class);

                // a type the gateway never encoded: it cannot learn the id, and says why before anything is sent
                assertThatThrownBy(() -> store.gateway().send("acc-1", new Withdraw(5L)).get(30, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).cause().isInstanceOf(MyelinEventStoreException.class)
                        .hasMessageContaining("cannot serialize command Withdraw")
                        .satisfies(e -> assertThat(e.getCause()).isInstanceOf(SchemaRegistryUnavailableException.class)
                                .hasMessageContaining(registry.url()).hasMessageContaining("could not be reached"));

                // a type the processor never decoded, sent by the other service: rejected with the reason, not lost silently
                CommandResult<SpecificRecord> withdrawn = send(otherService, "acc-1", new Withdraw(5L));
                assertThat(withdrawn).isInstanceOf(CommandResult.Rejected.class);
                String reason = ((CommandResult.Rejected<SpecificRecord>) withdrawn).reason();
                assertThat(reason).contains("cannot be deserialized", "schema registry");
                log.info("registry down: known types accepted; new type at the gateway fails before sending; "
                        + "new type at the processor rejected: {}", reason);

                // and the partition goes on
                assertThat(send(store.gateway(), "acc-1", new Deposit(1L))).isInstanceOf(CommandResult.Accepted.class);
                assertThat(store.state("acc-1").orElseThrow().state().getBalance()).isEqualTo(121L);
            }
        } finally {
            registry.close();
        }
    }

    private static SchemaRegistry client(EmbeddedSchemaRegistry registry) {
        // few, short retries: the test wants the outage error, not minutes of back-off
        return SchemaRegistry.connect(SchemaRegistryConfig.builder().url(registry.url()).retries(1)
                .retryBackoff(Duration.ofMillis(50)).requestTimeout(Duration.ofSeconds(2)).connectTimeout(Duration.ofSeconds(1)).build());
    }

    private static CommandResult<SpecificRecord> send(CommandGateway<SpecificRecord, SpecificRecord> gateway, String account,
                                                      SpecificRecord command) {
        return gateway.send(account, command).orTimeout(60, TimeUnit.SECONDS).join();
    }
}
