package dev.myelin.benchmarks;

import java.time.Instant;
import java.util.Map;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.myelin.eventstore.internal.AggregatePartitioner;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.examples.bank.AccountOpened;
import dev.myelin.examples.bank.Deposited;
import dev.myelin.schemas.EventMetadata;

/**
 * Writes bank events as the event store lays them out (key {@code id@sequence}, partitioned by
 * aggregate id, {@link EventMetadata} headers), round-robin over the accounts: each account's first
 * event opens it, the next ones deposit 1. Much faster than deciding them through the command
 * processor, and a projection cannot tell the difference.
 */
final class BankEventWriter implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final int partitions;
    private final Serde<SpecificRecord> avro;
    private final long[] sequences;
    private long written;

    BankEventWriter(EmbeddedKafkaCluster kafka, String topic, int partitions, Serde<SpecificRecord> avro, int accounts) {
        Map<String, Object> config = kafka.clientProperties();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        // One request in flight: on a topic created a moment ago the first batch can meet NOT_LEADER,
        // and with several in flight the idempotent producer then loops on OutOfOrderSequence until
        // its delivery timeout (seen here: two minutes). The fill is not timed, so order beats speed.
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
        this.topic = topic;
        this.partitions = partitions;
        this.avro = avro;
        this.sequences = new long[accounts];
    }

    /** Writes the next {@code count} events and waits until the broker has them all. */
    void write(int count) {
        Instant now = Instant.now();
        for (int i = 0; i < count; i++) {
            int account = (int) (written++ % sequences.length);
            String id = MyelinCommands.accountId(account);
            long sequence = ++sequences[account];
            SpecificRecord event = sequence == 1 ? new AccountOpened("owner-" + account) : new Deposited(1L);
            String eventId = id + "-" + sequence;
            EventMetadata metadata = new EventMetadata(eventId, event.getSchema().getName(), id, sequence, now,
                    "cmd-" + eventId, "corr-" + eventId, "cmd-" + eventId);
            int partition = AggregatePartitioner.partitionOf(id, partitions);
            producer.send(new ProducerRecord<>(topic, partition, id + "@" + sequence, avro.serializer().serialize(topic, event),
                    metadata.writeTo(new RecordHeaders())));
        }
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
