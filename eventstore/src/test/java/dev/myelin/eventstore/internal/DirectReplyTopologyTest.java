package dev.myelin.eventstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;

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

import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.bank.Account;
import dev.myelin.eventstore.bank.AccountOpened;
import dev.myelin.eventstore.bank.AccountState;
import dev.myelin.eventstore.bank.Bank;
import dev.myelin.eventstore.bank.OpenAccount;
import dev.myelin.schemas.AvroSerdes;
import dev.myelin.schemas.EventMetadata;
import dev.myelin.schemas.InMemorySchemaRegistry;

/** Results that go straight to the topic a command names in its reply-to header (a saga's inbox). */
class DirectReplyTopologyTest {
    private static final AggregateTopics TOPICS = AggregateTopics.of("bank", "account");
    private static final String INBOX = "shop.place-order.inbox";

    private final Serde<SpecificRecord> avro = Bank.avro(new InMemorySchemaRegistry());
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> commands;
    private TestOutputTopic<String, byte[]> results;
    private TestOutputTopic<String, byte[]> inbox;

    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bank.account");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(CommandTopology.build(Account.TYPE, avro, avro, AvroSerdes.singleObject(AccountState.class), TOPICS,
                Duration.ofHours(24), 1, new Holds("test", Duration.ofSeconds(4)), Telemetry.none(), ReplyTopics.of(Set.of(INBOX))), props);
        commands = driver.createInputTopic(TOPICS.commands(), new StringSerializer(), new ByteArraySerializer());
        results = driver.createOutputTopic(TOPICS.commandResults(), new StringDeserializer(), new ByteArrayDeserializer());
        inbox = driver.createOutputTopic(INBOX, new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private void send(String aggregateId, String commandId, String replyTo, String replyKey) {
        Headers headers = new RecordHeaders();
        headers.add(CommandHeaders.COMMAND_ID, utf8(commandId));
        headers.add(CommandHeaders.REPLY_TO, utf8(replyTo));
        if (replyKey != null) {
            headers.add(CommandHeaders.REPLY_KEY, utf8(replyKey));
        }
        commands.pipeInput(new TestRecord<>(aggregateId, avro.serializer().serialize(TOPICS.commands(), headers, new OpenAccount("ada")),
                headers));
    }

    private CommandResult<SpecificRecord> decode(byte[] value) {
        return ResultCodec.decode(value, bytes -> avro.deserializer().deserialize(TOPICS.events(), bytes));
    }

    @Test
    void aCommandNamingAnAcceptedTopicIsAnsweredThereKeyedByItsReplyKey() {
        send("acc-1", "saga-7:invoke:open", INBOX, "saga-7");

        assertThat(results.isEmpty()).as("nothing on the results topic").isTrue();
        TestRecord<String, byte[]> reply = inbox.readRecord();
        assertThat(reply.key()).isEqualTo("saga-7");
        assertThat(EventMetadata.header(reply.headers(), CommandHeaders.COMMAND_ID)).contains("saga-7:invoke:open");
        assertThat(decode(reply.value())).isEqualTo(new CommandResult.Accepted<>(1, List.of(new AccountOpened("ada"))));
    }

    @Test
    void aRetryIsAnsweredWithItsFirstResultTheSameWay() {
        send("acc-1", "saga-7:invoke:open", INBOX, "saga-7");
        send("acc-1", "saga-7:invoke:open", INBOX, "saga-7");

        List<TestRecord<String, byte[]>> replies = inbox.readRecordsToList();
        assertThat(replies).hasSize(2);
        assertThat(decode(replies.get(1).value())).isEqualTo(decode(replies.get(0).value()));
        assertThat(results.isEmpty()).isTrue();
    }

    @Test
    void withoutAReplyKeyTheResultIsKeyedByTheCommandId() {
        send("acc-1", "c-1", INBOX, null);

        assertThat(inbox.readRecord().key()).isEqualTo("c-1");
    }

    @Test
    void aCommandNamingATopicThatIsNotAcceptedIsAnsweredOnTheResultsTopic() {
        send("acc-1", "c-1", "no-such-topic", "saga-7");

        TestRecord<String, byte[]> result = results.readRecord();
        assertThat(result.key()).isEqualTo("c-1");
        assertThat(decode(result.value())).isInstanceOf(CommandResult.Accepted.class);
        assertThat(inbox.isEmpty()).isTrue();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
