package dev.myelin.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
 * A rolling restart, as a deployment does it: two instances share the partitions; the first stops
 * and starts again, then the second. Commands flow through a gateway of a third party (a web tier)
 * and through the instances' own gateways, which close with their instance, so callers see either
 * a result, a clear timeout, or a closed gateway, and retry with the same command id.
 */
@Tag("reliability")
@MyelinKafka(brokers = 3)
class RollingRestartIT {
    private static final Logger log = LoggerFactory.getLogger(RollingRestartIT.class);

    @Test
    void noCommandIsLostWhileTwoInstancesRestartOneAfterTheOther(EmbeddedKafkaCluster kafka, @TempDir Path dir) throws Exception {
        Serde<SpecificRecord> avro = ReliabilityApp.avro();
        MyelinConfig config = ReliabilityApp.config(kafka.bootstrapServers(), ReliabilityApp.newApplicationName("rolling")).build();
        BankWorkload workload = new BankWorkload("rr", 20, Duration.ofSeconds(5));
        List<EventStore<AccountState, SpecificRecord, SpecificRecord>> instances = new ArrayList<>();
        instances.add(ReliabilityApp.start(config, avro, dir.resolve("a")));
        instances.add(ReliabilityApp.start(config, avro, dir.resolve("b")));
        try (CommandGateway<SpecificRecord, SpecificRecord> web = ReliabilityApp.gateway(config, avro)) {
            workload.openAccounts(web);
            workload.start(List.of(web), 4);
            List<Long> restartMillis = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    long target = workload.accepted() + 100;
                    Await.until(Duration.ofSeconds(60), "100 more commands accepted", () -> workload.accepted() >= target);
                    int index = i;
                    // a caller whose command times out while the instance restarts, and who retries with the same id
                    workload.timeoutThenRetry(web, BankWorkload.account(i), "rr-probe-" + i, () -> {
                        long began = System.nanoTime();
                        instances.get(index).close();
                        instances.set(index, ReliabilityApp.start(config, avro, dir.resolve(index == 0 ? "a" : "b")));
                        restartMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
                    });
                }
                long target = workload.accepted() + 100;
                Await.until(Duration.ofSeconds(60), "100 more commands accepted after the restarts",
                        () -> workload.accepted() >= target);
            } finally {
                workload.stop();
            }
            List<EventStore<AccountState, SpecificRecord, SpecificRecord>> both = List.copyOf(instances);
            Await.until(Duration.ofSeconds(60), "every account served by one of the instances", () -> {
                for (int a = 0; a < 20; a++) {
                    ReliabilityApp.stateFromAnyOf(both, BankWorkload.account(a));
                }
                return true;
            });
            BankWorkload.Figures figures = workload.verify(kafka, config.topics(dev.myelin.examples.bank.Account.TYPE).events(), avro,
                    id -> ReliabilityApp.stateFromAnyOf(both, id));
            List<String> retried = workload.retriedAfterAFault();
            assertThat(retried).as("commands that timed out during a restart and were retried").contains("rr-probe-0", "rr-probe-1");
            workload.resendAndExpectOriginalResults(web, retried);
            assertThat(workload.answered()).isPositive();
            log.info("rolling restart: instance restarts took {} ms; {} commands answered in {} ms, {} accepted, {} events; {} timeouts "
                            + "and {} send errors retried with the same id, {} commands resent and answered with their first result",
                    restartMillis, workload.answered(), workload.elapsedMillis(), figures.acceptedCommands(), figures.eventsOnTopic(),
                    workload.timeouts(), workload.sendErrors(), retried.size());
        } finally {
            for (EventStore<AccountState, SpecificRecord, SpecificRecord> instance : instances) {
                instance.close();
            }
        }
    }
}
