package dev.myelin.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsConfig;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.EventSource;
import dev.myelin.examples.bank.AccountBalance;
import dev.myelin.examples.bank.Bank;
import dev.myelin.processors.ProjectionConfig;
import dev.myelin.processors.RunningProjection;
import dev.myelin.schemas.AvroSerdes;
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
        try (BankEventWriter writer = new BankEventWriter(kafka, topic, partitions, avro, accounts)) {
            writer.write(events);
        }

        ProjectionConfig config = ProjectionConfig.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .application(application)
                .property(StreamsConfig.STATE_DIR_CONFIG, Files.createDirectories(stateDir.resolve(application)).toString())
                .property(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs)
                .build();
        long started;
        try (RunningProjection<String, AccountBalance> running = RunningProjection.start(
                Bank.balances(new EventSource<>(topic, avro), AvroSerdes.specific(AccountBalance.class, registry)), config)) {
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
}
