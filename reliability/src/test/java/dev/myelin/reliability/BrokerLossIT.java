package dev.myelin.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.CommandGateway;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.examples.bank.AccountState;

/**
 * Broker loss under load, on 3 brokers with replication 3 and min.insync.replicas 2: one broker stops
 * for 10 seconds and comes back, then the leader of an events partition stops. Two brokers still form
 * an in-sync majority, so writes go on; what must not happen is a lost or doubled event.
 */
@Tag("reliability")
@MyelinKafka(brokers = 3)
class BrokerLossIT {
    private static final Logger log = LoggerFactory.getLogger(BrokerLossIT.class);

    @Test
    void everyAcceptedCommandHasItsEventsExactlyOnceAfterABrokerStopsAndThenAPartitionLeaderStops(EmbeddedKafkaCluster kafka,
                                                                                                  @TempDir Path dir) throws Exception {
        Serde<SpecificRecord> avro = ReliabilityApp.avro();
        MyelinConfig config = ReliabilityApp.config(kafka.bootstrapServers(), ReliabilityApp.newApplicationName("broker-loss")).build();
        assertThat(config.replicationFactor()).isEqualTo(3);
        assertThat(config.minInsyncReplicas()).isEqualTo(2);
        BankWorkload workload = new BankWorkload("bl", 20, Duration.ofSeconds(10));
        try (EventStore<AccountState, SpecificRecord, SpecificRecord> store = ReliabilityApp.start(config, avro, dir);
             CommandGateway<SpecificRecord, SpecificRecord> second = ReliabilityApp.gateway(config, avro)) {
            workload.openAccounts(store.gateway());
            workload.start(List.of(store.gateway(), second), 6);
            try {
                awaitProgress(workload, 200);

                // 1. a broker that leads nothing in particular: the first one, wherever its replicas are
                BrokerFaults.Outage outage = BrokerFaults.stopFor(kafka, 1, Duration.ofSeconds(10), workload::accepted);
                log.info("broker 1 down for {} ms; {} commands accepted meanwhile", outage.downMillis(), outage.progress());
                assertThat(outage.progress()).as("commands accepted while a broker was down (2 of 3 replicas are enough)").isPositive();
                BrokerFaults.awaitInSync(kafka, List.of(store.topics().events()));

                // 2. the broker that leads events partition 0
                int leader = BrokerFaults.leaderOf(kafka, store.topics().events(), 0);
                outage = BrokerFaults.stopFor(kafka, leader, Duration.ofSeconds(8), workload::accepted);
                log.info("leader {} of {}-0 stopped; {} commands accepted in the next 8 s", leader, store.topics().events(), outage.progress());
                assertThat(outage.progress()).as("commands accepted after the partition leader stopped").isPositive();
            } finally {
                workload.stop();
            }
            BankWorkload.Figures figures = workload.verify(kafka, store.topics().events(), avro, store::state);
            log.info("broker loss: {} commands answered in {} ms, {} accepted, {} events on the topic, {} timeouts and {} send errors "
                            + "retried with the same id, {} conflicts", workload.answered(), workload.elapsedMillis(), figures.acceptedCommands(),
                    figures.eventsOnTopic(), workload.timeouts(), workload.sendErrors(), workload.conflicts());
        }
    }

    private static void awaitProgress(BankWorkload workload, long accepted) {
        Await.until(Duration.ofSeconds(60), accepted + " commands accepted", () -> workload.accepted() >= accepted);
    }
}
