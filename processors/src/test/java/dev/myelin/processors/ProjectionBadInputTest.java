package dev.myelin.processors;

import static dev.myelin.processors.Bank.EVENTS;
import static dev.myelin.processors.Bank.deposited;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Stream;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import dev.myelin.eventstore.RetryPolicy;
import dev.myelin.processors.bank.AccountOpened;
import dev.myelin.processors.bank.Audited;
import dev.myelin.processors.bank.Balance;
import dev.myelin.processors.bank.Deposited;
import dev.myelin.processors.internal.DeadLetterCodec;
import dev.myelin.processors.internal.LocalViewQuery;
import dev.myelin.processors.internal.ProjectionDefinition;
import dev.myelin.processors.internal.ProjectionTopology;
import dev.myelin.schemas.AvroSerdes;
import dev.myelin.schemas.EventMetadata;
import dev.myelin.schemas.InMemorySchemaRegistry;
import dev.myelin.schemas.InvalidEventMetadataException;
import dev.myelin.schemas.RecordOrigin;
import dev.myelin.schemas.UnknownSchemaIdException;
import dev.myelin.schemas.WireFormatException;

/**
 * Issue #9 for the events topic a projection reads: each kind of bad record lies between two good
 * deposits of one account. Each test checks where the bad record ends up (the dead-letter topic with
 * its reason and origin, or skipped by design), that the good deposit after it is folded, and that
 * nothing else was dead-lettered or folded.
 *
 * <p>Every case runs against both topologies, because they fail in different places: a projection
 * keyed by aggregate id decodes in its fold step, a re-keyed one already before its repartition topic.
 *
 * <p>Two kinds from the issue have no test here. An oversized record never reaches a consumer: the
 * producer or the broker refuses it ({@code RecordTooLargeException}, shown on a real broker by
 * {@code BadCommandsIT}). And a projection has no use for a record's key (the view key comes from the
 * {@code myelin.aggregate-id} header or the key function), so a null key is only checked not to matter.
 */
class ProjectionBadInputTest {

    /** The two topologies a projection can have. */
    enum Shape {
        BY_AGGREGATE, REKEYED
    }

    private static final String ACCOUNT = "acc-1";

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final Bank bank = new Bank(registry);
    private Projection<String, ?> projection;
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> events;
    private long nextOffset;

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    /** Balances per account, keyed by aggregate id directly or through the repartition topic. */
    private ViewQuery<String, Balance> balances(Shape shape) {
        Projection.Handlers<String, org.apache.avro.specific.SpecificRecord, Balance> handlers = shape == Shape.BY_AGGREGATE
                ? bank.balances("balances")
                : Projection.named("balances")
                        .from(EVENTS, bank.events)
                        .keyedBy((event, metadata) -> metadata.aggregateId(), Serdes.String())
                        .initially(() -> new Balance(0L, 0, 0L), bank.balances)
                        .on(Deposited.class, (balance, deposited, metadata) -> Bank.apply(balance, deposited.getAmount(), metadata));
        // no retries: a bad record must not be mistaken for a transient failure and tried again
        return run(handlers.retry(RetryPolicy.none()).build());
    }

