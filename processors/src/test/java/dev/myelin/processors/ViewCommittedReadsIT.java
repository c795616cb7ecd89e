package dev.myelin.processors;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.Await;
import dev.myelin.eventstore.Health;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.processors.bank.AccountOpened;
import dev.myelin.processors.bank.Audited;
import dev.myelin.processors.bank.Balance;
import dev.myelin.processors.bank.Deposited;
import dev.myelin.processors.bank.Withdrawn;
import dev.myelin.schemas.InMemorySchemaRegistry;

/**
 * A view query never shows a view whose transaction aborted. The projection here folds each
 * deposit with a random part, so a deposit folded in a transaction that aborts and folded again
 * after it leaves a different view at the same event count; and transactions abort on purpose: a
 * few deposits are followed by an event of a type the projection has not decoded yet while its
 * schema registry is down, so the partition is held and everything folded since the last commit is
 * thrown away. A reader queries the view all along; every view it saw must be one the changelog
 * holds committed.
 */
@MyelinKafka(brokers = 1)
class ViewCommittedReadsIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String ACCOUNT = "acc-r";
    private static final int DEPOSITS_PER_ROUND = 8;

    @Test
    void aViewQueryNeverShowsWhatAnAbortedTransactionWrote(EmbeddedKafkaCluster kafka, @TempDir Path dir) throws Exception {
        String topic = "bank.committed.events";
        kafka.createCompactedTopic(topic, 1);
        InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
        Bank writer = new Bank(schemas);
        FlakyRegistry flaky = new FlakyRegistry(schemas);
        Bank bank = new Bank(flaky);
        Projection<String, Balance> projection = randomlyFolded("committed-balances", topic, bank);
        ProjectionConfig config = abortable(kafka, "committed", dir).property("num.stream.threads", 1).build();

        try (RunningProjection<String, Balance> running = RunningProjection.start(projection, config)) {
            running.awaitRunning(WAIT);
            write(kafka, topic, List.of(writer.event(ACCOUNT, Bank.deposited(1))));
            int[] expected = {1};
            Await.until(WAIT, "the first deposit folded", () -> events(running) == expected[0], () -> view(running));

            Map<Integer, Set<Long>> seen = new ConcurrentHashMap<>(); // every amount seen at each event count
            AtomicBoolean reading = new AtomicBoolean(true);
            Thread reader = new Thread(() -> {
                while (reading.get()) {
                    try {
                        running.query().get(ACCOUNT).ifPresent(b -> seen.computeIfAbsent(b.getEvents(), n -> ConcurrentHashMap.newKeySet())
                                .add(b.getAmount()));
                    } catch (ViewUnavailableException e) {
                        // the task is being set up again after a hold: nothing to see
                    }
                }
            }, "view-reader");
            reader.start();
            int holds = 0;
            try {
                // each is a type the projection has not decoded yet, so it asks the registry for its schema
                for (SpecificRecord unseen : List.<SpecificRecord>of(new AccountOpened("ada"), new Withdrawn(0L), new Audited("auditor"))) {
                    flaky.downExceptCached();
                    List<Bank.EventRecord> records = new java.util.ArrayList<>();
                    for (int d = 0; d < DEPOSITS_PER_ROUND; d++) {
                        records.add(writer.event(ACCOUNT, Bank.deposited(2 + d)));
                    }
                    records.add(writer.event(ACCOUNT, unseen));
                    write(kafka, topic, records);
                    Await.until(WAIT, "the partition held while the registry is down",
                            () -> running.health() instanceof Health.Degraded, running::health);
                    holds++;
                    flaky.up();
                    expected[0] += DEPOSITS_PER_ROUND; // the unseen event has no handler: it folds nothing
                    Await.until(WAIT, "the round folded once the registry is back", () -> events(running) == expected[0],
                            () -> view(running));
                }
            } finally {
                reading.set(false);
                reader.join();
            }

            Map<Integer, Set<Long>> committed = committedViews(kafka, running.applicationId(), writer);
            assertThat(holds).as("transactions aborted on purpose").isEqualTo(3);
            assertThat(seen).as("views read while transactions aborted").isNotEmpty();
            seen.forEach((events, amounts) -> assertThat(committed.getOrDefault(events, Set.of()))
                    .as("views with %s events the query showed must be committed ones", events).containsAll(amounts));
        }
    }

    /**
     * A balances projection that folds each deposit with a random part, so a deposit folded in a
     * transaction that aborts and folded again after it leaves a different view at the same event count.
     */
    static Projection<String, Balance> randomlyFolded(String name, String topic, Bank bank) {
        return Projection.named(name)
                .from(topic, bank.events)
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (balance, deposited, metadata) -> Bank.apply(balance,
                        deposited.getAmount() * 1_000 + ThreadLocalRandom.current().nextLong(1, 1_000), metadata))
                .build();
    }

    /** Settings under which a round of deposits and the event that holds them share one transaction. */
    static ProjectionConfig.Builder abortable(EmbeddedKafkaCluster kafka, String application, Path dir) {
        return ProjectionConfig.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .application(application)
                .property("state.dir", dir.resolve("state").toString())
                .property("commit.interval.ms", 2_000);
    }

    private static int events(RunningProjection<String, Balance> running) {
        return view(running).getEvents();
    }

    private static Balance view(RunningProjection<String, Balance> running) {
        try {
            return running.query().get(ACCOUNT).orElse(new Balance(0L, 0, 0L));
        } catch (ViewUnavailableException e) {
            return new Balance(0L, -1, 0L);
        }
    }

    static void write(EmbeddedKafkaCluster kafka, String topic, List<Bank.EventRecord> records) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.clientProperties(), new StringSerializer(),
                new ByteArraySerializer())) {
            for (Bank.EventRecord record : records) {
                producer.send(new ProducerRecord<>(topic, 0, record.key(), record.value(), record.headers()));
            }
            producer.flush();
        }
    }

    /** Every view of {@link #ACCOUNT} the view store's changelog holds committed, amounts by event count. */
    private static Map<Integer, Set<Long>> committedViews(EmbeddedKafkaCluster kafka, String applicationId, Bank bank) throws Exception {
        List<String> changelogs = kafka.admin().listTopics().names().get().stream()
                .filter(name -> name.startsWith(applicationId) && name.endsWith("-changelog")).toList();
        assertThat(changelogs).as("the view store's changelog").hasSize(1);
        Map<String, Object> props = kafka.clientProperties();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<Integer, Set<Long>> views = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(changelogs.get(0), 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (consumer.position(partition) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() != null && ACCOUNT.equals(record.key())) {
                        Balance balance = bank.balances.deserializer().deserialize(record.topic(), record.value());
                        views.computeIfAbsent(balance.getEvents(), n -> new java.util.HashSet<>()).add(balance.getAmount());
                    }
                }
            }
        }
        return views;
    }
}
