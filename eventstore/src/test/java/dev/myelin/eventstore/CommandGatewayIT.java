package dev.myelin.eventstore;

import static dev.myelin.eventstore.BankApp.AVRO;
import static dev.myelin.embedded.Await.join;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.bank.AccountOpened;
import dev.myelin.eventstore.bank.AccountState;
import dev.myelin.eventstore.bank.Deposit;
import dev.myelin.eventstore.bank.Deposited;
import dev.myelin.eventstore.bank.OpenAccount;
import dev.myelin.eventstore.bank.Withdraw;
import dev.myelin.eventstore.internal.ResultCodec;
import dev.myelin.schemas.EventMetadata;

@MyelinKafka(brokers = 1, shared = true, brokerProperties = {"log.cleaner.backoff.ms=100"})
class CommandGatewayIT {

    @Test
    void aCommandRoundTripAnswersAcceptedRejectedAndConflict(EmbeddedKafkaCluster kafka, @TempDir Path dir) {
        MyelinConfig config = BankApp.config(kafka, BankApp.newApplicationName()).partitions(2).build();
        try (EventStore<AccountState, SpecificRecord, SpecificRecord> store = BankApp.start(config, dir)) {
            CommandGateway<SpecificRecord, SpecificRecord> gateway = store.gateway();

            assertThat(join(gateway.send("acc-1", new OpenAccount("ada"))))
                    .isEqualTo(new CommandResult.Accepted<>(1, List.of(new AccountOpened("ada"))));
            assertThat(join(gateway.send("acc-1", new Withdraw(5L))))
                    .isEqualTo(new CommandResult.Rejected<>("withdrawing 5 would overdraw balance 0"));
            assertThat(join(gateway.send("acc-1", new Deposit(5L), SendOptions.expectingVersion(0))))
                    .isEqualTo(new CommandResult.Conflict<>(0, 1));
            assertThat(join(gateway.send("acc-1", new Deposit(5L), SendOptions.expectingVersion(1))))
                    .isEqualTo(new CommandResult.Accepted<>(2, List.of(new Deposited(5L))));

            assertThat(store.state("acc-1")).contains(new AggregateState<>(new AccountState(true, "ada", 5L), 2));
            assertThat(store.history("acc-1")).extracting(RecordedEvent::event)
                    .containsExactly(new AccountOpened("ada"), new Deposited(5L));
            assertThat(store.history("acc-1", 2)).extracting(RecordedEvent::sequence).containsExactly(2L);
            assertThat(store.state("acc-unknown")).isEmpty();

            // events decided elsewhere go through the same processor and the same version check
            assertThat(join(store.append("acc-2", 0, List.of(new AccountOpened("bob"), new Deposited(3L)))))
                    .isEqualTo(new CommandResult.Accepted<>(2, List.of(new AccountOpened("bob"), new Deposited(3L))));
            assertThat(join(store.append("acc-2", 0, List.of(new Deposited(1L))))).isEqualTo(new CommandResult.Conflict<>(0, 2));
            assertThat(store.state("acc-2").orElseThrow().state()).isEqualTo(new AccountState(true, "bob", 3L));

            // on the events topic: key aggregateId@sequence, value in the Confluent wire format (magic byte 0)
            List<ConsumerRecord<String, byte[]>> events = kafka.readAll(store.topics().events(), new StringDeserializer(),
                    new ByteArrayDeserializer());
            assertThat(events).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("acc-1@1", "acc-1@2", "acc-2@1", "acc-2@2");
            assertThat(events).allSatisfy(e -> assertThat(e.value()[0]).isZero());
            assertThat(events).filteredOn(e -> e.key().startsWith("acc-1@")).extracting(ConsumerRecord::partition)
                    .containsOnly(dev.myelin.eventstore.internal.AggregatePartitioner.partitionOf("acc-1", 2))
                    .isSubsetOf(kafka.readAll(store.topics().commands(), new StringDeserializer(), new ByteArrayDeserializer())
                            .stream().filter(c -> c.key().equals("acc-1")).map(ConsumerRecord::partition).toList());
        }
    }

    @Test
    void theSameCommandIdSentFiveTimesAppendsOneSetOfEvents(EmbeddedKafkaCluster kafka, @TempDir Path dir) {
        MyelinConfig config = BankApp.config(kafka, BankApp.newApplicationName()).partitions(2).build();
        try (EventStore<AccountState, SpecificRecord, SpecificRecord> store = BankApp.start(config, dir)) {
            join(store.gateway().send("acc-1", new OpenAccount("ada")));
            SendOptions once = SendOptions.defaults().withCommandId("deposit-once");

            List<CommandResult<SpecificRecord>> results = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                results.add(join(store.gateway().send("acc-1", new Deposit(10L), once)));
            }
            // and five more at once, through a second gateway
            try (CommandGateway<SpecificRecord, SpecificRecord> other = BankApp.gateway(config)) {
                List<CompletableFuture<CommandResult<SpecificRecord>>> parallel = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    parallel.add(other.send("acc-1", new Deposit(10L), once));
                }
                parallel.forEach(f -> results.add(join(f)));
            }

