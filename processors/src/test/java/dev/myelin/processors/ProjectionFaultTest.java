package dev.myelin.processors;

import static dev.myelin.processors.Bank.EVENTS;
import static dev.myelin.processors.Bank.deposited;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.myelin.processors.bank.Balance;
import dev.myelin.processors.bank.Deposited;
import dev.myelin.processors.internal.DeadLetterCodec;
import dev.myelin.eventstore.internal.Holds;
import dev.myelin.processors.internal.LocalViewQuery;
import dev.myelin.processors.internal.ProjectionDefinition;
import dev.myelin.processors.internal.ProjectionEngine;
import dev.myelin.processors.internal.ProjectionTopology;
import dev.myelin.schemas.AvroSerdeConfig;
import dev.myelin.schemas.AvroSerdes;
import dev.myelin.schemas.InMemorySchemaRegistry;
import dev.myelin.schemas.RecordOrigin;
import dev.myelin.schemas.WireFormatException;

/**
 * Issue "nothing is skipped, faults pause and resume": what a projection does when a step other than
 * its handler fails. An unavailable schema registry is waited out, never a dead letter; a view key or
 * view that cannot be written, read or sent dead-letters its event with the reason and origin, and
 * the projection goes on with the next event instead of failing its stream thread on every try.
 */
class ProjectionFaultTest {

