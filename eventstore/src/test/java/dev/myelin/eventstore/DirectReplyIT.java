package dev.myelin.eventstore;

import static dev.myelin.eventstore.BankApp.AVRO;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.NewTopic;
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
import dev.myelin.eventstore.internal.ResultCodec;
import dev.myelin.schemas.EventMetadata;

/**
 * A command whose reply-to header names another topic (a saga's inbox) is answered there, keyed by
 * its reply key; one that names a topic which does not exist is answered on the results topic as
 * before, and the partition goes on: a reply address can never stop the processor.
 */
@MyelinKafka(brokers = 1, shared = true)
class DirectReplyIT {

    @Test
    void resultsGoToAnExistingReplyTopicAndAMissingOneFallsBackToTheResultsTopic(EmbeddedKafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        MyelinConfig config = BankApp.config(kafka, BankApp.newApplicationName()).build();
        String inbox = config.application() + ".saga.transfer.inbox";
        kafka.admin().createTopics(List.of(new NewTopic(inbox, 1, (short) 1))).all().get();
        try (EventStore<AccountState, SpecificRecord, SpecificRecord> store = BankApp.start(config, dir);
             KafkaProducer<String, byte[]> sender = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                     new StringSerializer(), new ByteArraySerializer())) {
            AggregateTopics topics = store.topics();
            produce(sender, topics, "acc-1", new OpenAccount("ada"), "open", inbox, "transfer-1");
            produce(sender, topics, "acc-1", new Deposit(5L), "to-nowhere", config.application() + ".no-such-inbox", "transfer-1");
            produce(sender, topics, "acc-1", new Deposit(7L), "after", topics.commandResults(), null);
            sender.flush();

            List<ConsumerRecord<String, byte[]>> direct = kafka.readAtLeast(inbox, 1, new StringDeserializer(), new ByteArrayDeserializer(),
                    Duration.ofSeconds(60));
            assertThat(direct).singleElement().satisfies(reply -> {
                assertThat(reply.key()).isEqualTo("transfer-1");
                assertThat(EventMetadata.header(reply.headers(), CommandHeaders.COMMAND_ID)).contains("open");
                assertThat(decode(topics, reply.value())).isInstanceOf(CommandResult.Accepted.class);
            });

            List<ConsumerRecord<String, byte[]>> results = kafka.readAtLeast(topics.commandResults(), 2, new StringDeserializer(),
                    new ByteArrayDeserializer(), Duration.ofSeconds(60));
            assertThat(results).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("to-nowhere", "after");
            assertThat(results).allSatisfy(r -> assertThat(decode(topics, r.value())).isInstanceOf(CommandResult.Accepted.class));
            assertThat(store.state("acc-1").orElseThrow().version()).isEqualTo(3);
        }
    }

    private static CommandResult<SpecificRecord> decode(AggregateTopics topics, byte[] value) {
        return ResultCodec.decode(value, bytes -> AVRO.deserializer().deserialize(topics.events(), bytes));
    }

    private static void produce(KafkaProducer<String, byte[]> producer, AggregateTopics topics, String aggregateId, SpecificRecord command,
                                String commandId, String replyTo, String replyKey) {
        Headers headers = new RecordHeaders();
        headers.add(CommandHeaders.COMMAND_ID, commandId.getBytes(StandardCharsets.UTF_8));
        headers.add(CommandHeaders.REPLY_TO, replyTo.getBytes(StandardCharsets.UTF_8));
        if (replyKey != null) {
            headers.add(CommandHeaders.REPLY_KEY, replyKey.getBytes(StandardCharsets.UTF_8));
        }
        byte[] value = AVRO.serializer().serialize(topics.commands(), headers, command);
        producer.send(new ProducerRecord<>(topics.commands(), null, aggregateId, value, headers));
    }
}
