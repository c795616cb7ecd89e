package dev.myelin.eventstore;

import static dev.myelin.embedded.Await.join;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.bank.AccountState;
import dev.myelin.eventstore.bank.Deposit;
import dev.myelin.eventstore.bank.OpenAccount;

/**
 * The right to be forgotten: after {@code forget}, an aggregate's state and history are gone at once
 * from the stores and, once the log cleaner has run, from every topic that held them.
 */
@MyelinKafka(brokers = 1, shared = true, brokerProperties = {"log.cleaner.backoff.ms=100"})
class ForgetIT {

    /** Topic settings that make the log cleaner act within seconds; never for production. */
    private static final Map<String, String> EAGER_COMPACTION = Map.of("cleanup.policy", "compact", "segment.ms", "100",
            "min.cleanable.dirty.ratio", "0.01", "delete.retention.ms", "100", "min.compaction.lag.ms", "0");

    @Test
    void aForgottenAggregateIsGoneFromStoresAndFromTheCompactedTopics(EmbeddedKafkaCluster kafka, @TempDir Path dir) {
        String application = BankApp.newApplicationName();
        // a pre-created events topic is checked and used as it is: here with eager compaction
        kafka.createTopic(application + ".account.events", 1, EAGER_COMPACTION);
        MyelinConfig.Builder builder = BankApp.config(kafka, application).partitions(1);
        EAGER_COMPACTION.forEach((k, v) -> builder.property("topic." + k, v));   // Kafka Streams' changelogs too
        MyelinConfig config = builder.build();

        try (EventStore<AccountState, SpecificRecord, SpecificRecord> store = BankApp.start(config, dir)) {
            CommandGateway<SpecificRecord, SpecificRecord> gateway = store.gateway();
            join(gateway.send("acc-gone", new OpenAccount("ada")));
            join(gateway.send("acc-kept", new OpenAccount("bob")));
            for (int i = 0; i < 5; i++) {
                join(gateway.send("acc-gone", new Deposit(10L)));
            }
            assertThat(store.history("acc-gone")).hasSize(6);

            assertThat(join(store.forget("acc-gone"))).isEqualTo(new CommandResult.Accepted<>(0, List.of()));

            assertThat(store.state("acc-gone")).isEmpty();
            assertThat(store.history("acc-gone")).isEmpty();
            assertThat(store.history("acc-kept")).hasSize(1);

            String aggregatesChangelog = application + ".account-aggregates-changelog";
            String historyChangelog = application + ".account-history-changelog";
            byte[] historyPrefix = "acc-gone\0".getBytes(StandardCharsets.UTF_8);
            Await.until(Duration.ofSeconds(90), "the log cleaner removed every record of acc-gone", () -> {
                // the cleaner never touches a log's active segment: keep writing so segments roll
                join(gateway.send("acc-kept", new Deposit(1L)));
                return kafka.readAll(store.topics().events()).stream().noneMatch(r -> key(r).startsWith("acc-gone@"))
                        && kafka.readAll(aggregatesChangelog).stream().noneMatch(r -> key(r).equals("acc-gone"))
                        && kafka.readAll(historyChangelog).stream().noneMatch(r -> startsWith(r.key(), historyPrefix));
            });
            assertThat(kafka.readAll(store.topics().events())).anyMatch(r -> key(r).startsWith("acc-kept@"));
            assertThat(store.state("acc-kept")).isPresent();
        }
    }

    private static String key(ConsumerRecord<byte[], byte[]> record) {
        return record.key() == null ? "" : new String(record.key(), StandardCharsets.UTF_8);
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key != null && key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}
