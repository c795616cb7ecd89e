package dev.myelin.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Properties;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.bank.Account;
import dev.myelin.eventstore.bank.Bank;
import dev.myelin.eventstore.bank.Deposit;
import dev.myelin.eventstore.bank.OpenAccount;
import dev.myelin.schemas.InMemorySchemaRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The command processor counts the events it appends and the retries it answers from memory, on the configuration's registry. */
class CommandProcessorMetersTest {
    private static final AggregateTopics TOPICS = AggregateTopics.of("bank", "account");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final Serde<SpecificRecord> avro = Bank.avro(new InMemorySchemaRegistry());
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> commands;

    @BeforeEach
    void start() {
        MyelinConfig config = MyelinConfig.builder("bank").bootstrapServers("unused:9092").singleBrokerDevMode().meterRegistry(registry).build();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bank.account");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(EventStore.builder(Account.TYPE, config).commandSerde(avro).eventSerde(avro).topology(), props);
        commands = driver.createInputTopic(TOPICS.commands(), new StringSerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private void send(String commandId, SpecificRecord command) {
        Headers headers = new RecordHeaders();
        headers.add(CommandHeaders.COMMAND_ID, commandId.getBytes(StandardCharsets.UTF_8));
        headers.add(CommandHeaders.REPLY_TO, TOPICS.commandResults().getBytes(StandardCharsets.UTF_8));
        commands.pipeInput(new TestRecord<>("acc-1", avro.serializer().serialize(TOPICS.commands(), headers, command), headers));
    }

    private double count(String name) {
        return registry.get(name).tags("application", "bank", "aggregate", "account").counter().count();
    }

    @Test
    void eventsAppendedAreCountedPerAggregateType() {
        send("c-1", new OpenAccount("ada"));
        send("c-2", new Deposit(10L));

        assertThat(count("myelin.events.appended")).isEqualTo(2);
        assertThat(count("myelin.commands.deduplicated")).isZero();
    }

    @Test
    void aRetriedCommandIsCountedAsDeduplicatedAndAppendsNothingMore() {
        send("c-1", new OpenAccount("ada"));
        send("c-1", new OpenAccount("ada"));

        assertThat(count("myelin.commands.deduplicated")).isEqualTo(1);
        assertThat(count("myelin.events.appended")).isEqualTo(1);
    }
}