    private <V> ViewQuery<String, V> run(Projection<String, V> built) {
        projection = built;
        ProjectionDefinition<String, ?, V> definition = ProjectionDefinition.of(built);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, definition.applicationId("bad-input"));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(ProjectionTopology.build(definition), props);
        events = driver.createInputTopic(EVENTS, new StringSerializer(), new ByteArraySerializer());
        return new LocalViewQuery<>(built.name(), () -> driver.getKeyValueStore(definition.storeName()));
    }

    /** Writes one record to the events topic and returns its offset (one partition, so offsets count from 0). */
    private long pipe(String key, byte[] value, org.apache.kafka.common.header.Headers headers) {
        events.pipeInput(new TestRecord<>(key, value, headers));
        return nextOffset++;
    }

    private long pipe(Bank.EventRecord record) {
        return pipe(record.key(), record.value(), record.headers());
    }

    private long pipeGood(long amount) {
        return pipe(bank.event(ACCOUNT, deposited(amount)));
    }

    /** A good Deposited's bytes in the Confluent wire format: magic byte, 4-byte schema id, Avro body. */
    private byte[] goodBytes(long amount) {
        return bank.events.serializer().serialize(EVENTS, deposited(amount));
    }

    private List<TestRecord<byte[], byte[]>> deadLetterRecords() {
        TestOutputTopic<byte[], byte[]> topic = driver.createOutputTopic(projection.deadLetterTopic(),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        return topic.readRecordsToList();
    }

    /** Asserts exactly one dead letter, an undecodable record from {@code offset}, and returns it. */
    private DeadLetter undecodable(long offset, Class<? extends Exception> error, String inMessage) {
        List<TestRecord<byte[], byte[]>> records = deadLetterRecords();
        assertThat(records).as("dead letters").hasSize(1);
        TestRecord<byte[], byte[]> record = records.get(0);
        DeadLetter letter = DeadLetterCodec.read(record.key(), record.value(), record.headers());
        assertThat(letter.projection()).isEqualTo("balances");
        assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.UNDECODABLE);
        assertThat(letter.errorClass()).isEqualTo(error.getName());
        assertThat(letter.errorMessage()).contains(inMessage);
        assertThat(letter.origin()).isEqualTo(RecordOrigin.of(EVENTS, 0, offset));
        assertThat(letter.attempts()).as("a record that cannot be read is not retried").isZero();
        return letter;
    }

    /** Asserts that both good deposits, and nothing else, are in the account's view. */
    private static void bothGoodDepositsFolded(ViewQuery<String, Balance> view) {
        assertThat(view.get(ACCOUNT)).map(Balance::getAmount).contains(15L);
        assertThat(view.get(ACCOUNT)).map(Balance::getEvents).contains(2);
        assertThat(view.all()).extracting(ViewEntry::key).containsExactly(ACCOUNT);
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void randomBytesAreDeadLetteredWithTheWireFormatError(Shape shape) {
        ViewQuery<String, Balance> view = balances(shape);
        byte[] junk = new byte[48];
        new Random(9).nextBytes(junk);
        junk[0] = (byte) 0xc3; // whatever the seed gives, the record must not start like the wire format

        pipeGood(10);
        Bank.EventRecord bad = bank.raw(ACCOUNT, junk, "Deposited");
        long offset = pipe(bad);
        pipeGood(5);

        DeadLetter letter = undecodable(offset, WireFormatException.class, "0xc3, not the magic byte 0");
        // the dead letter keeps what was on the events topic, so it can be inspected or re-driven
        assertThat(letter.value()).isEqualTo(junk);
        assertThat(new String(letter.key(), StandardCharsets.UTF_8)).isEqualTo(bad.key());
        bothGoodDepositsFolded(view);
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void aWrongMagicByteIsDeadLettered(Shape shape) {
        ViewQuery<String, Balance> view = balances(shape);
        byte[] bytes = goodBytes(7);
        bytes[0] = 1;

        pipeGood(10);
        long offset = pipe(bank.raw(ACCOUNT, bytes, "Deposited"));
        pipeGood(5);

        assertThat(undecodable(offset, WireFormatException.class, "0x01, not the magic byte 0").value()).isEqualTo(bytes);
        bothGoodDepositsFolded(view);
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void anUnknownSchemaIdIsDeadLetteredNotRetriedAsAnOutage(Shape shape) {
        ViewQuery<String, Balance> view = balances(shape);
        byte[] bytes = goodBytes(7);
        ByteBuffer.wrap(bytes).putInt(1, 424_242);

        pipeGood(10);
        long offset = pipe(bank.raw(ACCOUNT, bytes, "Deposited"));
        pipeGood(5);

        // the registry answered "no such id": the record's fault, unlike an unreachable registry, which stops the projection
        undecodable(offset, UnknownSchemaIdException.class, "schema id 424242 is unknown");
        bothGoodDepositsFolded(view);
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void aTruncatedRecordIsDeadLettered(Shape shape) {
        ViewQuery<String, Balance> view = balances(shape);
        byte[] whole = goodBytes(1_000_000_000_000L); // a long body of several bytes, so the cut falls inside it
        byte[] truncated = Arrays.copyOf(whole, whole.length - 3);

        pipeGood(10);
        long offset = pipe(bank.raw(ACCOUNT, truncated, "Deposited"));
        pipeGood(5);

        undecodable(offset, WireFormatException.class, "truncated or corrupt");
        bothGoodDepositsFolded(view);
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void aValidEventOfATypeWithoutAHandlerIsSkippedByDesign(Shape shape) {
        ViewQuery<String, Balance> view = balances(shape);

        pipeGood(10);
        pipe(bank.event(ACCOUNT, new Audited("auditor")));
        pipe(bank.event(ACCOUNT, new AccountOpened("ada")));
        pipeGood(5);

        // an events topic holds every event of its aggregate; a view folds the types it cares about
        assertThat(deadLetterRecords()).isEmpty();
        bothGoodDepositsFolded(view);
        assertThat(view.get(ACCOUNT)).map(Balance::getLastSequence).contains(4L);
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void aBodyOfAnotherTypeThanItsTypeHeaderSaysFailsTheHandlerByTypeNameAndIsDeadLettered(Shape shape) {
        // a projection of generic records dispatches on the myelin.event-type header, so a header that
        // lies hands the handler a record without the fields it reads
        org.apache.kafka.common.serialization.Serde<GenericRecord> generic = AvroSerdes.generic(registry);
        Projection.Keying<GenericRecord> keying = Projection.named("balances").from(EVENTS, generic);
        Projection.Handlers<String, GenericRecord, Long> handlers = shape == Shape.BY_AGGREGATE
                ? keying.initially(() -> 0L, Serdes.Long())
                : keying.keyedBy((event, metadata) -> metadata.aggregateId(), Serdes.String()).initially(() -> 0L, Serdes.Long());
        ViewQuery<String, Long> view = run(handlers
                .onType("Deposited", (total, event, metadata) -> total + (Long) event.get("amount"))
                .retry(RetryPolicy.none())
                .build());

        pipeGood(10);
        byte[] opened = bank.events.serializer().serialize(EVENTS, new AccountOpened("ada"));
        long offset = pipe(bank.raw(ACCOUNT, opened, "Deposited"));
        pipeGood(5);

        assertThat(view.get(ACCOUNT)).contains(15L);
        List<TestRecord<byte[], byte[]>> records = deadLetterRecords();
        assertThat(records).hasSize(1);
        DeadLetter letter = DeadLetterCodec.read(records.get(0).key(), records.get(0).value(), records.get(0).headers());
        // it decoded fine: the handler failed, so it is HANDLER_FAILED after its one attempt
        assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.HANDLER_FAILED);
        assertThat(letter.attempts()).isEqualTo(1);
        assertThat(letter.errorMessage()).contains("amount");
        assertThat(letter.origin()).isEqualTo(RecordOrigin.of(EVENTS, 0, offset));
        assertThat(letter.value()).isEqualTo(opened);
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void aNullValueIsSkippedByDesign(Shape shape) {
        ViewQuery<String, Balance> view = balances(shape);

        pipeGood(10);
        pipe(bank.raw(ACCOUNT, null, "Deposited"));
        pipeGood(5);

        // a tombstone erases an event from a compacted events topic; a view is not rewound by it
        assertThat(deadLetterRecords()).isEmpty();
        bothGoodDepositsFolded(view);
    }

    static Stream<Arguments> everyMetadataHeader() {
        return Stream.of(Shape.values()).flatMap(shape -> Stream.of(EventMetadata.EVENT_ID, EventMetadata.EVENT_TYPE,
                        EventMetadata.AGGREGATE_ID, EventMetadata.SEQUENCE, EventMetadata.TIMESTAMP, EventMetadata.COMMAND_ID,
                        EventMetadata.CORRELATION_ID, EventMetadata.CAUSATION_ID)
                .map(header -> Arguments.of(shape, header)));
    }

    @ParameterizedTest(name = "{0} without {1}")
    @MethodSource("everyMetadataHeader")
    void aRecordMissingAMetadataHeaderIsDeadLetteredNamingTheHeader(Shape shape, String header) {
        ViewQuery<String, Balance> view = balances(shape);
        Bank.EventRecord record = bank.event(ACCOUNT, deposited(7));
        record.headers().remove(header);

        pipeGood(10);
        long offset = pipe(record);
        pipeGood(5);

        DeadLetter letter = undecodable(offset, InvalidEventMetadataException.class, "header " + header + " is missing");
        assertThat(letter.value()).isEqualTo(record.value());
        bothGoodDepositsFolded(view);
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void aMalformedMetadataHeaderIsDeadLetteredNamingTheHeader(Shape shape) {
        ViewQuery<String, Balance> view = balances(shape);
        Bank.EventRecord record = bank.event(ACCOUNT, deposited(7));
        record.headers().remove(EventMetadata.SEQUENCE);
        record.headers().add(EventMetadata.SEQUENCE, "seven".getBytes(StandardCharsets.UTF_8));

        pipeGood(10);
        long offset = pipe(record);
        pipeGood(5);

        undecodable(offset, InvalidEventMetadataException.class, "header myelin.sequence is not a number: 'seven'");
        bothGoodDepositsFolded(view);
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void aNullKeyDoesNotMatterToAGoodEventAndIsKeptEmptyInADeadLetter(Shape shape) {
        ViewQuery<String, Balance> view = balances(shape);
        Bank.EventRecord keyless = bank.event(ACCOUNT, deposited(10));
        byte[] junk = "not avro".getBytes(StandardCharsets.UTF_8);

        pipe(null, keyless.value(), keyless.headers());
        long offset = pipe(null, junk, bank.raw(ACCOUNT, junk, "Deposited").headers());
        pipeGood(5);

        // the view key is the myelin.aggregate-id header, so the keyless good event is folded all the same
        bothGoodDepositsFolded(view);
        DeadLetter letter = undecodable(offset, WireFormatException.class, "not the magic byte 0");
        assertThat(letter.key()).isEmpty();
        assertThat(letter.value()).isEqualTo(junk);
    }
}
