package dev.myelin.processors;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.Health;
import dev.myelin.eventstore.internal.TopicScan;
import dev.myelin.processors.bank.AccountOpened;
import dev.myelin.processors.bank.Balance;
import dev.myelin.schemas.InMemorySchemaRegistry;

/**
 * Live view subscriptions on a real broker: a subscriber receives every committed value of the view,
 * in order, and none that a transaction wrote and then aborted (aborted on purpose: a deposit round
 * ends with an event of a type the projection has not decoded while its registry is down, so the
 * partition is held and the open transaction, with its changelog writes, aborts; the handler folds a
 * random part in, so a refolded view differs from the aborted one). A subscriber that does not take
 * its changes does not hold the projection up: its buffer drops the oldest and says so.
 */
@MyelinKafka(brokers = 1)
class ViewSubscriptionIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String ACCOUNT = "acc-live";

    @Test
    void aSubscriberSeesEachCommittedChangeInOrderAndNothingAborted(EmbeddedKafkaCluster kafka, @TempDir Path dir) throws Exception {
        String topic = "live.account.events";
        kafka.createCompactedTopic(topic, 1);
        InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        Bank writer = new Bank(schemas);
        FlakyRegistry flaky = new FlakyRegistry(schemas);
        Bank bank = new Bank(flaky);
        Projection<String, Balance> projection = ViewCommittedReadsIT.randomlyFolded("live-balances", topic, bank);
        // no record cache: every fold is written to the changelog at once, inside the open transaction
        ProjectionConfig config = ViewCommittedReadsIT.abortable(kafka, "live", dir).property("statestore.cache.max.bytes", 0).build();

        try (RunningProjection<String, Balance> running = RunningProjection.start(projection, config)) {
            List<ViewChange<String, Balance>> seen = new CopyOnWriteArrayList<>();
            List<ViewChange<String, Balance>> slowSeen = new CopyOnWriteArrayList<>();
            CountDownLatch release = new CountDownLatch(1);
            try (ViewSubscription live = running.subscribe(ACCOUNT, seen::add);
                 ViewSubscription slow = running.subscribe(key -> key.startsWith("acc-"), 2, change -> {
                     slowSeen.add(change);
                     try {
                         release.await();
                     } catch (InterruptedException e) {
                         Thread.currentThread().interrupt();
                     }
                 })) {
                ViewCommittedReadsIT.write(kafka, topic, List.of(writer.event(ACCOUNT, Bank.deposited(1))));
                Await.until(WAIT, "the first deposit folded", () -> events(running) == 1);

                flaky.downExceptCached();
                List<Bank.EventRecord> round = new ArrayList<>();
                for (int d = 0; d < 4; d++) {
                    round.add(writer.event(ACCOUNT, Bank.deposited(2 + d)));
                }
                round.add(writer.event(ACCOUNT, new AccountOpened("ada")));
                ViewCommittedReadsIT.write(kafka, topic, round);
                Await.until(WAIT, "the partition held while the registry is down",
                        () -> running.health() instanceof Health.Degraded, running::health);
                flaky.up();
                Await.until(WAIT, "the round folded once the registry is back", () -> events(running) == 5);
                ViewCommittedReadsIT.write(kafka, topic, List.of(writer.event(ACCOUNT, Bank.deposited(7)),
                        writer.event(ACCOUNT, Bank.deposited(8))));
                // the slow subscriber has not returned from its first change all along
                Await.until(WAIT, "every deposit folded while a subscriber stalls", () -> events(running) == 7);

                String changelog = running.applicationId() + "-" + projection.viewStoreName() + "-changelog";
                List<Long> committed = amounts(kafka, changelog, true, bank);
                List<Long> written = amounts(kafka, changelog, false, bank);
                assertThat(written).as("an aborted transaction wrote views to the changelog").isNotEqualTo(committed)
                        .containsAll(committed);
                Await.until(WAIT, "every committed change delivered", () -> seen.size() == committed.size(), seen::size);
                assertThat(seen).extracting(change -> change.view().orElseThrow().getAmount())
                        .as("each committed value, in order, and nothing aborted").isEqualTo(committed);
                assertThat(seen).allSatisfy(change -> assertThat(change.missedBefore()).isZero());
                assertThat(live.dropped()).isZero();

                assertThat(slow.dropped()).as("the stalled subscriber's buffer of 2 dropped the oldest").isEqualTo(committed.size() - 3);
                release.countDown();
                Await.until(WAIT, "the stalled subscriber gets the first change and its buffer", () -> slowSeen.size() == 3, slowSeen::size);
                assertThat(slowSeen.get(1).missedBefore()).as("the gap is signalled").isEqualTo(committed.size() - 3);
                assertThat(slowSeen.get(2).view().orElseThrow().getAmount()).isEqualTo(committed.get(committed.size() - 1));
            }
        }
    }

    private static int events(RunningProjection<String, Balance> running) {
        try {
            return running.query().get(ACCOUNT).map(Balance::getEvents).orElse(0);
        } catch (ViewUnavailableException e) {
            return -1;
        }
    }

    /** The amounts of {@link #ACCOUNT}'s views on the changelog, in order: committed ones only, or all written. */
    private static List<Long> amounts(EmbeddedKafkaCluster kafka, String changelog, boolean committedOnly, Bank bank) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        Map<String, Object> props = new HashMap<>(TopicScan.consumerProperties(kafka.clientProperties(), "test-changelog"));
        if (!committedOnly) {
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        }
        TopicScan.read(props, changelog, WAIT, records::add);
        List<Long> amounts = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (record.value() != null && ACCOUNT.equals(new String(record.key(), java.nio.charset.StandardCharsets.UTF_8))) {
                amounts.add(bank.balances.deserializer().deserialize(changelog, record.value()).getAmount());
            }
        }
        return amounts;
    }
}
