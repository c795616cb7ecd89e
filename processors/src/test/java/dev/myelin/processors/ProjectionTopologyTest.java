package dev.myelin.processors;

import static dev.myelin.processors.Bank.EVENTS;
import static dev.myelin.processors.Bank.deposited;
import static dev.myelin.processors.Bank.opened;
import static dev.myelin.processors.Bank.withdrawn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.test.TestRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.RetryPolicy;
import dev.myelin.processors.bank.AccountOpened;
import dev.myelin.processors.bank.Audited;
import dev.myelin.processors.bank.Balance;
import dev.myelin.processors.bank.Deposited;
import dev.myelin.processors.internal.LocalViewQuery;
import dev.myelin.schemas.InMemorySchemaRegistry;
import dev.myelin.schemas.UndecodableRecordException;

/** The projection topology on TopologyTestDriver: folding, publishing, re-keying and dead letters. */
class ProjectionTopologyTest {

    private final Bank bank = new Bank(new InMemorySchemaRegistry());
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> input;

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private <K, V> ViewQuery<K, V> run(Projection<K, V> projection) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, projection.name() + ".v" + projection.version());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(projection.topology(), props);
        input = driver.createInputTopic(EVENTS, new StringSerializer(), new ByteArraySerializer());
        return new LocalViewQuery<>(projection.name(), () -> driver.getKeyValueStore(projection.viewStoreName()));
    }

    private void pipe(Bank.EventRecord record) {
        input.pipeInput(new TestRecord<>(record.key(), record.value(), record.headers()));
    }

    private void pipe(String aggregateId, SpecificRecord... events) {
        for (SpecificRecord event : events) {
            pipe(bank.event(aggregateId, event));
        }
    }

    private List<DeadLetter> deadLetters(Projection<?, ?> projection) {
        TestOutputTopic<byte[], byte[]> topic = driver.createOutputTopic(projection.deadLetterTopic(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        return topic.readRecordsToList().stream()
                .map(r -> DeadLetter.from(new ConsumerRecord<>(projection.deadLetterTopic(), 0, 0L, r.timestamp(), TimestampType.CREATE_TIME,
                        -1, -1, r.key(), r.value(), r.headers(), Optional.empty())))
                .toList();
    }

    @Test
    void foldsEachAggregatesEventsIntoItsView() {
        ViewQuery<String, Balance> view = run(bank.balances("balances").build());

        pipe("acc-1", deposited(10), deposited(5), withdrawn(3));
        pipe("acc-2", deposited(7));

        assertThat(view.get("acc-1")).contains(new Balance(12L, 3, 3L));
        assertThat(view.get("acc-2")).contains(new Balance(7L, 1, 1L));
        assertThat(view.get("acc-3")).isEmpty();
        assertThat(view.all()).extracting(ViewEntry::key).containsExactly("acc-1", "acc-2");
        assertThat(view.range("acc-2", "acc-9")).containsExactly(new ViewEntry<>("acc-2", new Balance(7L, 1, 1L)));
    }

    @Test
    void skipsEventsWithoutAHandlerAndTombstones() {
        ViewQuery<String, Balance> view = run(bank.balances("balances").build());

        pipe("acc-1", opened("ada"), new Audited("bob"), deposited(4));
        input.pipeInput("acc-1@9", null);

        assertThat(view.get("acc-1")).contains(new Balance(4L, 1, 3L));
        assertThat(deadLetters(bank.balances("balances").build())).isEmpty();
    }

    @Test
    void dispatchesToTheHandlerOfASupertypeWhenTheClassHasNone() {
        Projection<String, Balance> counting = Projection.named("counting")
                .from(EVENTS, bank.events)
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (b, e, m) -> new Balance(b.getAmount() + 100, b.getEvents() + 1, m.sequence()))
                .on(SpecificRecord.class, (b, e, m) -> new Balance(b.getAmount(), b.getEvents() + 1, m.sequence()))
                .build();
        ViewQuery<String, Balance> view = run(counting);

        pipe("acc-1", opened("ada"), deposited(1), withdrawn(1));

        assertThat(view.get("acc-1")).contains(new Balance(100L, 3, 3L));
    }

    @Test
    void dispatchesGenericRecordsByTheirEventTypeHeader() {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        Bank writer = new Bank(registry);
        org.apache.kafka.common.serialization.Serde<org.apache.avro.generic.GenericRecord> generic =
                dev.myelin.schemas.AvroSerdes.generic(registry);
        Projection<String, Long> totals = Projection.named("totals")
                .from(EVENTS, generic)
                .initially(() -> 0L, Serdes.Long())
                .onType("Deposited", (total, event, metadata) -> total + (Long) event.get("amount"))
                .onType("Withdrawn", (total, event, metadata) -> total - (Long) event.get("amount"))
                .build();
        ViewQuery<String, Long> view = run(totals);

        for (SpecificRecord event : List.of(deposited(10), opened("ada"), withdrawn(4), deposited(1))) {
            pipe(writer.event("acc-1", event));
        }

        assertThat(view.get("acc-1")).contains(7L);
    }

    @Test
    void prefersAHandlerByTypeNameToOneByClass() {
        Projection<String, Balance> projection = Projection.named("balances")
                .from(EVENTS, bank.events)
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (b, e, m) -> new Balance(b.getAmount() + e.getAmount(), b.getEvents() + 1, m.sequence()))
                .onType("Deposited", (b, e, m) -> new Balance(b.getAmount() - 1, b.getEvents() + 1, m.sequence()))
                .build();
        ViewQuery<String, Balance> view = run(projection);

        pipe("acc-1", deposited(10));

        assertThat(view.get("acc-1")).contains(new Balance(-1L, 1, 1L));
    }

    @Test
    void publishesEachNewViewToThePublishTopic() {
        Projection<String, Balance> projection = bank.balances("balances").publishTo("bank.balances").build();
        run(projection);
        TestOutputTopic<String, Balance> published = driver.createOutputTopic("bank.balances", new StringDeserializer(),
                bank.balances.deserializer());

        pipe("acc-1", deposited(10), opened("ada"), withdrawn(4));

        assertThat(published.readKeyValuesToList()).containsExactly(
                KeyValue.pair("acc-1", new Balance(10L, 1, 1L)),
                KeyValue.pair("acc-1", new Balance(6L, 2, 3L)));
    }

    @Test
    void deadLettersCorruptBytesWithTheirOriginAndGoesOn() {
        Projection<String, Balance> projection = bank.balances("balances").build();
        ViewQuery<String, Balance> view = run(projection);

        pipe("acc-1", deposited(10));
        Bank.EventRecord corrupt = bank.raw("acc-1", "not avro".getBytes(StandardCharsets.UTF_8), "Deposited");
        pipe(corrupt);
        pipe("acc-1", deposited(5));

        assertThat(view.get("acc-1")).contains(new Balance(15L, 2, 3L));
        List<DeadLetter> letters = deadLetters(projection);
        assertThat(letters).singleElement().satisfies(letter -> {
            assertThat(letter.projection()).isEqualTo("balances");
            assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.UNDECODABLE);
            assertThat(letter.errorClass()).isEqualTo(dev.myelin.schemas.WireFormatException.class.getName());
            assertThat(letter.errorMessage()).isNotEmpty();
            assertThat(letter.stackTrace()).contains("WireFormatException");
            assertThat(letter.origin().topic()).isEqualTo(EVENTS);
            assertThat(letter.origin().partition()).hasValue(0);
            assertThat(letter.origin().offset()).hasValue(1L);
            assertThat(letter.attempts()).isZero();
            assertThat(new String(letter.key(), StandardCharsets.UTF_8)).isEqualTo("acc-1@2");
            assertThat(letter.value()).isEqualTo(corrupt.value());
        });
        assertThat(UndecodableRecordException.class).isAssignableFrom(dev.myelin.schemas.WireFormatException.class);
    }

    @Test
    void deadLettersEventsWithoutMetadataHeaders() {
        Projection<String, Balance> projection = bank.balances("balances").build();
        ViewQuery<String, Balance> view = run(projection);

        input.pipeInput(new TestRecord<>("acc-1@1", bank.events.serializer().serialize(EVENTS, deposited(3)),
                new RecordHeaders()));
        pipe("acc-1", deposited(1));

        assertThat(deadLetters(projection)).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.UNDECODABLE);
            assertThat(letter.errorClass()).isEqualTo(dev.myelin.schemas.InvalidEventMetadataException.class.getName());
        });
        assertThat(view.get("acc-1")).contains(new Balance(1L, 1, 1L));
    }

    @Test
    void deadLettersAnEventWhoseHandlerThrowsAfterRetryingIt() {
        AtomicInteger calls = new AtomicInteger();
        Projection<String, Balance> projection = Projection.named("balances")
                .from(EVENTS, bank.events)
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (balance, deposited, metadata) -> {
                    if (deposited.getAmount() == 13) {
                        calls.incrementAndGet();
                        throw new IllegalStateException("unlucky amount");
                    }
                    return Bank.apply(balance, deposited.getAmount(), metadata);
                })
                .retry(RetryPolicy.attempts(3))
                .build();
        ViewQuery<String, Balance> view = run(projection);

        pipe("acc-1", deposited(1), deposited(13), deposited(2));

        assertThat(calls).hasValue(3);
        assertThat(view.get("acc-1")).contains(new Balance(3L, 2, 3L));
        assertThat(deadLetters(projection)).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.HANDLER_FAILED);
            assertThat(letter.errorClass()).isEqualTo(IllegalStateException.class.getName());
            assertThat(letter.errorMessage()).isEqualTo("unlucky amount");
            assertThat(letter.attempts()).isEqualTo(3);
            assertThat(letter.origin().offset()).hasValue(1L);
        });
    }

    @Test
    void retriesATransientHandlerFailureUntilItSucceeds() {
        AtomicInteger calls = new AtomicInteger();
        Projection<String, Balance> projection = Projection.named("balances")
                .from(EVENTS, bank.events)
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (balance, deposited, metadata) -> {
                    if (calls.incrementAndGet() < 3) {
                        throw new IllegalStateException("lookup timed out");
                    }
                    return Bank.apply(balance, deposited.getAmount(), metadata);
                })
                .retry(RetryPolicy.attempts(3).backoff(java.time.Duration.ofMillis(1), java.time.Duration.ofMillis(2)))
                .build();
        ViewQuery<String, Balance> view = run(projection);

        pipe("acc-1", deposited(8));

        assertThat(view.get("acc-1")).contains(new Balance(8L, 1, 1L));
        assertThat(deadLetters(projection)).isEmpty();
    }

    @Test
    void deadLettersAHandlerThatReturnsNull() {
        Projection<String, Balance> projection = Projection.named("balances")
                .from(EVENTS, bank.events)
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (balance, deposited, metadata) -> null)
                .retry(RetryPolicy.none())
                .build();
        run(projection);

        pipe("acc-1", deposited(8));

        assertThat(deadLetters(projection)).singleElement().satisfies(letter -> {
            assertThat(letter.errorClass()).isEqualTo(NullPointerException.class.getName());
            assertThat(letter.errorMessage()).contains("returned null");
        });
    }

    @Test
    void stopsAtAFailedEventUnderTheFailFastPolicy() {
        Projection<String, Balance> projection = bank.balances("balances").onError(ErrorPolicy.FAIL_FAST)
                .retry(RetryPolicy.none()).build();
        ViewQuery<String, Balance> view = run(projection);
        pipe("acc-1", deposited(5));

        assertThatThrownBy(() -> pipe("acc-1", withdrawn(-1)))
                .isInstanceOf(StreamsException.class)
                .rootCause().hasMessage("negative withdrawal -1");
        assertThat(view.get("acc-1")).contains(new Balance(5L, 1, 1L));
    }

    @Test
    void readsReDrivenEventsAndKeepsTheirOriginWhenTheyFailAgain() {
        Projection<String, Balance> projection = bank.balances("balances").retry(RetryPolicy.none()).build();
        ViewQuery<String, Balance> view = run(projection);
        TestInputTopic<String, byte[]> redrive = driver.createInputTopic("balances.redrive", new StringSerializer(),
                new ByteArraySerializer());

        Bank.EventRecord again = bank.event("acc-1", withdrawn(-2));
        again.headers().add("myelin.origin.topic", EVENTS.getBytes(StandardCharsets.UTF_8));
        again.headers().add("myelin.origin.partition", "2".getBytes(StandardCharsets.UTF_8));
        again.headers().add("myelin.origin.offset", "77".getBytes(StandardCharsets.UTF_8));
        redrive.pipeInput(new TestRecord<>(again.key(), again.value(), again.headers()));
        Bank.EventRecord fine = bank.event("acc-1", deposited(4));
        redrive.pipeInput(new TestRecord<>(fine.key(), fine.value(), fine.headers()));

        assertThat(view.get("acc-1")).contains(new Balance(4L, 1, 2L));
        assertThat(deadLetters(projection)).singleElement().satisfies(letter -> {
            assertThat(letter.origin()).isEqualTo(dev.myelin.schemas.RecordOrigin.of(EVENTS, 2, 77));
            assertThat(letter.errorMessage()).isEqualTo("negative withdrawal -2");
        });
    }

    @Test
    void keysViewsByAnyFunctionThroughARepartitionTopic() {
        // Balances per owner: the owner comes from AccountOpened, so here each account's owner is its
        // correlation id's suffix, which lets every event name its key.
        Projection<String, Balance> byOwner = Projection.named("owner-totals")
                .from(EVENTS, bank.events)
                .keyedBy((event, metadata) -> metadata.aggregateId().startsWith("ada") ? "ada" : "bob", Serdes.String())
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (balance, deposited, metadata) -> Bank.apply(balance, deposited.getAmount(), metadata))
                .build();
        ViewQuery<String, Balance> view = run(byOwner);

        pipe("ada-1", deposited(1));
        pipe("bob-1", deposited(10));
        pipe("ada-2", deposited(2), deposited(3));

        assertThat(view.get("ada")).contains(new Balance(6L, 3, 2L));
        assertThat(view.get("bob")).contains(new Balance(10L, 1, 1L));
        assertThat(view.get("ada-1")).isEmpty();
    }

    @Test
    void deadLettersCorruptBytesBeforeRekeyingThem() {
        Projection<String, Balance> byOwner = Projection.named("owner-totals")
                .from(EVENTS, bank.events)
                .keyedBy((event, metadata) -> "all", Serdes.String())
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (balance, deposited, metadata) -> Bank.apply(balance, deposited.getAmount(), metadata))
                .on(AccountOpened.class, (balance, opened, metadata) -> {
                    throw new IllegalStateException("cannot open " + opened.getOwner());
                })
                .retry(RetryPolicy.none())
                .build();
        ViewQuery<String, Balance> view = run(byOwner);

        pipe(bank.raw("acc-1", new byte[] {0, 0, 0, 0, 9}, "Deposited"));
        pipe("acc-1", opened("ada"), deposited(4));

        assertThat(view.get("all")).contains(new Balance(4L, 1, 3L));
        List<DeadLetter> letters = deadLetters(byOwner);
        assertThat(letters).extracting(DeadLetter::reason)
                .containsExactly(DeadLetter.Reason.UNDECODABLE, DeadLetter.Reason.HANDLER_FAILED);
        // the handler failed after the repartition topic, yet the dead letter points at the events topic
        assertThat(letters.get(1).origin().topic()).isEqualTo(EVENTS);
        assertThat(letters.get(1).origin().offset()).hasValue(1L);
        assertThat(new String(letters.get(1).key(), StandardCharsets.UTF_8)).isEqualTo("all");
    }
}
