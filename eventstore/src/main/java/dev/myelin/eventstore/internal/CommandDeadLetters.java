package dev.myelin.eventstore.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandDeadLetter;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.DeadLetterAction;
import dev.myelin.eventstore.DeadLetterStatus;
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
    private static final Logger LOG = LoggerFactory.getLogger(CommandDeadLetters.class);

    private final AggregateTopics topics;
    private final Map<String, Object> consumerProperties;
    private final Map<String, Object> producerProperties;

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
        this.consumerProperties = TopicScan.consumerProperties(client, topics.deadLetters() + "-reader");
        Map<String, Object> producer = DefaultCommandGateway.clientProperties(config, ProducerConfig.configNames(), "producer.");
        producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        this.producerProperties = DeadLetterActions.producerProperties(producer, config.application() + "." + aggregate
                + ".dead-letter-actions");
    }

    /** A dead letter with the record it was read from, whose headers a redrive sends back. */
    private record Read(CommandDeadLetter letter, ConsumerRecord<byte[], byte[]> record) {
    }

    /**
     * Returns the dead letters, by partition and offset, each with its actions.
     *
     * @param timeout how long reading may take
     * @return the dead letters
     */
    public List<CommandDeadLetter> read(Duration timeout) {
        return readAll(timeout).stream().map(Read::letter).toList();
    }

    /**
     * Redrives the pending dead letters {@code which} accepts: writes each command back to the commands
     * topic with its key, value and headers (without the dead-letter ones) and records the action.
     *
     * @return how many
     */
    public synchronized int redrive(Predicate<? super CommandDeadLetter> which, String by, Duration timeout) {
        return act(DeadLetterStatus.REDRIVEN, which, by, timeout);
    }

    /** Records the pending dead letters {@code which} accepts as skipped; returns how many. */
    public synchronized int skip(Predicate<? super CommandDeadLetter> which, String by, Duration timeout) {
        return act(DeadLetterStatus.SKIPPED, which, by, timeout);
    }

    private int act(DeadLetterStatus status, Predicate<? super CommandDeadLetter> which, String by, Duration timeout) {
        Objects.requireNonNull(which, "which");
        DeadLetterActions.requireBy(by);
        List<Read> chosen = readAll(timeout).stream()
                .filter(read -> read.letter().status() == DeadLetterStatus.PENDING && which.test(read.letter()))
                .toList();
        if (chosen.isEmpty()) {
            return 0;
        }
        Instant now = Instant.now();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (Read read : chosen) {
            ConsumerRecord<byte[], byte[]> record = read.record();
            if (status == DeadLetterStatus.REDRIVEN) {
                records.add(new ProducerRecord<>(topics.commands(), null, record.key(), record.value(),
                        commandHeaders(record.headers(), read.letter().commandId())));
            }
            records.add(DeadLetterActions.record(record, status, by, now));
        }
        try {
            DeadLetterActions.sendInOneTransaction(producerProperties, records);
        } catch (KafkaException e) {
            throw new MyelinEventStoreException("could not " + (status == DeadLetterStatus.REDRIVEN ? "redrive" : "skip")
                    + " dead letters of " + topics.deadLetters() + ": " + e.getMessage(), e);
        }
        // who and how many; never the payloads
        LOG.info("{} {} dead letter(s) of {}, by {}", status == DeadLetterStatus.REDRIVEN ? "Redrove" : "Skipped",
                chosen.size(), topics.deadLetters(), by);
        return chosen.size();
    }

    /**
     * The headers to send a dead command again with: its own without the dead-letter ones, and its
     * command id made explicit, so that the processor knows it again (a command sent without one was
     * known by its position, which a new record would not keep).
     */
    static Headers commandHeaders(Headers deadLetter, String commandId) {
        Headers headers = new RecordHeaders();
        for (Header header : deadLetter) {
            if (!header.key().startsWith("myelin.dead-letter.") && !header.key().equals(CommandHeaders.ERROR)) {
                headers.add(header);
            }
        }
        DeadLetterHeaders.put(headers, CommandHeaders.COMMAND_ID, commandId);
        return headers;
    }

    private List<Read> readAll(Duration timeout) {
        Map<String, Read> letters = new LinkedHashMap<>();
        Map<String, List<DeadLetterAction>> actions = new HashMap<>();
        try {
            TopicScan.read(consumerProperties, topics.deadLetters(), timeout, record -> {
                if (DeadLetterActions.isAction(record.headers())) {
                    DeadLetterActions.read(record).ifPresent(a -> actions.computeIfAbsent(DeadLetterActions.actedOn(record),
                            k -> new ArrayList<>()).add(a));
                } else {
                    letters.put(DeadLetterActions.letterKey(record), new Read(letter(record, List.of()), record));
                }
            });
        } catch (IllegalStateException | KafkaException e) {
            throw new MyelinEventStoreException("could not read dead-letter topic " + topics.deadLetters() + ": " + e.getMessage(), e);
        }
        List<Read> result = new ArrayList<>();
        letters.forEach((at, read) -> result.add(new Read(letter(read.record(), actions.getOrDefault(at, List.of())), read.record())));
        result.sort(Comparator.comparing((Read r) -> r.record().partition()).thenComparing(r -> r.record().offset()));
        return result;
    }

    private CommandDeadLetter letter(ConsumerRecord<byte[], byte[]> record, List<DeadLetterAction> actions) {
        Headers headers = record.headers();
        RecordOrigin origin = DeadLetterHeaders.text(headers, DeadLetterHeaders.SOURCE_TOPIC)
                .map(topic -> {
                    int partition = Integer.parseInt(DeadLetterHeaders.text(headers, DeadLetterHeaders.SOURCE_PARTITION).orElse("-1"));
                    long offset = Long.parseLong(DeadLetterHeaders.text(headers, DeadLetterHeaders.SOURCE_OFFSET).orElse("-1"));
                    return partition < 0 || offset < 0 ? RecordOrigin.topic(topic) : RecordOrigin.of(topic, partition, offset);
                })
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