            assertThat(results).containsOnly(new CommandResult.Accepted<>(2, List.of(new Deposited(10L))));
            List<ConsumerRecord<String, byte[]>> events = kafka.readAll(store.topics().events(), new StringDeserializer(),
                    new ByteArrayDeserializer());
            assertThat(events).filteredOn(e -> EventMetadata.readFrom(e.headers()).commandId().equals("deposit-once")).hasSize(1);
            assertThat(store.state("acc-1").orElseThrow().state().getBalance()).isEqualTo(10L);
        }
    }

    @Test
    void aTimedOutCommandFailsNamingItsIdAndItsResendGetsTheOriginalResult(EmbeddedKafkaCluster kafka, @TempDir Path dir) {
        MyelinConfig config = BankApp.config(kafka, BankApp.newApplicationName()).partitions(1).build();
        SendOptions options = SendOptions.defaults().withCommandId("open-late").withTimeout(Duration.ofMillis(300));
        try (CommandGateway<SpecificRecord, SpecificRecord> gateway = BankApp.gateway(config)) {
            // no processor runs yet, so no result can arrive
            CompletableFuture<CommandResult<SpecificRecord>> late = gateway.send("acc-1", new OpenAccount("ada"), options);
            assertThatThrownBy(late::get).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(CommandTimeoutException.class).hasMessageContaining("open-late")
                    .extracting(e -> ((CommandTimeoutException) e).commandId()).isEqualTo("open-late");

            try (EventStore<AccountState, SpecificRecord, SpecificRecord> store = BankApp.start(config, dir)) {
                CommandResult<SpecificRecord> original = new CommandResult.Accepted<>(1, List.of(new AccountOpened("ada")));
                SendOptions resend = options.withTimeout(Duration.ofSeconds(30));
                assertThat(join(gateway.send("acc-1", new OpenAccount("ada"), resend))).isEqualTo(original);
                assertThat(join(gateway.send("acc-1", new OpenAccount("ada"), resend))).isEqualTo(original);
                assertThat(store.history("acc-1")).hasSize(1);
            }
        }
    }

    @Test
    void anUndecodableCommandIsRejectedOrDeadLetteredAndProcessingGoesOn(EmbeddedKafkaCluster kafka, @TempDir Path dir) {
        MyelinConfig config = BankApp.config(kafka, BankApp.newApplicationName()).partitions(1).build();
        try (EventStore<AccountState, SpecificRecord, SpecificRecord> store = BankApp.start(config, dir);
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                     new StringSerializer(), new ByteArraySerializer())) {
            AggregateTopics topics = store.topics();
            RecordHeaders withReply = new RecordHeaders();
            withReply.add(CommandHeaders.COMMAND_ID, "garbage-1".getBytes(StandardCharsets.UTF_8));
            withReply.add(CommandHeaders.REPLY_TO, topics.commandResults().getBytes(StandardCharsets.UTF_8));
            RecordHeaders withoutReply = new RecordHeaders();
            withoutReply.add(CommandHeaders.COMMAND_ID, "garbage-2".getBytes(StandardCharsets.UTF_8));
            producer.send(new ProducerRecord<>(topics.commands(), null, "acc-1", new byte[] {0, 0, 0, 0, 42, 1}, withReply));
            producer.send(new ProducerRecord<>(topics.commands(), null, "acc-1", new byte[] {7}, withoutReply));
            producer.flush();

            assertThat(join(store.gateway().send("acc-1", new OpenAccount("ada")))).isInstanceOf(CommandResult.Accepted.class);

            List<ConsumerRecord<String, byte[]>> results = kafka.readAll(topics.commandResults(), new StringDeserializer(),
                    new ByteArrayDeserializer());
            CommandResult<SpecificRecord> garbage = results.stream().filter(r -> r.key().equals("garbage-1"))
                    .map(r -> ResultCodec.decode(r.value(), b -> AVRO.deserializer().deserialize(topics.events(), b)))
                    .findFirst().orElseThrow();
            assertThat(garbage).isInstanceOfSatisfying(CommandResult.Rejected.class,
                    r -> assertThat(r.reason()).contains("garbage-1", "cannot be deserialized"));
            List<ConsumerRecord<String, byte[]>> dead = kafka.readAll(topics.deadLetters(), new StringDeserializer(),
                    new ByteArrayDeserializer());
            assertThat(dead).hasSize(1);
            assertThat(dead.get(0).value()).containsExactly(7);
            assertThat(EventMetadata.header(dead.get(0).headers(), CommandHeaders.ERROR)).isPresent();
            assertThat(store.history("acc-1")).extracting(RecordedEvent::event).containsExactly(new AccountOpened("ada"));
        }
    }

    @Test
    void aReplicationFactorAboveTheBrokerCountIsAStartupErrorThatNamesTheFix(EmbeddedKafkaCluster kafka) {
        MyelinConfig config = MyelinConfig.builder(BankApp.newApplicationName()).bootstrapServers(kafka.bootstrapServers()).build();

        assertThatThrownBy(() -> BankApp.gateway(config)).isInstanceOf(TopicConfigurationException.class)
                .hasMessageContaining("replication factor 3").hasMessageContaining("singleBrokerDevMode()");
    }

    @Test
    void anEventsTopicThatIsNotCompactedIsAStartupError(EmbeddedKafkaCluster kafka, @TempDir Path dir) {
        String application = BankApp.newApplicationName();
        kafka.createTopic(application + ".account.events", 2, Map.of("cleanup.policy", "delete"));
        MyelinConfig config = BankApp.config(kafka, application).partitions(2).build();

        assertThatThrownBy(() -> BankApp.start(config, dir)).isInstanceOf(TopicConfigurationException.class)
                .hasMessageContaining(application + ".account.events").hasMessageContaining("cleanup.policy=compact");
    }

    @Test
    void commandsAndEventsTopicsWithDifferentPartitionCountsAreAStartupError(EmbeddedKafkaCluster kafka, @TempDir Path dir) {
        String application = BankApp.newApplicationName();
        kafka.createCompactedTopic(application + ".account.events", 3);
        MyelinConfig config = BankApp.config(kafka, application).partitions(2).build();

        assertThatThrownBy(() -> BankApp.gateway(config)).isInstanceOf(TopicConfigurationException.class)
                .hasMessageContaining("2 partitions").hasMessageContaining("3");
    }
}
