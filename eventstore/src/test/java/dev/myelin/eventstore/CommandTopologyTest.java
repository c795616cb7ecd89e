package dev.myelin.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.bank.Account;
import dev.myelin.eventstore.bank.AccountOpened;
import dev.myelin.eventstore.bank.AccountState;
import dev.myelin.eventstore.bank.Bank;
import dev.myelin.eventstore.bank.Deposit;
import dev.myelin.eventstore.bank.Deposited;
import dev.myelin.eventstore.bank.OpenAccount;
import dev.myelin.eventstore.bank.Withdraw;
import dev.myelin.eventstore.internal.DeadLetterHeaders;
import dev.myelin.eventstore.internal.EventListCodec;
import dev.myelin.eventstore.internal.ResultCodec;
import dev.myelin.schemas.EventMetadata;
import dev.myelin.schemas.InMemorySchemaRegistry;

/** The command-processing topology on TopologyTestDriver, with the in-memory schema registry. */
class CommandTopologyTest {

    private static final MyelinConfig CONFIG = MyelinConfig.builder("bank").bootstrapServers("unused:9092").singleBrokerDevMode().build();
    private static final AggregateTopics TOPICS = AggregateTopics.of("bank", "account");

    private final Serde<SpecificRecord> avro = Bank.avro(new InMemorySchemaRegistry());
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> commands;
    private TestOutputTopic<String, byte[]> events;
    private TestOutputTopic<String, byte[]> results;
    private TestOutputTopic<String, byte[]> deadLetters;

    @BeforeEach
    void start() {
        startWith(Account.TYPE);
    }

    private void startWith(AggregateType<AccountState, SpecificRecord, SpecificRecord> type) {
        startWith(type, CONFIG);
    }

    private void startWith(AggregateType<AccountState, SpecificRecord, SpecificRecord> type, MyelinConfig config) {
        startWith(type, config, Instant.now());
    }

