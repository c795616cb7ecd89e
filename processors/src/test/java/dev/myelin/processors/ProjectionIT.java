package dev.myelin.processors;

import static dev.myelin.processors.Bank.deposited;
import static dev.myelin.processors.Bank.opened;
import static dev.myelin.processors.Bank.withdrawn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.Await;
import dev.myelin.eventstore.internal.AggregatePartitioner;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.DeadLetterStatus;
import dev.myelin.eventstore.RetryPolicy;
import dev.myelin.processors.bank.Balance;
import dev.myelin.processors.bank.Deposited;
import dev.myelin.processors.bank.Withdrawn;
import dev.myelin.schemas.EventMetadata;
import dev.myelin.schemas.InMemorySchemaRegistry;

/**
 * Projections on a real broker: the view equals the fold of the log, poison events are dead-lettered
 * with their headers while the events after them count, several projections run side by side, and a
 * new version rebuilds the view from offset zero while the old one serves.
 */
@MyelinKafka(brokers = 1)
class ProjectionIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int PARTITIONS = 3;

    private final EmbeddedKafkaCluster kafka;
    // One in-memory registry shared by the writer and the projections in this JVM: the broker is real,
    // the schema ids only need to agree within the test.
    private final Bank bank = new Bank(new InMemorySchemaRegistry());

    @TempDir
    Path stateDir;

    ProjectionIT(EmbeddedKafkaCluster kafka) {
        this.kafka = kafka;
    }

    private ProjectionConfig config() {
        return configBuilder(stateDir).build();
    }

    private ProjectionConfig.Builder configBuilder(Path state) {
        return ProjectionConfig.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .application("bank")
                .property("state.dir", state.toString())
                .property("commit.interval.ms", 50)
                .property("num.stream.threads", 1);
    }

    /** Writes records the way the event store lays them out: key {@code id@seq}, partitioned by aggregate id. */
    private void write(String topic, List<Bank.EventRecord> records) {
        Map<String, Object> props = new HashMap<>(kafka.clientProperties());
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (Bank.EventRecord record : records) {
                String aggregateId = record.key().substring(0, record.key().lastIndexOf('@'));
                int partition = AggregatePartitioner.partitionOf(aggregateId, PARTITIONS);
                sent.add(producer.send(new ProducerRecord<>(topic, partition, record.key(), record.value(), record.headers())));
            }
            producer.flush();
            // a write that failed fails here, naming itself, not later as a view that lacks it
            for (Future<RecordMetadata> result : sent) {
                result.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a test event could not be written to " + topic, e.getCause());
        }
    }

    /** A history of 40 accounts with one corrupt record and one event the handler throws on, and their fold. */
    private record History(List<Bank.EventRecord> records, Map<String, Balance> fold, Bank.EventRecord corrupt,
                           Bank.EventRecord poison) {
    }

    private History history(int accounts, int eventsEach) {
        List<Bank.EventRecord> records = new ArrayList<>();
        Map<String, Balance> fold = new LinkedHashMap<>();
        Bank.EventRecord corrupt = null;
        Bank.EventRecord poison = null;
        for (int e = 0; e < eventsEach; e++) {
            for (int a = 0; a < accounts; a++) {
                String id = "acc-" + a;
                SpecificRecord event = e == 0 ? opened("owner-" + a) : e % 4 == 0 ? withdrawn(e) : deposited(e * 10L + a);
                Bank.EventRecord record = bank.event(id, event);
                records.add(record);
                long sequence = EventMetadata.readFrom(record.headers()).sequence();
                if (event instanceof Deposited d) {
                    fold.merge(id, new Balance(d.getAmount(), 1, sequence),
                            (old, x) -> new Balance(old.getAmount() + d.getAmount(), old.getEvents() + 1, sequence));
                } else if (event instanceof Withdrawn w) {
                    fold.merge(id, new Balance(-w.getAmount(), 1, sequence),
                            (old, x) -> new Balance(old.getAmount() - w.getAmount(), old.getEvents() + 1, sequence));
                }
                if (e == eventsEach / 2 && a == 7) {
                    corrupt = bank.raw(id, new byte[] {0, 0, 0, 0, 1, (byte) 0xff, (byte) 0xff}, "Deposited");
                    records.add(corrupt);
                    poison = bank.event(id, withdrawn(-5));
                    records.add(poison);
                }
            }
        }
        return new History(records, fold, corrupt, poison);
    }

    private static Map<String, Balance> viewOf(RunningProjection<String, Balance> running) {
        Map<String, Balance> view = new LinkedHashMap<>();
        try {
            running.query().all().forEach(entry -> view.put(entry.key(), entry.view()));
        } catch (ViewUnavailableException e) {
            return Map.of();
        }
        return view;
    }

    @Test
    void theViewEqualsTheFoldOfTheLogAndPoisonEventsAreDeadLettered() {
        String topic = Bank.EVENTS;
        kafka.createCompactedTopic(topic, PARTITIONS);
        History history = history(40, 25);
        write(topic, history.records());

        Projection<String, Balance> projection = bank.balances("account-balances").publishTo("bank.account-balances").build();
        try (RunningProjection<String, Balance> running = RunningProjection.start(projection, config())) {
            running.awaitRunning(WAIT);
            assertThat(running.applicationId()).isEqualTo("bank.account-balances.v1");

            Await.until(WAIT, "the view equals the fold of the log", () -> viewOf(running).equals(history.fold()),
                    () -> viewOf(running).size() + " keys");
            assertThat(running.query().get("acc-7")).contains(history.fold().get("acc-7"));
            assertThat(running.query().get("acc-none")).isEmpty();
            Await.until(WAIT, "lag 0", () -> running.lag().caughtUp(), running::lag);
            assertThat(running.lag().partitions().keySet()).extracting(TopicPartition::topic)
                    .containsOnly(topic, "bank.account-balances.redrive").hasSize(2 * PARTITIONS);

            List<DeadLetter> letters = running.deadLetters(WAIT);
            assertThat(letters).extracting(DeadLetter::reason)
                    .containsExactly(DeadLetter.Reason.UNDECODABLE, DeadLetter.Reason.HANDLER_FAILED);
            assertThat(letters.get(1).errorMessage()).isEqualTo("negative withdrawal -5");
            assertThat(letters.get(1).attempts()).as("the default retry policy's tries").isEqualTo(3);
            assertThat(letters).allSatisfy(letter -> {
                assertThat(letter.projection()).isEqualTo("account-balances");
                assertThat(letter.origin().topic()).isEqualTo(topic);
                assertThat(letter.origin().partition()).isPresent();
                assertThat(letter.origin().offset()).isPresent();
            });
            assertThat(letters.get(0).value()).isEqualTo(history.corrupt().value());

            // the raw dead-letter records carry the reason and origin as plain headers
            // the projection's own topics carry the application's name, as its other topics do
            assertThat(running.projection().deadLetterTopic()).isEqualTo("bank.account-balances.dead-letters");
            List<ConsumerRecord<byte[], byte[]>> raw = kafka.readAll(running.projection().deadLetterTopic(),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            assertThat(raw).hasSize(2);
            ConsumerRecord<byte[], byte[]> thrown = raw.get(1);
            assertThat(header(thrown, DeadLetter.ERROR_CLASS)).contains(IllegalArgumentException.class.getName());
            assertThat(header(thrown, DeadLetter.ERROR_MESSAGE)).contains("negative withdrawal -5");
            assertThat(header(thrown, DeadLetter.STACK_TRACE)).hasValueSatisfying(t -> assertThat(t).contains("at dev.myelin"));
            assertThat(header(thrown, DeadLetter.SOURCE_TOPIC)).contains(topic);
            assertThat(header(thrown, DeadLetter.SOURCE_PARTITION)).contains(Integer.toString(
                    letters.get(1).origin().partition().orElseThrow()));
            assertThat(header(thrown, DeadLetter.SOURCE_OFFSET)).contains(Long.toString(
                    letters.get(1).origin().offset().orElseThrow()));
            assertThat(header(thrown, DeadLetter.PROJECTION)).contains("account-balances");
            assertThat(header(thrown, EventMetadata.AGGREGATE_ID)).contains("acc-7");

            // events written while it runs count too
            Bank.EventRecord live = bank.event("acc-7", deposited(1000));
            write(topic, List.of(live));
            Balance before = history.fold().get("acc-7");
            Balance after = new Balance(before.getAmount() + 1000, before.getEvents() + 1,
                    EventMetadata.readFrom(live.headers()).sequence());
            Await.until(WAIT, "the live event counts", () -> running.query().get("acc-7").equals(Optional.of(after)),
                    () -> running.query().get("acc-7"));

            // the published topic ends with every key's latest view
            // (the store shows an update before its transaction commits; the topic only after)
            Map<String, Balance> expected = new HashMap<>(history.fold());
            expected.put("acc-7", after);
            Await.until(WAIT, "the published topic holds the latest views", () -> published().equals(expected),
                    this::published);
        }
    }

    @Test
    void awaitCaughtUpReturnsOnceWhatWasWrittenBeforeTheCallIsFoldedEvenWhileEventsKeepArriving() throws Exception {
        String topic = "bank.busy.events";
        kafka.createCompactedTopic(topic, PARTITIONS);
        List<Bank.EventRecord> before = new ArrayList<>();
        Map<String, Long> expected = new LinkedHashMap<>();
        for (int e = 1; e <= 20; e++) {
            for (int a = 0; a < 30; a++) {
                before.add(bank.event("acc-" + a, deposited(e)));
                expected.merge("acc-" + a, (long) e, Long::sum);
            }
        }
        write(topic, before);
        Projection<String, Balance> busy = Projection.named("busy")
                .from(topic, bank.events)
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (b, d, m) -> Bank.apply(b, d.getAmount(), m))
                .build();
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread stream = new Thread(() -> {
            // one account keeps receiving deposits, one acknowledged send at a time: the topic's end never stands still
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(new HashMap<>(kafka.clientProperties()),
                    new StringSerializer(), new ByteArraySerializer())) {
                while (writing.get()) {
                    Bank.EventRecord record = bank.event("acc-stream", deposited(1));
                    producer.send(new ProducerRecord<>(topic, 0, record.key(), record.value(), record.headers())).get();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "busy-writer");
        try (RunningProjection<String, Balance> running = RunningProjection.start(busy, config())) {
            running.awaitRunning(WAIT);
            stream.start();
            Await.until(WAIT, "the stream of deposits is being folded",
                    () -> running.query().get("acc-stream").map(Balance::getEvents).orElse(0) > 0, () -> viewOf(running).size());

            running.awaitCaughtUp(WAIT, Duration.ofSeconds(5));

            // committed with the offsets awaitCaughtUp saw; the local store applies its commit right after
            Await.until(Duration.ofSeconds(5), "every deposit written before the call is in the view", () -> {
                Map<String, Balance> view = viewOf(running);
                return expected.entrySet().stream().allMatch(e -> view.containsKey(e.getKey())
                        && view.get(e.getKey()).getAmount() == e.getValue());
            }, () -> viewOf(running));
        } finally {
            writing.set(false);
            stream.join();
        }
    }

    @Test
    void severalProjectionsRunSideBySideAndANewVersionRebuildsWhileTheOldServes() {
        String topic = "bank.savings.events";
        kafka.createCompactedTopic(topic, PARTITIONS);
        History history = history(10, 8);
        write(topic, history.records());
        Projection.Handlers<String, SpecificRecord, Balance> balances = Projection.named("savings")
                .from(topic, bank.events)
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (b, d, m) -> Bank.apply(b, d.getAmount(), m))
                .on(Withdrawn.class, (b, w, m) -> Bank.apply(b, -w.getAmount(), m))
                .retry(RetryPolicy.none());
        Projection<String, Balance> total = Projection.named("savings-total")
                .from(topic, bank.events)
                .keyedBy((event, metadata) -> "total", Serdes.String())
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (b, d, m) -> Bank.apply(b, d.getAmount(), m))
                .build();
        long deposits = history.records().stream().filter(r -> "Deposited".equals(EventMetadata.readFrom(r.headers()).eventType()))
                .count() - 1; // the corrupt record claims to be a deposit

        try (RunningProjection<String, Balance> v1 = RunningProjection.start(balances.build(), config());
             RunningProjection<String, Balance> totals = RunningProjection.start(total, config())) {
            Map<String, Balance> expected = foldWithPoison(history);
            Await.until(WAIT, "v1 equals the fold", () -> viewOf(v1).equals(expected), () -> viewOf(v1));
            Await.until(WAIT, "the re-keyed total counts every deposit",
                    () -> viewOf(totals).getOrDefault("total", new Balance(0L, 0, 0L)).getEvents() == deposits,
                    () -> viewOf(totals));

            totals.awaitCaughtUp(WAIT, Duration.ofMillis(500));
            assertThat(totals.lag().partitions().keySet()).extracting(TopicPartition::topic)
                    .containsOnly(topic, "bank.savings-total.redrive", "bank.savings-total.v1-myelin-rekey-repartition")
                    .hasSize(3 * PARTITIONS);

            SwitchableViewQuery<String, Balance> readers = SwitchableViewQuery.of(v1);
            try (RunningProjection<String, Balance> v2 = RunningProjection.start(balances.version(2).build(), config())) {
                assertThat(v2.applicationId()).isEqualTo("bank.savings.v2");
                // the old version keeps answering while the new one replays
                assertThat(readers.get("acc-3")).contains(expected.get("acc-3"));
                readers.switchWhenCaughtUp(v2, WAIT, Duration.ofMillis(200));
                assertThat(readers.current()).isSameAs(v2);
                Await.until(WAIT, "v2 rebuilt the same view", () -> viewOf(v2).equals(expected), () -> viewOf(v2));
                assertThat(viewOf(v1)).isEqualTo(expected);
                assertThatThrownBy(() -> readers.switchTo(totals)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("switch between versions of one projection");

                // the old version's state is removed on request; the new one serves on
                Await.until(WAIT, "v1 has a changelog", () -> topics().contains("bank.savings.v1-savings-view-changelog"),
                        this::topics);
                v1.destroy();
                Await.until(WAIT, "v1's changelog is deleted",
                        () -> !topics().contains("bank.savings.v1-savings-view-changelog"), this::topics);
                assertThat(topics()).contains("bank.savings.v2-savings-view-changelog");
                assertThat(v1.state()).isEqualTo(ProjectionState.STOPPED);
                assertThat(readers.get("acc-3")).contains(expected.get("acc-3"));
            }
        }
    }

    /** The fold when the handler does not throw on a negative withdrawal (it adds it back). */
    private static Map<String, Balance> foldWithPoison(History history) {
        Map<String, Balance> fold = new HashMap<>(history.fold());
        Balance seven = fold.get("acc-7");
        long poisonSequence = EventMetadata.readFrom(history.poison().headers()).sequence();
        // the poison withdrawal of -5 lands in the middle of acc-7's history; its sum and count change, not the last sequence
        fold.put("acc-7", new Balance(seven.getAmount() + 5, seven.getEvents() + 1,
                Math.max(seven.getLastSequence(), poisonSequence)));
        return fold;
    }

    @Test
    void aFailFastProjectionStopsAtTheFirstPoisonEvent() {
        String topic = "bank.strict.events";
        kafka.createCompactedTopic(topic, 1);
        List<Bank.EventRecord> records = List.of(bank.event("s-1", deposited(5)), bank.event("s-1", withdrawn(-1)),
                bank.event("s-1", deposited(7)));
        Map<String, Object> props = new HashMap<>(kafka.clientProperties());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            records.forEach(r -> producer.send(new ProducerRecord<>(topic, 0, r.key(), r.value(), r.headers())));
            producer.flush();
        }
        Projection<String, Balance> strict = Projection.named("strict")
                .from(topic, bank.events)
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (b, d, m) -> Bank.apply(b, d.getAmount(), m))
                .on(Withdrawn.class, (b, w, m) -> {
                    throw new IllegalStateException("no withdrawals here");
                })
                .onError(ErrorPolicy.FAIL_FAST)
                .retry(RetryPolicy.none())
                .build();

        try (RunningProjection<String, Balance> running = RunningProjection.start(strict, config())) {
            Await.until(WAIT, "the projection failed", () -> running.state() == ProjectionState.FAILED, running::state);
            assertThat(running.failure()).hasValueSatisfying(failure -> {
                assertThat(failure).isInstanceOf(ProjectionFailedException.class);
                assertThat(((ProjectionFailedException) failure).origin().offset()).hasValue(1L);
            });
            assertThatThrownBy(() -> running.awaitRunning(Duration.ofSeconds(1)))
                    .isInstanceOf(MyelinProjectionException.class).hasMessageContaining("FAILED");
            assertThat(running.deadLetters(WAIT)).isEmpty();
        }
    }

    @Test
    void aQuerySentToEitherOfTwoInstancesFindsEveryKey() {
        String topic = "bank.shared.events";
        kafka.createCompactedTopic(topic, PARTITIONS);
        History history = history(30, 4);
        write(topic, history.records());
        Projection<String, Balance> shared = Projection.named("shared")
                .from(topic, bank.events)
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (b, d, m) -> Bank.apply(b, d.getAmount(), m))
                .on(Withdrawn.class, (b, w, m) -> Bank.apply(b, -w.getAmount(), m))
                .build();
        Map<String, Balance> expected = foldWithPoison(history);

        try (RunningProjection<String, Balance> a = RunningProjection.start(shared,
                configBuilder(stateDir.resolve("a")).queryEndpoint("127.0.0.1", 0).build());
             RunningProjection<String, Balance> b = RunningProjection.start(shared,
                     configBuilder(stateDir.resolve("b")).queryEndpoint("127.0.0.1", 0)
                             .queryCacheTime(Duration.ofMillis(200)).build())) {
            Await.until(WAIT, "both instances own part of the view",
                    () -> viewOf(a).size() > 0 && viewOf(b).size() > 0 && viewOf(a).size() + viewOf(b).size() == expected.size(),
                    () -> "a " + viewOf(a).keySet() + ", b " + viewOf(b).keySet());
            for (RunningProjection<String, Balance> instance : List.of(a, b)) {
                Await.until(WAIT, "every key answered right through " + instance.applicationId(),
                        () -> answers(instance, expected.keySet()).equals(expected), () -> answers(instance, expected.keySet()));
                assertThat(instance.query().get("acc-none")).isEmpty();
            }
        }
    }

    private static Map<String, Balance> answers(RunningProjection<String, Balance> instance, java.util.Set<String> keys) {
        Map<String, Balance> answers = new HashMap<>();
        try {
            keys.forEach(key -> instance.query().get(key).ifPresent(view -> answers.put(key, view)));
        } catch (ViewUnavailableException e) {
            return Map.of();
        }
        return answers;
    }

    @Test
    void deadLettersAreReDrivenOnceTheirCauseIsFixed() {
        String topic = "bank.fixable.events";
        kafka.createCompactedTopic(topic, PARTITIONS);
        write(topic, List.of(bank.event("acc-1", deposited(10)), bank.event("acc-1", withdrawn(-5)),
                bank.event("acc-2", deposited(3)), bank.event("acc-1", deposited(1))));
        java.util.concurrent.atomic.AtomicBoolean fixed = new java.util.concurrent.atomic.AtomicBoolean();
        Projection<String, Balance> fixable = Projection.named("fixable")
                .from(topic, bank.events)
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (b, d, m) -> Bank.apply(b, d.getAmount(), m))
                .on(Withdrawn.class, (b, w, m) -> {
                    if (w.getAmount() < 0 && !fixed.get()) {
                        throw new IllegalStateException("refunds are not supported yet");
                    }
                    return Bank.apply(b, -w.getAmount(), m);
                })
                .retry(RetryPolicy.none())
                .build();

        try (RunningProjection<String, Balance> running = RunningProjection.start(fixable, config())) {
            Await.until(WAIT, "the poison event is dead-lettered and the rest counted",
                    () -> viewOf(running).equals(Map.of("acc-1", new Balance(11L, 2, 3L), "acc-2", new Balance(3L, 1, 1L))),
                    () -> viewOf(running));
            // the local view can show a fold before its transaction (and the dead letter in it) commits
            Await.until(WAIT, "the poison event's dead letter is committed", () -> running.deadLetters(WAIT).size() == 1,
                    () -> running.deadLetters(WAIT));

            fixed.set(true);
            assertThat(running.redrive(letter -> letter.errorMessage().contains("refunds"), "ada", WAIT)).isEqualTo(1);

            // folded after the events that followed it: the view's last sequence is the re-driven one's
            Await.until(WAIT, "the re-driven event counts", () -> running.query().get("acc-1")
                    .equals(Optional.of(new Balance(16L, 3, 2L))), () -> running.query().get("acc-1"));
            running.awaitCaughtUp(WAIT, Duration.ofSeconds(5));
            assertThat(running.deadLetters(WAIT)).singleElement().satisfies(letter -> {
                assertThat(letter.status()).isEqualTo(DeadLetterStatus.REDRIVEN);
                assertThat(letter.actions()).singleElement().satisfies(a -> assertThat(a.by()).isEqualTo("ada"));
                assertThat(letter.position().topic()).isEqualTo(running.projection().deadLetterTopic());
            });
            assertThat(running.redrive(letter -> false, WAIT)).isZero();
            // redriven once: neither redriven again nor skipped, and the view counts it once
            assertThat(running.redrive(letter -> true, "ada", WAIT)).isZero();
            assertThat(running.skip(letter -> true, "bob", WAIT)).isZero();
            running.awaitCaughtUp(WAIT, Duration.ofSeconds(5));
            assertThat(running.query().get("acc-1")).contains(new Balance(16L, 3, 2L));
        }
    }

    @Test
    void refusesToStartWithoutItsSourceTopic() {
        Projection<String, Balance> missing = Projection.named("missing")
                .from("bank.nothing.events", bank.events)
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (b, d, m) -> b)
                .build();

        assertThatThrownBy(() -> RunningProjection.start(missing, config()))
                .isInstanceOf(MyelinProjectionException.class)
                .hasMessageContaining("bank.nothing.events").hasMessageContaining("does not exist");
    }

    private java.util.Set<String> topics() {
        try {
            return kafka.admin().listTopics().names().get();
        } catch (Exception e) {
            throw new AssertionError("could not list topics", e);
        }
    }

    private Map<String, Balance> published() {
        Map<String, Balance> published = new HashMap<>();
        kafka.readAll("bank.account-balances", new StringDeserializer(), bank.balances.deserializer())
                .forEach(r -> published.put(r.key(), r.value()));
        return published;
    }

    private static Optional<String> header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? Optional.empty() : Optional.of(new String(header.value(), StandardCharsets.UTF_8));
    }
}
