package dev.myelin.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.EmbeddedSchemaRegistry;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.CommandGateway;
import dev.myelin.eventstore.AggregateNotLocalException;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.Health;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.eventstore.MyelinEventStoreException;
import dev.myelin.eventstore.SendOptions;
import dev.myelin.examples.bank.Account;
import dev.myelin.examples.bank.AccountState;
import dev.myelin.examples.bank.Bank;
import dev.myelin.examples.bank.Deposit;
import dev.myelin.examples.bank.Deposited;
import dev.myelin.examples.bank.OpenAccount;
import dev.myelin.examples.bank.Withdraw;
import dev.myelin.examples.bank.Withdrawn;
import dev.myelin.schemas.EventMetadata;
import dev.myelin.schemas.SchemaRegistry;
import dev.myelin.schemas.SchemaRegistryConfig;
import dev.myelin.schemas.SchemaRegistryUnavailableException;

/**
 * The schema registry goes away (a real Apicurio server, stopped): every schema a client has used is
 * cached for good, so known command and event types keep flowing; a type the processor has never
 * seen cannot be decoded and a type the gateway has never sent cannot be encoded, each with an error
 * that names the registry. Then the registry comes back, as a restarted server would (same port, its
 * storage on disk): the same clients register and fetch the new types, the command the processor
 * could not decode during the outage was held (never rejected, nothing overtook it) and is decided
 * now, and a client with an empty cache
 * still reads every record written before, during and after the outage.
 */
@Tag("reliability")
@MyelinKafka(brokers = 1)
class RegistryOutageIT {
    private static final Logger log = LoggerFactory.getLogger(RegistryOutageIT.class);

