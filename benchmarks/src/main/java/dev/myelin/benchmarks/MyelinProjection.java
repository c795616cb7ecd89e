package dev.myelin.benchmarks;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.examples.bank.AccountBalance;
import dev.myelin.examples.bank.AccountOpened;
import dev.myelin.examples.bank.Bank;
import dev.myelin.examples.bank.Deposited;
import dev.myelin.processors.ProjectionConfig;
import dev.myelin.processors.RunningProjection;
import dev.myelin.schemas.AvroSerdes;
import dev.myelin.schemas.EventMetadata;
import dev.myelin.schemas.InMemorySchemaRegistry;
import dev.myelin.schemas.SchemaRegistry;

/**
 * Projection throughput: the bank's {@code account-balances} projection folding a pre-filled events
 * topic into its view, timed from RUNNING to caught up, as the raw pass-through is.
 */
final class MyelinProjection {

    private MyelinProjection() {
    }

    /**
     * Writes {@code events} bank events over {@code accounts} accounts, then times the balance
     * projection over them and returns events/s.
     */
    static Measurement throughput(EmbeddedKafkaCluster kafka, int events, int accounts, int partitions, int commitIntervalMs,
                                  Path stateDir, Measurement baseline) throws Exception {
        String application = "bench-projection-" + Long.toString(System.nanoTime() % 1_000_000, 36);
        String topic = AggregateTopics.of(application, "account").events();
        // compacted, like the topic the event store creates: the projection reads what an event store would have written
        kafka.createCompactedTopic(topic, partitions);
        SchemaRegistry registry = new InMemorySchemaRegistry();
        Serde<SpecificRecord> avro = Bank.avro(registry);
        writeEvents(kafka, topic, partitions, avro, events, accounts);

        ProjectionConfig config = ProjectionConfig.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .application(application)
                .property(StreamsConfig.STATE_DIR_CONFIG, Files.createDirectories(stateDir.resolve(application)).toString())
                .property(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs)
                .build();
        long started;
        try (RunningProjection<String, AccountBalance> running = RunningProjection.start(
                Bank.balances(application, avro, AvroSerdes.specific(AccountBalance.class, registry)), config)) {
            // timed from RUNNING, as the raw pass-through is: start-up and the first rebalance are not counted
            running.awaitRunning(Duration.ofMinutes(2));
            started = System.nanoTime();
            running.awaitCaughtUp(Duration.ofMinutes(5), Duration.ofSeconds(10));
            double perSecond = events / RawKafka.seconds(started);
            long movements = running.query().get(MyelinCommands.accountId(0)).map(AccountBalance::getMovements).orElse(0);
            if (movements == 0) {
                throw new IllegalStateException("the projection caught up but acc-0 has no deposits in its view");
            }
            return Measurement.of("Myelin projection (account balances)", "events/s", perSecond,
                    events + " events over " + accounts + " accounts, " + partitions + " partitions, commit.interval.ms="
                            + commitIntervalMs).against(baseline);
        }
    }

    /**
     * Writes the events as the event store lays them out (key {@code id@sequence}, partitioned by
     * aggregate id, {@link EventMetadata} headers): much faster than deciding them through the
     * command processor, and the projection cannot tell the difference.
     */
    private static void writeEvents(EmbeddedKafkaCluster kafka, String topic, int partitions, Serde<SpecificRecord> avro,
                                    int events, int accounts) {
        Map<String, Object> config = kafka.clientProperties();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        // One request in flight: on a topic created a moment ago the first batch can meet NOT_LEADER,
        // and with several in flight the idempotent producer then loops on OutOfOrderSequence until
        // its delivery timeout (seen here: two minutes). The fill is not timed, so order beats speed.
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        long[] sequences = new long[accounts];
        Instant now = Instant.now();
        try (var producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < events; i++) {
                int account = i % accounts;
                String id = MyelinCommands.accountId(account);
                long sequence = ++sequences[account];
                SpecificRecord event = sequence == 1 ? new AccountOpened("owner-" + account) : new Deposited(1L);
                String eventId = id + "-" + sequence;
                EventMetadata metadata = new EventMetadata(eventId, event.getSchema().getName(), id, sequence, now,
                        "cmd-" + eventId, "corr-" + eventId, "cmd-" + eventId);
                int partition = Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % partitions;
                producer.send(new ProducerRecord<>(topic, partition, id + "@" + sequence, avro.serializer().serialize(topic, event),
                        metadata.writeTo(new RecordHeaders())));
            }
            producer.flush();
        }
    }
}
