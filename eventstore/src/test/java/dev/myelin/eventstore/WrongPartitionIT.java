package dev.myelin.eventstore;

import static dev.myelin.eventstore.BankApp.AVRO;
import static dev.myelin.embedded.Await.join;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.bank.AccountState;
import dev.myelin.eventstore.bank.Deposit;
import dev.myelin.eventstore.bank.OpenAccount;
import dev.myelin.eventstore.internal.AggregatePartitioner;
import dev.myelin.eventstore.internal.ResultCodec;

/**
 * A command produced onto a partition that does not own its aggregate (an explicit partition, or a
 * client whose default partitioner hashes keys with CRC32 rather than murmur2, as librdkafka-based
 * clients and kcat do) is moved to the owner partition and decided there: never against the empty
 * state another task holds, so an aggregate's history never forks into two events with one key.
 */
@MyelinKafka(brokers = 1, shared = true)
class WrongPartitionIT {
    private static final int PARTITIONS = 4;

    @Test
    void commandsOnPartitionsThatDoNotOwnTheirAggregateAreDecidedByTheOwner(EmbeddedKafkaCluster kafka, @TempDir Path dir) {
        MyelinConfig config = BankApp.config(kafka, BankApp.newApplicationName()).partitions(PARTITIONS).build();
        try (EventStore<AccountState, SpecificRecord, SpecificRecord> store = BankApp.start(config, dir);
             KafkaProducer<String, byte[]> foreign = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                     new StringSerializer(), new ByteArraySerializer())) {
            AggregateTopics topics = store.topics();
            // an existing account, opened through the gateway (murmur2, the owner partition)
            join(store.gateway().send("acc-9", new OpenAccount("ada")));

            int owner = AggregatePartitioner.partitionOf("acc-9", PARTITIONS);
            int wrong = (owner + 1) % PARTITIONS;
            int crc = crc32Partition("acc-new");
            int newOwner = AggregatePartitioner.partitionOf("acc-new", PARTITIONS);
            if (crc == newOwner) {
                crc = (newOwner + 1) % PARTITIONS; // the point is a partition murmur2 would not pick
            }
            produce(foreign, topics, wrong, "acc-9", new OpenAccount("eve"), "reopen-elsewhere");
            produce(foreign, topics, wrong, "acc-9", new Deposit(10L), "deposit-elsewhere");
            produce(foreign, topics, crc, "acc-new", new OpenAccount("bob"), "open-by-crc32");
            produce(foreign, topics, crc, "acc-new", new Deposit(3L), "deposit-by-crc32");
            foreign.flush();

            Map<String, CommandResult<SpecificRecord>> results = new java.util.HashMap<>();
            for (ConsumerRecord<String, byte[]> r : kafka.readAtLeast(topics.commandResults(), 5, new StringDeserializer(),
                    new ByteArrayDeserializer(), java.time.Duration.ofSeconds(60))) {
                results.put(r.key(), ResultCodec.decode(r.value(), bytes -> AVRO.deserializer().deserialize(topics.events(), bytes)));
            }
            assertThat(results.get("reopen-elsewhere")).as("the existing account is not opened a second time")
                    .isEqualTo(new CommandResult.Rejected<>("account is already open"));
            assertThat(results.get("deposit-elsewhere")).isInstanceOf(CommandResult.Accepted.class);
            assertThat(((CommandResult.Accepted<SpecificRecord>) results.get("deposit-elsewhere")).newVersion()).isEqualTo(2);
            assertThat(((CommandResult.Accepted<SpecificRecord>) results.get("open-by-crc32")).newVersion()).isEqualTo(1);
            assertThat(((CommandResult.Accepted<SpecificRecord>) results.get("deposit-by-crc32")).newVersion()).isEqualTo(2);

            List<ConsumerRecord<String, byte[]>> events = kafka.readAll(topics.events(), new StringDeserializer(), new ByteArrayDeserializer());
            assertThat(events).extracting(ConsumerRecord::key).doesNotHaveDuplicates()
                    .containsExactlyInAnyOrder("acc-9@1", "acc-9@2", "acc-new@1", "acc-new@2");
            assertThat(events).allSatisfy(e -> assertThat(e.partition()).as(e.key())
                    .isEqualTo(AggregatePartitioner.partitionOf(AggregatePartitioner.aggregateIdOf(e.key()), PARTITIONS)));
            assertThat(store.history("acc-9")).extracting(RecordedEvent::sequence).containsExactly(1L, 2L);
            assertThat(store.history("acc-new")).extracting(RecordedEvent::sequence).containsExactly(1L, 2L);
            assertThat(store.state("acc-9").orElseThrow().state().getOwner()).isEqualTo("ada");
        }
    }

    @Test
    void partitionsAddedAfterAggregatesHaveStateAreAStartupErrorThatNamesTheFix(EmbeddedKafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        MyelinConfig config = BankApp.config(kafka, BankApp.newApplicationName()).partitions(2).build();
        AggregateTopics topics;
        try (EventStore<AccountState, SpecificRecord, SpecificRecord> store = BankApp.start(config, dir)) {
            topics = store.topics();
            join(store.gateway().send("acc-1", new OpenAccount("ada")));
        }
        kafka.admin().createPartitions(Map.of(topics.commands(), NewPartitions.increaseTo(4), topics.events(), NewPartitions.increaseTo(4)))
                .all().get();

        assertThatThrownBy(() -> BankApp.start(config, dir)).isInstanceOf(TopicConfigurationException.class)
                .hasMessageContaining("4 partitions").hasMessageContaining("stored with 2")
                .hasMessageContaining("partitions were added after data existed");
    }

    /** Where a client hashing keys with CRC32 (librdkafka's default "consistent_random") would put {@code key}. */
    private static int crc32Partition(String key) {
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % PARTITIONS);
    }

    private static void produce(KafkaProducer<String, byte[]> producer, AggregateTopics topics, int partition, String aggregateId,
                                SpecificRecord command, String commandId) {
        Headers headers = new RecordHeaders();
        headers.add(CommandHeaders.COMMAND_ID, commandId.getBytes(StandardCharsets.UTF_8));
        headers.add(CommandHeaders.REPLY_TO, topics.commandResults().getBytes(StandardCharsets.UTF_8));
        byte[] value = AVRO.serializer().serialize(topics.commands(), headers, command);
        producer.send(new ProducerRecord<>(topics.commands(), partition, aggregateId, value, headers));
    }

}