    private static final String ACCOUNT = "acc-1";

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    /** What the projection decodes events through; the writer registers through {@link #registry} directly. */
    private final FlakyRegistry flaky = new FlakyRegistry(registry);
    private final Bank bank = new Bank(registry);
    private final Serde<SpecificRecord> flakyEvents = AvroSerdes.specific(AvroSerdeConfig.builder(flaky).build());
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> events;
    private long nextOffset;

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private <V> ViewQuery<String, V> run(Projection<String, V> projection, Topology topology) {
        ProjectionDefinition<String, ?, V> definition = ProjectionDefinition.of(projection);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, definition.applicationId("faults"));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(topology, props);
        events = driver.createInputTopic(EVENTS, new StringSerializer(), new ByteArraySerializer());
        return new LocalViewQuery<>(projection.name(), () -> driver.getKeyValueStore(definition.storeName()));
    }

    private <V> ViewQuery<String, V> run(Projection<String, V> projection) {
        return run(projection, ProjectionTopology.build(ProjectionDefinition.of(projection)));
    }

    /** Balances by account, decoding events through the flaky registry and writing views through {@code views}. */
    private Projection.Handlers<String, SpecificRecord, Balance> balances(Serde<Balance> views) {
        return Projection.named("balances")
                .from(EVENTS, flakyEvents)
                .initially(() -> new Balance(0L, 0, 0L), views)
                .on(Deposited.class, (balance, deposited, metadata) -> Bank.apply(balance, deposited.getAmount(), metadata));
    }

    private long pipe(Bank.EventRecord record) {
        events.pipeInput(new TestRecord<>(record.key(), record.value(), record.headers()));
        return nextOffset++;
    }

    private long deposit(String account, long amount) {
        return pipe(bank.event(account, deposited(amount)));
    }

    private List<DeadLetter> deadLetters() {
        TestOutputTopic<byte[], byte[]> topic = driver.createOutputTopic("balances.dead-letters",
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        return topic.readRecordsToList().stream().map(r -> DeadLetterCodec.read(r.key(), r.value(), r.headers())).toList();
    }

    @Test
    void anOutageShorterThanOneProcessCallIsWaitedOutAndTheEventFoldedOnce() {
        ViewQuery<String, Balance> view = run(balances(bank.balances).build());

        // a registry restart while the projection has yet to learn the schema: the next three calls are
        // refused, then it answers (three tries in 30 ms gave up here, and stopped the projection)
        flaky.downFor(3);
        deposit(ACCOUNT, 10);
        deposit("acc-2", 7);
        deposit(ACCOUNT, 5);

        assertThat(flaky.refused()).isEqualTo(3);
        assertThat(deadLetters()).isEmpty();
        assertThat(view.get("acc-2")).contains(new Balance(7L, 1, 1L));
        assertThat(view.get(ACCOUNT)).contains(new Balance(15L, 2, 2L));
    }

    /** A serde that throws when asked to write {@code bad} (to {@code topic}, or any topic when null). */
    private static <T> Serde<T> failingOn(Serde<T> serde, T bad, String topic) {
        Serializer<T> serializer = new Serializer<>() {
            @Override
            public byte[] serialize(String to, T data) {
                return serialize(to, null, data);
            }

            @Override
            public byte[] serialize(String to, Headers headers, T data) {
                if (bad.equals(data) && (topic == null || topic.equals(to))) {
                    throw new IllegalStateException("cannot write " + data + " to " + to);
                }
                return serde.serializer().serialize(to, headers, data);
            }
        };
        return Serdes.serdeFrom(serializer, serde.deserializer());
    }

    @Test
    void aViewKeyItsSerdeCannotWriteIsDeadLetteredAndTheProjectionGoesOn() {
        ViewQuery<String, Balance> view = run(Projection.named("balances")
                .from(EVENTS, flakyEvents)
                .keyedBy((event, metadata) -> metadata.aggregateId(), failingOn(Serdes.String(), "acc-bad", null))
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (balance, deposited, metadata) -> Bank.apply(balance, deposited.getAmount(), metadata))
                .build());

        deposit(ACCOUNT, 10);
        long offset = deposit("acc-bad", 3);
        deposit(ACCOUNT, 5);

        List<DeadLetter> letters = deadLetters();
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).origin()).isEqualTo(RecordOrigin.of(EVENTS, 0, offset));
        assertThat(letters.get(0).reason().name()).isEqualTo("VIEW_FAILED");
        assertThat(letters.get(0).errorMessage()).contains("cannot write acc-bad");
        assertThat(view.get(ACCOUNT)).map(Balance::getAmount).contains(15L);
    }

    @Test
    void aViewItsSerdeCannotWriteIsDeadLetteredAndTheViewKeepsItsValueFromBefore() {
        Balance unwritable = new Balance(13L, 2, 2L);
        ViewQuery<String, Balance> view = run(balances(failingOn(bank.balances, unwritable, null)).build());

        deposit(ACCOUNT, 10);
        long offset = deposit(ACCOUNT, 3); // would make the view 13: its serde refuses that
        deposit("acc-2", 7);

        List<DeadLetter> letters = deadLetters();
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).origin()).isEqualTo(RecordOrigin.of(EVENTS, 0, offset));
        assertThat(letters.get(0).reason().name()).isEqualTo("VIEW_FAILED");
        assertThat(letters.get(0).errorMessage()).contains("cannot write");
        assertThat(view.get(ACCOUNT)).contains(new Balance(10L, 1, 1L));
        assertThat(view.get("acc-2")).contains(new Balance(7L, 1, 1L));
    }

    @Test
    void aViewThePublishSinkCannotWriteIsDeadLetteredAndNotStored() {
        Balance unwritable = new Balance(13L, 2, 2L);
        ViewQuery<String, Balance> view = run(balances(failingOn(bank.balances, unwritable, "bank.balances"))
                .publishTo("bank.balances").build());

        deposit(ACCOUNT, 10);
        long offset = deposit(ACCOUNT, 3);
        deposit(ACCOUNT, 4);

        List<DeadLetter> letters = deadLetters();
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).origin()).isEqualTo(RecordOrigin.of(EVENTS, 0, offset));
        assertThat(letters.get(0).reason().name()).isEqualTo("VIEW_FAILED");
        assertThat(letters.get(0).errorMessage()).contains("cannot write");
        // the store and the publish topic agree: neither has the view the event would have made
        assertThat(view.get(ACCOUNT)).contains(new Balance(14L, 2, 3L));
        TestOutputTopic<String, byte[]> published = driver.createOutputTopic("bank.balances", new StringDeserializer(),
                new ByteArrayDeserializer());
        assertThat(published.readValuesToList().stream().map(v -> bank.balances.deserializer().deserialize("bank.balances", v)))
                .containsExactly(new Balance(10L, 1, 1L), new Balance(14L, 2, 3L));
    }

    @Test
    void aStoredViewItsSerdeCannotReadDeadLettersTheEventsOfItsKeyOnly() {
        Balance unreadable = new Balance(13L, 1, 1L);
        Deserializer<Balance> deserializer = (topic, bytes) -> {
            Balance balance = bank.balances.deserializer().deserialize(topic, bytes);
            if (unreadable.equals(balance)) {
                throw new IllegalStateException("cannot read " + balance);
            }
            return balance;
        };
        run(balances(Serdes.serdeFrom(bank.balances.serializer(), deserializer)).build());

        deposit(ACCOUNT, 13);
        long offset = deposit(ACCOUNT, 1);
        deposit("acc-2", 7);

        List<DeadLetter> letters = deadLetters();
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).origin()).isEqualTo(RecordOrigin.of(EVENTS, 0, offset));
        assertThat(letters.get(0).reason().name()).isEqualTo("VIEW_FAILED");
        assertThat(letters.get(0).errorMessage()).contains("cannot read");
        assertThat(driver.getKeyValueStore("balances-view").get("acc-2")).isEqualTo(new Balance(7L, 1, 1L));
    }

    @Test
    void aViewLargerThanTheProducerMaySendIsDeadLetteredNotLeftToFailTheCommit() {
        // each deposit adds amount KiB to the view: the second makes it 1.2 MB, over the default max.request.size
        ViewQuery<String, String> view = run(Projection.named("balances")
                .from(EVENTS, flakyEvents)
                .initially(() -> "", Serdes.String())
                .on(Deposited.class, (text, deposited, metadata) -> text + "x".repeat((int) deposited.getAmount() * 1024))
                .build());

        deposit(ACCOUNT, 600);
        long offset = deposit(ACCOUNT, 600);
        deposit(ACCOUNT, 1);

        List<DeadLetter> letters = deadLetters();
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).origin()).isEqualTo(RecordOrigin.of(EVENTS, 0, offset));
        assertThat(letters.get(0).reason().name()).isEqualTo("VIEW_FAILED");
        assertThat(letters.get(0).errorMessage()).contains("max.request.size");
        assertThat(view.get(ACCOUNT)).map(String::length).contains(601 * 1024);
    }

    /** Asserts that {@code error} holds a partition and returns the hold. */
    private static Throwable heldBy(Throwable error) {
        assertThat(Holds.isHold(error)).as("a hold: %s", error).isTrue();
        return error;
    }

    @Test
    void anOutageLongerThanOneProcessCallHoldsThePartitionThenTheEventIsFoldedOnceWhenTheRegistryReturns() {
        Projection<String, Balance> projection = balances(bank.balances).build();
        Holds holds = new Holds("balances", Duration.ofMillis(200));
        ViewQuery<String, Balance> view = run(projection, ProjectionTopology.build(ProjectionDefinition.of(projection), holds,
                ProjectionTopology.DEFAULT_MAX_REQUEST_SIZE));
        Bank.EventRecord first = bank.event(ACCOUNT, deposited(10));
        TestRecord<String, byte[]> record = new TestRecord<>(first.key(), first.value(), first.headers());

        flaky.down();
        Throwable held = catchThrowable(() -> events.pipeInput(record));

        // held: the stream thread is to be replaced, never the client shut down, and nothing was written
        heldBy(held);
        assertThat(ProjectionEngine.respond(held)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(deadLetters()).isEmpty();
        assertThat(view.get(ACCOUNT)).isEmpty();
        assertThat(holds.oldest()).hasValueSatisfying(h -> {
            assertThat(h.partition()).isEqualTo(EVENTS + "-0");
            assertThat(h.event()).isEqualTo(RecordOrigin.of(EVENTS, 0, 0));
            assertThat(h.cause()).contains("SchemaRegistryUnavailableException", "could not be reached");
        });
        // a new thread reads the event again from the committed offset, and again, while the registry is away
        heldBy(catchThrowable(() -> events.pipeInput(record)));
        assertThat(deadLetters()).isEmpty();

        flaky.up();
        events.pipeInput(record);
        deposit(ACCOUNT, 5);

        assertThat(deadLetters()).isEmpty();
        assertThat(view.get(ACCOUNT)).as("each deposit folded once").contains(new Balance(15L, 2, 2L));
        assertThat(holds.oldest()).isEmpty();
    }

    @Test
    void anOutageWhileWritingTheViewHoldsThePartitionToo() {
        FlakyRegistry flakyViews = new FlakyRegistry(registry);
        Projection<String, Balance> projection = Projection.named("balances")
                .from(EVENTS, bank.events)
                .initially(() -> new Balance(0L, 0, 0L), AvroSerdes.specific(Balance.class, flakyViews))
                .on(Deposited.class, (balance, deposited, metadata) -> Bank.apply(balance, deposited.getAmount(), metadata))
                .build();
        Holds holds = new Holds("balances", Duration.ofMillis(200));
        ViewQuery<String, Balance> view = run(projection, ProjectionTopology.build(ProjectionDefinition.of(projection), holds,
                ProjectionTopology.DEFAULT_MAX_REQUEST_SIZE));
        Bank.EventRecord first = bank.event(ACCOUNT, deposited(10));
        TestRecord<String, byte[]> record = new TestRecord<>(first.key(), first.value(), first.headers());

        flakyViews.down();
        heldBy(catchThrowable(() -> events.pipeInput(record)));
        assertThat(deadLetters()).isEmpty();
        assertThat(holds.oldest()).isPresent();

        flakyViews.up();
        events.pipeInput(record);

        assertThat(deadLetters()).isEmpty();
        assertThat(view.get(ACCOUNT)).contains(new Balance(10L, 1, 1L));
        assertThat(holds.oldest()).isEmpty();
    }

    @Test
    void onlyTheFailFastPolicyShutsTheProjectionDownAnyOtherThreadDeathReplacesTheThread() {
        assertThat(ProjectionEngine.respond(new StreamsException(new IllegalStateException("a bug in Kafka Streams"))))
                .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(ProjectionEngine.respond(new StreamsException(new ProjectionFailedException("balances",
                RecordOrigin.of(EVENTS, 0, 7), new IllegalArgumentException("bad")))))
                .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    }

    @Test
    void aDeadLetterOfAnEventNearTheSizeLimitCutsItsStackTraceToFitTheProducer() {
        run(balances(bank.balances).build());
        byte[] junk = new byte[ProjectionTopology.DEFAULT_MAX_REQUEST_SIZE - 12 * 1024];
        java.util.Arrays.fill(junk, (byte) 0x7f); // not the wire format's magic byte

        long offset = pipe(bank.raw(ACCOUNT, junk, "Deposited"));

        TestOutputTopic<byte[], byte[]> topic = driver.createOutputTopic("balances.dead-letters",
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        TestRecord<byte[], byte[]> letter = topic.readRecord();
        int size = letter.value().length + (letter.key() == null ? 0 : letter.key().length);
        for (org.apache.kafka.common.header.Header header : letter.headers()) {
            size += header.key().length() + header.value().length;
        }
        assertThat(size).as("dead-letter record size").isLessThan(ProjectionTopology.DEFAULT_MAX_REQUEST_SIZE - 1024);
        DeadLetter read = DeadLetterCodec.read(letter.key(), letter.value(), letter.headers());
        assertThat(read.origin()).isEqualTo(RecordOrigin.of(EVENTS, 0, offset));
        assertThat(read.value()).isEqualTo(junk);
        assertThat(read.errorClass()).isEqualTo(WireFormatException.class.getName());
    }

    @Test
    void oneProcessCallWaitsForTheRegistryAtMostTenSecondsAndHalfTheTransactionTimeout() {
        Properties none = new Properties();
        // Kafka Streams' own default transaction timeout under exactly_once_v2 is 10 s
        assertThat(Holds.maxBlock(Map.of("transaction.timeout.ms", 10_000), none)).isEqualTo(Duration.ofSeconds(5));
        assertThat(Holds.maxBlock(Map.of("transaction.timeout.ms", "60000"), none)).isEqualTo(Duration.ofSeconds(10));
        Properties shortPoll = new Properties();
        shortPoll.put("max.poll.interval.ms", 4_000);
        assertThat(Holds.maxBlock(Map.of("transaction.timeout.ms", 60_000), shortPoll)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aMalformedOriginHeaderDoesNotStopTheProjectionAndTheEventIsFolded() {
        ViewQuery<String, Balance> view = run(balances(bank.balances).build());
        Bank.EventRecord record = bank.event(ACCOUNT, deposited(10));
        record.headers().add("myelin.origin.topic", "bank.account.events".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        record.headers().add("myelin.origin.partition", "two".getBytes(java.nio.charset.StandardCharsets.UTF_8));

        pipe(record);

        assertThat(deadLetters()).isEmpty();
        assertThat(view.get(ACCOUNT)).contains(new Balance(10L, 1, 1L));
    }

    @Test
    void aReKeyedProjectionHoldsItsSourcePartitionBeforeTheRepartitionTopicToo() {
        Projection<String, Balance> projection = Projection.named("balances")
                .from(EVENTS, flakyEvents)
                .keyedBy((event, metadata) -> metadata.aggregateId(), Serdes.String())
                .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                .on(Deposited.class, (balance, deposited, metadata) -> Bank.apply(balance, deposited.getAmount(), metadata))
                .build();
        Holds holds = new Holds("balances", Duration.ofMillis(200));
        ViewQuery<String, Balance> view = run(projection, ProjectionTopology.build(ProjectionDefinition.of(projection), holds,
                ProjectionTopology.DEFAULT_MAX_REQUEST_SIZE));
        Bank.EventRecord first = bank.event(ACCOUNT, deposited(10));
        TestRecord<String, byte[]> record = new TestRecord<>(first.key(), first.value(), first.headers());

        flaky.down();
        heldBy(catchThrowable(() -> events.pipeInput(record)));
        assertThat(holds.oldest()).map(Holds.Held::partition).contains(EVENTS + "-0");
        assertThat(deadLetters()).isEmpty();

        flaky.up();
        events.pipeInput(record);

        assertThat(deadLetters()).isEmpty();
        assertThat(view.get(ACCOUNT)).contains(new Balance(10L, 1, 1L));
        assertThat(holds.oldest()).isEmpty();
    }
}