    private void startWith(AggregateType<AccountState, SpecificRecord, SpecificRecord> type, MyelinConfig config, Instant wallClock) {
        if (driver != null) {
            driver.close();
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bank.account");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(EventStore.builder(type, config).commandSerde(avro).eventSerde(avro).topology(), props, wallClock);
        commands = driver.createInputTopic(TOPICS.commands(), new StringSerializer(), new ByteArraySerializer());
        events = driver.createOutputTopic(TOPICS.events(), new StringDeserializer(), new ByteArrayDeserializer());
        results = driver.createOutputTopic(TOPICS.commandResults(), new StringDeserializer(), new ByteArrayDeserializer());
        deadLetters = driver.createOutputTopic(TOPICS.deadLetters(), new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private String send(String aggregateId, SpecificRecord command, long expectedVersion) {
        String commandId = UUID.randomUUID().toString();
        send(aggregateId, command, commandId, expectedVersion);
        return commandId;
    }

    private void send(String aggregateId, SpecificRecord command, String commandId, long expectedVersion) {
        Headers headers = headers(commandId, true);
        if (expectedVersion >= 0) {
            headers.add(CommandHeaders.EXPECTED_VERSION, Long.toString(expectedVersion).getBytes(StandardCharsets.UTF_8));
        }
        byte[] value = avro.serializer().serialize(TOPICS.commands(), headers, command);
        commands.pipeInput(new TestRecord<>(aggregateId, value, headers));
    }

    private static Headers headers(String commandId, boolean replyTo) {
        Headers headers = new RecordHeaders();
        headers.add(CommandHeaders.COMMAND_ID, commandId.getBytes(StandardCharsets.UTF_8));
        if (replyTo) {
            headers.add(CommandHeaders.REPLY_TO, TOPICS.commandResults().getBytes(StandardCharsets.UTF_8));
        }
        return headers;
    }

    private CommandResult<SpecificRecord> result(String commandId) {
        TestRecord<String, byte[]> record = results.readRecord();
        assertThat(record.key()).isEqualTo(commandId);
        return ResultCodec.decode(record.value(), bytes -> avro.deserializer().deserialize(TOPICS.events(), bytes));
    }

    @Test
    void anAcceptedCommandWritesItsEventsWithMetadataAndAnswersAccepted() {
        String id = send("acc-1", new OpenAccount("ada"), -1);

        assertThat(result(id)).isEqualTo(new CommandResult.Accepted<>(1, List.of(new AccountOpened("ada"))));
        TestRecord<String, byte[]> event = events.readRecord();
        assertThat(event.key()).isEqualTo("acc-1@1");
        assertThat(avro.deserializer().deserialize(TOPICS.events(), event.value())).isEqualTo(new AccountOpened("ada"));
        EventMetadata metadata = EventMetadata.readFrom(event.headers());
        assertThat(metadata.aggregateId()).isEqualTo("acc-1");
        assertThat(metadata.sequence()).isEqualTo(1);
        assertThat(metadata.eventType()).isEqualTo("AccountOpened");
        assertThat(metadata.commandId()).isEqualTo(id);
        assertThat(metadata.correlationId()).isEqualTo(id);
        assertThat(events.isEmpty()).isTrue();
    }

    @Test
    void aRejectedCommandAppendsNothing() {
        send("acc-1", new OpenAccount("ada"), -1);
        results.readRecord();
        events.readRecord();

        String id = send("acc-1", new Withdraw(5L), -1);

        assertThat(result(id)).isEqualTo(new CommandResult.Rejected<>("withdrawing 5 would overdraw balance 0"));
        assertThat(events.isEmpty()).isTrue();
    }

    @Test
    void aWrongExpectedVersionAnswersConflictAndAppendsNothing() {
        send("acc-1", new OpenAccount("ada"), 0);
        results.readRecord();
        events.readRecord();

        String id = send("acc-1", new Deposit(5L), 0);

        assertThat(result(id)).isEqualTo(new CommandResult.Conflict<>(0, 1));
        assertThat(events.isEmpty()).isTrue();
        String retried = send("acc-1", new Deposit(5L), 1);
        assertThat(result(retried)).isEqualTo(new CommandResult.Accepted<>(2, List.of(new Deposited(5L))));
    }

    @Test
    void aRepeatedCommandIdAnswersTheFirstResultAndAppendsNothing() {
        send("acc-1", new OpenAccount("ada"), -1);
        results.readRecord();
        events.readRecord();

        for (int i = 0; i < 3; i++) {
            send("acc-1", new Deposit(7L), "deposit-once", -1);
        }

        for (int i = 0; i < 3; i++) {
            assertThat(result("deposit-once")).isEqualTo(new CommandResult.Accepted<>(2, List.of(new Deposited(7L))));
        }
        assertThat(events.readKeyValuesToList()).hasSize(1);
    }

    private static final String INBOX = "shop.saga.place-order.inbox";

    private void sendReplyingTo(String aggregateId, SpecificRecord command, String commandId, String replyTo, String replyKey) {
        Headers headers = headers(commandId, false);
        headers.add(CommandHeaders.REPLY_TO, replyTo.getBytes(StandardCharsets.UTF_8));
        headers.add(CommandHeaders.REPLY_KEY, replyKey.getBytes(StandardCharsets.UTF_8));
        commands.pipeInput(new TestRecord<>(aggregateId, avro.serializer().serialize(TOPICS.commands(), headers, command), headers));
    }

    private static String text(TestRecord<String, byte[]> record, String header) {
        return record.headers().lastHeader(header) == null ? null
                : new String(record.headers().lastHeader(header).value(), StandardCharsets.UTF_8);
    }

    @Test
    void aResultIsWrittenToTheSagaInboxTheCommandNamesKeyedByItsReplyKeyAndARetryIsAnsweredThereToo() {
        TestOutputTopic<String, byte[]> inbox = driver.createOutputTopic(INBOX, new StringDeserializer(), new ByteArrayDeserializer());

        sendReplyingTo("acc-1", new OpenAccount("ada"), "saga-cmd-1", INBOX, "order-7");
        sendReplyingTo("acc-1", new OpenAccount("ada"), "saga-cmd-1", INBOX, "order-7");

        assertThat(results.isEmpty()).as("nothing on the command-results topic").isTrue();
        for (int i = 0; i < 2; i++) {
            TestRecord<String, byte[]> reply = inbox.readRecord();
            assertThat(reply.key()).as("keyed by the reply key, so it reaches the saga's task").isEqualTo("order-7");
            assertThat(text(reply, CommandHeaders.COMMAND_ID)).isEqualTo("saga-cmd-1");
            assertThat(text(reply, CommandHeaders.REPLY_TO)).isEqualTo(INBOX);
            assertThat(ResultCodec.decode(reply.value(), bytes -> avro.deserializer().deserialize(TOPICS.events(), bytes)))
                    .as("the retry is answered with the first result").isEqualTo(new CommandResult.Accepted<>(1, List.of(new AccountOpened("ada"))));
        }
        assertThat(events.readKeyValuesToList()).hasSize(1);
    }

    @Test
    void aReplyAddressTheStoreDoesNotAnswerOnGetsTheResultOnTheResultsTopicKeyedByCommandId() {
        TestOutputTopic<String, byte[]> elsewhere = driver.createOutputTopic(TOPICS.events(), new StringDeserializer(), new ByteArrayDeserializer());

        // the events topic is no reply address: a header must not be able to write results into it
        sendReplyingTo("acc-1", new OpenAccount("ada"), "cmd-1", TOPICS.events(), "acc-1");
        sendReplyingTo("acc-2", new OpenAccount("bob"), "cmd-2", "", "acc-2");

        TestRecord<String, byte[]> first = results.readRecord();
        assertThat(first.key()).isEqualTo("cmd-1");
        assertThat(text(first, CommandHeaders.REPLY_TO)).as("names the topic it was written to").isEqualTo(TOPICS.commandResults());
        assertThat(results.readRecord().key()).isEqualTo("cmd-2");
        assertThat(elsewhere.readRecordsToList()).as("the two accounts' events and no result on the events topic").hasSize(2)
                .allSatisfy(record -> assertThat(record.key()).startsWith("acc-"));
    }

    @Test
    void aConfiguredPatternDecidesWhichTopicsAreReplyAddresses() {
        startWith(Account.TYPE, MyelinConfig.builder("bank").bootstrapServers("unused:9092").singleBrokerDevMode()
                .property(MyelinConfig.REPLY_TOPICS, "(?!)").build());

        sendReplyingTo("acc-1", new OpenAccount("ada"), "saga-cmd-1", INBOX, "order-7");

        assertThat(results.readRecord().key()).as("no topic matches: answered on the results topic").isEqualTo("saga-cmd-1");
    }

    @Test
    void aCommandIdIsRememberedHoweverManyCommandsFollowUntilItsRetentionEnds() {
        startWith(Account.TYPE, MyelinConfig.builder("bank").bootstrapServers("unused:9092").singleBrokerDevMode()
                .dedupRetention(Duration.ofHours(1)).build());
        send("acc-1", new OpenAccount("ada"), "open", -1);
        send("acc-1", new Deposit(1L), "d1", -1);
        for (int i = 0; i < 500; i++) {
            send("acc-1", new Deposit(2L), "other-" + i, -1);
        }
        results.readRecordsToList();
        events.readRecordsToList();

        send("acc-1", new Deposit(1L), "d1", -1);
        send("acc-1", new OpenAccount("ada"), "open", -1);
        assertThat(result("d1")).isEqualTo(new CommandResult.Accepted<>(2, List.of(new Deposited(1L))));
        assertThat(result("open")).isEqualTo(new CommandResult.Accepted<>(1, List.of(new AccountOpened("ada"))));
        assertThat(events.isEmpty()).isTrue();

        // past the retention the id is forgotten: the same id is a new command, decided against today's state
        driver.advanceWallClockTime(Duration.ofHours(1).plusMinutes(1));
        send("acc-1", new Deposit(1L), "d1", -1);
        assertThat(result("d1")).isEqualTo(new CommandResult.Accepted<>(503, List.of(new Deposited(1L))));
        assertThat(events.readKeyValuesToList()).hasSize(1);
    }

    @Test
    void anIdDecidedAtTheEndOfAnHourIsRememberedForExactlyTheRetentionAcrossTheHoursTurn() {
        // the ids are kept in retention-long buckets of wall-clock time: decided a minute before a bucket ends,
        // the id must still be found from the next bucket until its own retention is over, and not a moment longer
        Instant decided = Instant.parse("2026-12-03T10:59:00Z");
        startWith(Account.TYPE, MyelinConfig.builder("bank").bootstrapServers("unused:9092").singleBrokerDevMode()
                .dedupRetention(Duration.ofHours(1)).build(), decided);
        send("acc-1", new OpenAccount("ada"), "open", -1);
        send("acc-1", new Deposit(5L), "d1", -1);
        assertThat(result("open")).isInstanceOf(CommandResult.Accepted.class);
        assertThat(result("d1")).isEqualTo(new CommandResult.Accepted<>(2, List.of(new Deposited(5L))));
        events.readRecordsToList();

        driver.advanceWallClockTime(Duration.ofMinutes(2));  // 11:01, the next bucket
        send("acc-1", new Deposit(5L), "d1", -1);
        assertThat(result("d1")).isEqualTo(new CommandResult.Accepted<>(2, List.of(new Deposited(5L))));
        driver.advanceWallClockTime(Duration.ofMinutes(58).minusMillis(1));  // 11:58:59.999, a millisecond short of the retention
        send("acc-1", new Deposit(5L), "d1", -1);
        assertThat(result("d1")).isEqualTo(new CommandResult.Accepted<>(2, List.of(new Deposited(5L))));
        assertThat(events.isEmpty()).isTrue();

        driver.advanceWallClockTime(Duration.ofMillis(1));  // 11:59:00, the retention is over
        send("acc-1", new Deposit(5L), "d1", -1);
        assertThat(result("d1")).isEqualTo(new CommandResult.Accepted<>(3, List.of(new Deposited(5L))));
        assertThat(events.readKeyValuesToList()).hasSize(1);
    }

    @Test
    void anUndecodableCommandIsRejectedAndTheNextOneStillProcessed() {
        Headers headers = headers("garbage", true);
        commands.pipeInput(new TestRecord<>("acc-1", new byte[] {1, 2, 3}, headers));
        String id = send("acc-1", new OpenAccount("ada"), -1);

        CommandResult<SpecificRecord> garbage = result("garbage");
        assertThat(garbage).isInstanceOf(CommandResult.Rejected.class);
        assertThat(((CommandResult.Rejected<SpecificRecord>) garbage).reason()).contains("garbage", "cannot be deserialized");
        assertThat(result(id)).isInstanceOf(CommandResult.Accepted.class);
        assertThat(events.readKeyValuesToList()).hasSize(1);
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void anUndecodableCommandWithoutReplyAddressGoesToTheDeadLetters() {
        commands.pipeInput(new TestRecord<>("acc-1", new byte[] {1, 2, 3}, headers("garbage", false)));

        TestRecord<String, byte[]> dead = deadLetters.readRecord();
        assertThat(dead.key()).isEqualTo("acc-1");
        assertThat(dead.value()).containsExactly(1, 2, 3);
        assertThat(EventMetadata.header(dead.headers(), CommandHeaders.ERROR)).hasValueSatisfying(
                reason -> assertThat(reason).contains("cannot be deserialized"));
        // where and when, so the letter can be listed with its origin and redriven
        assertThat(EventMetadata.header(dead.headers(), DeadLetterHeaders.SOURCE_TOPIC)).contains(TOPICS.commands());
        assertThat(EventMetadata.header(dead.headers(), DeadLetterHeaders.SOURCE_OFFSET)).contains("0");
        assertThat(EventMetadata.header(dead.headers(), DeadLetterHeaders.FAILED_AT)).isPresent();
        assertThat(EventMetadata.header(dead.headers(), DeadLetterHeaders.AGGREGATE)).contains("account");
        assertThat(results.isEmpty()).isTrue();
        assertThat(events.isEmpty()).isTrue();
    }

    @Test
    void aDecideThatThrowsIsRejectedWithTheReason() {
        startWith(AggregateType.<AccountState, SpecificRecord, SpecificRecord>named("account")
                .initialState(new AccountState(false, "", 0L))
                .decide((state, command) -> {
                    throw new IllegalStateException("bug in decide");
                })
                .evolve((state, event) -> state));

        String id = send("acc-1", new OpenAccount("ada"), -1);

        CommandResult<SpecificRecord> result = result(id);
        assertThat(result).isInstanceOf(CommandResult.Rejected.class);
        assertThat(((CommandResult.Rejected<SpecificRecord>) result).reason()).contains("account.decide threw", "bug in decide");
        assertThat(events.isEmpty()).isTrue();
    }

    @Test
    void anAppendRunsEvolveAndChecksTheVersion() {
        send("acc-1", new OpenAccount("ada"), -1);
        results.readRecord();
        events.readRecord();
        Headers headers = headers("append-1", true);
        headers.add(CommandHeaders.COMMAND_TYPE, CommandHeaders.TYPE_APPEND.getBytes(StandardCharsets.UTF_8));
        headers.add(CommandHeaders.EXPECTED_VERSION, "1".getBytes(StandardCharsets.UTF_8));
        byte[] value = EventListCodec.encode(List.of(avro.serializer().serialize(TOPICS.events(), new Deposited(3L)),
                avro.serializer().serialize(TOPICS.events(), new Deposited(4L))));

        commands.pipeInput(new TestRecord<>("acc-1", value, headers));

        assertThat(result("append-1")).isEqualTo(new CommandResult.Accepted<>(3, List.of(new Deposited(3L), new Deposited(4L))));
        assertThat(events.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("acc-1@2", "acc-1@3");
    }

    @Test
    void forgetWritesATombstoneForEveryEventAndResetsTheAggregate() {
        send("acc-1", new OpenAccount("ada"), -1);
        send("acc-1", new Deposit(5L), -1);
        results.readRecordsToList();
        events.readRecordsToList();
        Headers headers = headers("forget-1", true);
        headers.add(CommandHeaders.COMMAND_TYPE, CommandHeaders.TYPE_FORGET.getBytes(StandardCharsets.UTF_8));

        commands.pipeInput(new TestRecord<>("acc-1", new byte[0], headers));

        assertThat(result("forget-1")).isEqualTo(new CommandResult.Accepted<>(0, List.of()));
        List<TestRecord<String, byte[]>> tombstones = events.readRecordsToList();
        assertThat(tombstones).extracting(TestRecord::key).containsExactly("acc-1@1", "acc-1@2");
        assertThat(tombstones).allSatisfy(t -> assertThat(t.value()).isNull());
        String reopened = send("acc-1", new Deposit(5L), 0);
        assertThat(result(reopened)).isEqualTo(new CommandResult.Rejected<>("account is not open"));
    }
}
