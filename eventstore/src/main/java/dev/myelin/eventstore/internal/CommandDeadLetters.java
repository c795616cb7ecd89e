package dev.myelin.eventstore.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;

import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandDeadLetter;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.DeadLetterAction;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.eventstore.MyelinEventStoreException;
import dev.myelin.schemas.RecordOrigin;

/**
 * An event store's dead letters: reads them with what was done about them from its dead-letter topic,
 * and redrives or skips the chosen ones. Each action is one transaction: the command written back to
 * the commands topic (for a redrive) and the action record on the dead-letter topic commit together,
 * so a letter is never redriven without its record, nor recorded as redriven without being sent.
 */
public final class CommandDeadLetters {
    private final AggregateTopics topics;
    private final DeadLetterTopic<CommandDeadLetter> deadLetters;

    /**
     * Creates the dead letters of one aggregate type.
     *
     * @param config    the application's configuration
     * @param topics    the aggregate type's topics
     * @param aggregate the aggregate type's name
     */
    public CommandDeadLetters(MyelinConfig config, AggregateTopics topics, String aggregate) {
        this.topics = topics;
        Map<String, Object> client = new HashMap<>(config.properties());
        client.put("bootstrap.servers", config.bootstrapServers());
        Map<String, Object> producer = DefaultCommandGateway.clientProperties(config, ProducerConfig.configNames(), "producer.");
        producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        this.deadLetters = new DeadLetterTopic<>(topics.deadLetters(),
                TopicScan.consumerProperties(client, topics.deadLetters() + "-reader"),
                DeadLetterActions.producerProperties(producer, config.application() + "." + aggregate + ".dead-letter-actions"),
                this::letter, CommandDeadLetter::status,
                read -> Optional.of(new ProducerRecord<>(topics.commands(), null, read.record().key(), read.record().value(),
                        commandHeaders(read.record().headers(), read.letter().commandId()))),
                MyelinEventStoreException::new);
    }

    /**
     * Returns the dead letters, by partition and offset, each with its actions.
     *
     * @param timeout how long reading may take
     * @return the dead letters
     */
    public List<CommandDeadLetter> read(Duration timeout) {
        return deadLetters.read(timeout);
    }

    /**
     * Redrives the pending dead letters {@code which} accepts: writes each command back to the commands
     * topic with its key, value and headers (without the dead-letter ones) and records the action.
     *
     * @return how many
     */
    public int redrive(Predicate<? super CommandDeadLetter> which, String by, Duration timeout) {
        return deadLetters.redrive(which, by, timeout);
    }

    /** Records the pending dead letters {@code which} accepts as skipped; returns how many. */
    public int skip(Predicate<? super CommandDeadLetter> which, String by, Duration timeout) {
        return deadLetters.skip(which, by, timeout);
    }

    /**
     * The headers to send a dead command again with: its own without the dead-letter ones, and its
     * command id made explicit, so that the processor knows it again (a command sent without one was
     * known by its position, which a new record would not keep).
     */
    static Headers commandHeaders(Headers deadLetter, String commandId) {
        Headers headers = DeadLetterHeaders.original(deadLetter);
        headers.remove(CommandHeaders.ERROR);
        DeadLetterHeaders.put(headers, CommandHeaders.COMMAND_ID, commandId);
        return headers;
    }

    private CommandDeadLetter letter(ConsumerRecord<byte[], byte[]> record, List<DeadLetterAction> actions) {
        Headers headers = record.headers();
        RecordOrigin origin = DeadLetterHeaders.sourceOrigin(headers)
                .orElse(RecordOrigin.topic(topics.commands()));
        String commandId = given(headers, CommandHeaders.COMMAND_ID).orElseGet(() -> origin.partition().isPresent()
                ? origin.topic() + "-" + origin.partition().getAsInt() + "@" + origin.offset().getAsLong()
                : topics.deadLetters() + "-" + record.partition() + "@" + record.offset());
        Instant failedAt = DeadLetterHeaders.text(headers, DeadLetterHeaders.FAILED_AT).map(Instant::parse)
                .orElse(Instant.ofEpochMilli(record.timestamp()));
        return new CommandDeadLetter(
                Optional.ofNullable(record.key()).map(k -> new String(k, StandardCharsets.UTF_8)),
                commandId,
                given(headers, CommandHeaders.COMMAND_TYPE).orElse(CommandHeaders.TYPE_COMMAND),
                given(headers, CommandHeaders.CORRELATION_ID),
                DeadLetterHeaders.text(headers, CommandHeaders.ERROR).orElse(""),
                origin,
                RecordOrigin.of(record.topic(), record.partition(), record.offset()),
                failedAt,
                record.value() == null ? new byte[0] : record.value(),
                actions);
    }

    private static Optional<String> given(Headers headers, String name) {
        return DeadLetterHeaders.text(headers, name).filter(v -> !v.isBlank());
    }
}