    @Test
    void cachedSchemasKeepWorkingWithoutTheRegistryNewOnesFailClearlyAndRecoverWhenItIsBack(EmbeddedKafkaCluster kafka,
                                                                                            @TempDir Path dir) throws Exception {
        MyelinConfig config = ReliabilityApp.config(kafka.bootstrapServers(), ReliabilityApp.newApplicationName("registry"))
                .singleBrokerDevMode().build();
        // on disk, as a real registry keeps its schemas: the restarted one must give every id its old schema
        Path registryStorage = dir.resolve("registry");
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder().storageDirectory(registryStorage).start();
        EmbeddedSchemaRegistry restarted = null;
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
                otherServiceSerde.serializer().serialize(config.topics(Account.TYPE).commands(), new Withdraw(1L));

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

                // a type the processor never decoded, sent by the other service: held, never rejected; and the next
                // command on the same aggregate waits behind it rather than overtaking it
                SendOptions heldDuringOutage = SendOptions.defaults().withCommandId("withdraw-during-outage").withTimeout(Duration.ofMinutes(3));
                CompletableFuture<CommandResult<SpecificRecord>> held = otherService.send("acc-1", new Withdraw(5L), heldDuringOutage);
                // (from the same gateway: only one producer's records keep their order on a partition)
                CompletableFuture<CommandResult<SpecificRecord>> behind = otherService.send("acc-1", new Deposit(1L),
                        SendOptions.defaults().withTimeout(Duration.ofMinutes(3)));
                // the store says why it waits: degraded, naming the held partition, while the registry is away
                Await.until(Duration.ofSeconds(60), "the event store reports the held partition", () ->
                        store.health() instanceof Health.Degraded degraded && degraded.reason().contains("held")
                                && degraded.reason().contains(store.topics().commands()));
                assertThat(held).as("held, not answered").isNotDone();

                // the registry comes back where the clients know it, with what it stored
                long restarting = System.nanoTime();
                restarted = EmbeddedSchemaRegistry.builder().storageDirectory(registryStorage).port(registry.port()).start();
                log.info("schema registry started again at the same URL in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarting));
                assertThat(restarted.url()).isEqualTo(registry.url());

                // the held command is decided as if nothing had happened, and the one behind it right after it
                CommandResult<SpecificRecord> heldResult = held.get(3, TimeUnit.MINUTES);
                assertThat(heldResult).as("the command held during the outage").isInstanceOf(CommandResult.Accepted.class);
                long heldVersion = ((CommandResult.Accepted<SpecificRecord>) heldResult).newVersion();
                assertThat(behind.get(3, TimeUnit.MINUTES)).as("the command behind it, on the same aggregate")
                        .isEqualTo(new CommandResult.Accepted<>(heldVersion + 1, List.of(new Deposited(1L))));
                assertThat(kafka.readAll(store.topics().deadLetters())).as("dead letters").isEmpty();
                Await.until(Duration.ofSeconds(60), "the event store is running again", () -> store.health() instanceof Health.Running);
                log.info("registry back: the command held during the outage was accepted at version {}, the one behind it next", heldVersion);

                // the type whose registration failed now registers, and goes end to end: the processor fetches the command's
                // schema and registers the event's (Withdrawn, which nobody had written yet)
                CommandResult<SpecificRecord> afterRecovery = send(store.gateway(), "acc-1", new Withdraw(5L));
                assertThat(afterRecovery).as("Withdraw from the gateway that could not register it during the outage")
                        .isInstanceOf(CommandResult.Accepted.class);
                assertThat(((CommandResult.Accepted<SpecificRecord>) afterRecovery).events()).containsExactly(new Withdrawn(5L));

                // resent with its id (a caller that gave up waiting), the held command answers its first result and appends nothing
                CommandResult<SpecificRecord> resent = send(otherService, "acc-1", new Withdraw(5L), heldDuringOutage);
                assertThat(resent).as("the held command, resent with the same id").isEqualTo(heldResult);
                // each hold gave up its stream thread, so the group may still be settling before acc-1 is served here again
                Await.until(Duration.ofSeconds(60), "acc-1 served here again", () -> {
                    try {
                        return store.state("acc-1").isPresent();
                    } catch (AggregateNotLocalException e) {
                        return false;
                    }
                });
                assertThat(store.state("acc-1").orElseThrow().state().getBalance()).isEqualTo(111L);

                // nothing lost: a client with an empty cache (a service deployed after the outage) reads every event, whichever
                // registry's lifetime it was written in, and the fold is what the processor holds
                Serde<SpecificRecord> newcomer = Bank.avro(client(restarted));
                String events = store.topics().events();
                Map<String, AccountState> folded = new TreeMap<>();
                Map<String, List<String>> types = new TreeMap<>();
                for (ConsumerRecord<String, byte[]> record : kafka.readAll(events, new StringDeserializer(), new ByteArrayDeserializer())) {
                    SpecificRecord event = newcomer.deserializer().deserialize(events, record.value());
                    String account = EventMetadata.readFrom(record.headers()).aggregateId();
                    types.computeIfAbsent(account, k -> new ArrayList<>()).add(event.getSchema().getName());
                    folded.put(account, Account.TYPE.evolve(folded.getOrDefault(account, Account.TYPE.initialState()), event));
                }
                assertThat(types).as("events on the topic per account, decoded with a fresh registry client").isEqualTo(Map.of(
                        "acc-1", List.of("AccountOpened", "Deposited", "Deposited", "Deposited", "Deposited", "Withdrawn", "Deposited", "Withdrawn"),
                        "acc-2", List.of("AccountOpened")));
                folded.forEach((account, state) -> assertThat(store.state(account).orElseThrow().state()).as(account).isEqualTo(state));
                log.info("registry back: the new type registered and was accepted, the held command answered its first result on resend, "
                        + "all {} events decode with a fresh client",
                        types.values().stream().mapToInt(List::size).sum());
            }
        } finally {
            registry.close();
            if (restarted != null) {
                restarted.close();
            }
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

    private static CommandResult<SpecificRecord> send(CommandGateway<SpecificRecord, SpecificRecord> gateway, String account,
                                                      SpecificRecord command, SendOptions options) {
        return gateway.send(account, command, options).orTimeout(60, TimeUnit.SECONDS).join();
    }
}
