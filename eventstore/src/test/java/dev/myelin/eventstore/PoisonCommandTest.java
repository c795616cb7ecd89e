package dev.myelin.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.stream.Stream;

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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.myelin.eventstore.bank.Account;
import dev.myelin.eventstore.bank.AccountState;
import dev.myelin.eventstore.bank.Bank;
import dev.myelin.eventstore.bank.Deposit;
import dev.myelin.eventstore.bank.Deposited;
import dev.myelin.eventstore.bank.OpenAccount;
import dev.myelin.eventstore.internal.ResultCodec;
import dev.myelin.schemas.InMemorySchemaRegistry;

/**
 * No single record on the commands topic stops its partition: whatever its headers or size, it is
 * answered (or dead-lettered) and the next command on the same aggregate is decided. On a real
 * broker a thrown exception meets the same record after every thread restart, forever; here it
 * would escape {@code pipeInput}, so each case also proves nothing escapes.
 */
class PoisonCommandTest {
    private static final AggregateTopics TOPICS = AggregateTopics.of("bank", "account");
    private static final MyelinConfig CONFIG = MyelinConfig.builder("bank").bootstrapServers("unused:9092").singleBrokerDevMode().build();
    private static final byte[] TWO_MEGABYTES = "x".repeat(2 * 1024 * 1024).getBytes(StandardCharsets.UTF_8);

    private final Serde<SpecificRecord> avro = Bank.avro(new InMemorySchemaRegistry());
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> commands;
    private TestOutputTopic<String, byte[]> events;
    private TestOutputTopic<String, byte[]> results;

    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bank.account");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(EventStore.builder(Account.TYPE, CONFIG).commandSerde(avro).eventSerde(avro).topology(), props);
        commands = driver.createInputTopic(TOPICS.commands(), new StringSerializer(), new ByteArraySerializer());
        events = driver.createOutputTopic(TOPICS.events(), new StringDeserializer(), new ByteArrayDeserializer());
        results = driver.createOutputTopic(TOPICS.commandResults(), new StringDeserializer(), new ByteArrayDeserializer());
        pipe("acc-1", new OpenAccount("ada"), "open", headers -> { });
        results.readRecordsToList();
        events.readRecordsToList();
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    /** Headers a client meant as "none" or got slightly wrong: the command itself is fine and is accepted. */
    static Stream<Arguments> harmlessHeaders() {
        return Stream.of(
                Arguments.of("an empty correlation id", set(CommandHeaders.CORRELATION_ID, new byte[0])),
                Arguments.of("a blank causation id", set(CommandHeaders.CAUSATION_ID, "  ".getBytes(StandardCharsets.UTF_8))),
                Arguments.of("an empty command type", set(CommandHeaders.COMMAND_TYPE, new byte[0])),
                Arguments.of("an empty expected version", set(CommandHeaders.EXPECTED_VERSION, new byte[0])),
                Arguments.of("a correlation id that is not UTF-8", set(CommandHeaders.CORRELATION_ID, new byte[] {(byte) 0xC3, (byte) 0x28})),
                Arguments.of("a correlation header with a null value", set(CommandHeaders.CORRELATION_ID, null)));
    }

    /** Headers that make the command impossible to decide or to write: it is refused, with the reason. */
    static Stream<Arguments> refusedHeaders() {
        return Stream.of(
                Arguments.of("an expected version that is not a number", set(CommandHeaders.EXPECTED_VERSION, "v2".getBytes(StandardCharsets.UTF_8)),
                        "is not a version"),
                Arguments.of("a 2 MB correlation id (its event would be over max.request.size)",
                        set(CommandHeaders.CORRELATION_ID, TWO_MEGABYTES), "max.request.size"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("harmlessHeaders")
    void aCommandWithAHarmlessOddHeaderIsAcceptedAndTheNextCommandIsDecided(String kind, Consumer<Headers> odd) {
        pipe("acc-1", new Deposit(5L), "odd", odd);
        pipe("acc-1", new Deposit(1L), "next", headers -> { });

        assertThat(result("odd")).as(kind).isEqualTo(new CommandResult.Accepted<>(2, List.of(new Deposited(5L))));
        assertThat(result("next")).as("the command after %s", kind).isEqualTo(new CommandResult.Accepted<>(3, List.of(new Deposited(1L))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedHeaders")
    void aCommandWithAPoisonedHeaderIsRejectedWithTheReasonAndTheNextCommandIsDecided(String kind, Consumer<Headers> poison,
                                                                                      String reason) {
        pipe("acc-1", new Deposit(5L), "poisoned", poison);
        pipe("acc-1", new Deposit(1L), "next", headers -> { });

        CommandResult<SpecificRecord> first = result("poisoned");
        assertThat(first).as(kind).isInstanceOf(CommandResult.Rejected.class);
        assertThat(((CommandResult.Rejected<SpecificRecord>) first).reason()).as(kind).contains(reason);
        assertThat(result("next")).as("the command after %s", kind).isEqualTo(new CommandResult.Accepted<>(2, List.of(new Deposited(1L))));
        assertThat(events.readRecordsToList()).as("only the next command's event is written").hasSize(1);
    }

    @Test
    void anOpenAccountWhoseEventWouldBeTooLargeIsRejectedAndNothingIsWritten() {
        pipe("acc-2", new OpenAccount(new String(TWO_MEGABYTES, StandardCharsets.UTF_8)), "huge", headers -> { });
        pipe("acc-2", new OpenAccount("bob"), "small", headers -> { });

        assertThat(((CommandResult.Rejected<SpecificRecord>) result("huge")).reason())
                .contains("AccountOpened", "max.request.size", "raise max.request.size");
        assertThat(result("small")).isInstanceOf(CommandResult.Accepted.class);
        assertThat(events.readRecordsToList()).hasSize(1);
    }

    private static Consumer<Headers> set(String name, byte[] value) {
        return headers -> {
            headers.remove(name);
            headers.add(name, value);
        };
    }

    private void pipe(String aggregateId, SpecificRecord command, String commandId, Consumer<Headers> poison) {
        Headers headers = new RecordHeaders();
        headers.add(CommandHeaders.COMMAND_ID, commandId.getBytes(StandardCharsets.UTF_8));
        headers.add(CommandHeaders.REPLY_TO, TOPICS.commandResults().getBytes(StandardCharsets.UTF_8));
        poison.accept(headers);
        byte[] value = avro.serializer().serialize(TOPICS.commands(), new RecordHeaders(), command);
        commands.pipeInput(new TestRecord<>(aggregateId, value, headers));
    }

    private CommandResult<SpecificRecord> result(String commandId) {
        TestRecord<String, byte[]> record = results.readRecord();
        assertThat(record.key()).isEqualTo(commandId);
        return ResultCodec.decode(record.value(), bytes -> avro.deserializer().deserialize(TOPICS.events(), bytes));
    }

}
