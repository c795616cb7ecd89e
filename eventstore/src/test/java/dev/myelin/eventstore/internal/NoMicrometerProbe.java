package dev.myelin.eventstore.internal;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;

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

import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.eventstore.bank.Account;
import dev.myelin.eventstore.bank.Bank;
import dev.myelin.eventstore.bank.OpenAccount;
import dev.myelin.schemas.InMemorySchemaRegistry;

/**
 * What an application without a registry runs: a configuration, the gateway's meters and a command
 * through the processor. Run by {@link NoMicrometerTest} in a class loader that has no Micrometer.
 */
public final class NoMicrometerProbe implements Runnable {
    @Override
    public void run() {
        MyelinConfig config = MyelinConfig.builder("bank").bootstrapServers("unused:9092").singleBrokerDevMode().build();
        if (config.meterRegistry().isPresent()) {
            throw new AssertionError("no registry was given");
        }
        if (config.openTelemetry().isPresent()) {
            throw new AssertionError("no OpenTelemetry was given");
        }
        Tracing.Span span = Tracing.of(config.openTelemetry()).send("bank.account.commands", new RecordHeaders());
        span.end();
        Meters meters = Meters.of(config.meterRegistry(), config.application());
        GatewayMeters gateway = new GatewayMeters(meters, "account");
        gateway.completed(gateway.sent(), new CommandResult.Accepted<>(1, List.of()), null);
        gateway.close();

        Serde<SpecificRecord> avro = Bank.avro(new InMemorySchemaRegistry());
        AggregateTopics topics = AggregateTopics.of("bank", "account");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bank.account");
        try (TopologyTestDriver driver = new TopologyTestDriver(EventStore.builder(Account.TYPE, config).commandSerde(avro).eventSerde(avro)
                .topology(), props)) {
            TestInputTopic<String, byte[]> commands = driver.createInputTopic(topics.commands(), new StringSerializer(),
                    new ByteArraySerializer());
            TestOutputTopic<String, byte[]> events = driver.createOutputTopic(topics.events(), new StringDeserializer(),
                    new ByteArrayDeserializer());
            Headers headers = new RecordHeaders();
            headers.add(CommandHeaders.COMMAND_ID, "c-1".getBytes(StandardCharsets.UTF_8));
            headers.add(CommandHeaders.REPLY_TO, topics.commandResults().getBytes(StandardCharsets.UTF_8));
            commands.pipeInput(new TestRecord<>("acc-1", avro.serializer().serialize(topics.commands(), headers, new OpenAccount("ada")),
                    headers));
            if (events.getQueueSize() != 1) {
                throw new AssertionError("the command appended " + events.getQueueSize() + " events, not 1");
            }
        }
    }
}
