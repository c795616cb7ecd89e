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
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandDeadLetter;
import dev.myelin.eventstore.CommandHeaders;
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
        producer.put(ProducerConfig.CLIENT_ID_CONFIG, topics.deadLetters() + "-actions");
        // one id per aggregate type: two people acting at once on two instances fence, rather than both redrive
        producer.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.application() + "." + aggregate + ".dead-letter-actions");
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producerProperties = Map.copyOf(producer);
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
        return act(CommandDeadLetter.Status.REDRIVEN, which, by, timeout);
    }

    /** Records the pending dead letters {@code which} accepts as skipped; returns how many. */
    public synchronized int skip(Predicate<? super CommandDeadLetter> which, String by, Duration timeout) {
        return act(CommandDeadLetter.Status.SKIPPED, which, by, timeout);
    }

    private int act(CommandDeadLetter.Status status, Predicate<? super CommandDeadLetter> which, String by, Duration timeout) {
        Objects.requireNonNull(which, "which");
        Objects.requireNonNull(by, "by");
        if (by.isBlank()) {
            throw new IllegalArgumentException("say who acts: the audit records it");
        }
        List<Read> chosen = readAll(timeout).stream()
                .filter(read -> read.letter().status() == CommandDeadLetter.Status.PENDING && which.test(read.letter()))
                .toList();
        if (chosen.isEmpty()) {
            return 0;
        }
        Instant now = Instant.now();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            for (Read read : chosen) {
                ConsumerRecord<byte[], byte[]> record = read.record();
                if (status == CommandDeadLetter.Status.REDRIVEN) {
                    producer.send(new ProducerRecord<>(topics.commands(), null, record.key(), record.value(),
                            commandHeaders(record.headers(), read.letter().commandId())));
                }
                Headers action = new RecordHeaders();
                DeadLetterHeaders.put(action, DeadLetterHeaders.ACTION, status == CommandDeadLetter.Status.REDRIVEN ? "REDRIVE" : "SKIP");
                DeadLetterHeaders.put(action, DeadLetterHeaders.ACTION_BY, by);
                DeadLetterHeaders.put(action, DeadLetterHeaders.ACTION_AT, now.toString());
                DeadLetterHeaders.put(action, DeadLetterHeaders.ACTION_LETTER, Long.toString(record.offset()));
                producer.send(new ProducerRecord<>(topics.deadLetters(), record.partition(), record.key(), new byte[0], action));
            }
            producer.commitTransaction();
        } catch (KafkaException e) {
            // a failed transaction aborts as the producer closes: nothing of it is read committed
            throw new MyelinEventStoreException("could not " + (status == CommandDeadLetter.Status.REDRIVEN ? "redrive" : "skip")
                    + " dead letters of " + topics.deadLetters() + ": " + e.getMessage(), e);
        }
        // who and how many; never the payloads
        LOG.info("{} {} dead letter(s) of {}, by {}", status == CommandDeadLetter.Status.REDRIVEN ? "Redrove" : "Skipped",
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
        Map<String, List<CommandDeadLetter.Action>> actions = new HashMap<>();
        try {
            TopicScan.read(consumerProperties, topics.deadLetters(), timeout, record -> {
                Optional<String> action = DeadLetterHeaders.text(record.headers(), DeadLetterHeaders.ACTION);
                if (action.isPresent()) {
                    action(record, action.get()).ifPresent(a -> actions.computeIfAbsent(record.partition() + ":"
                            + DeadLetterHeaders.text(record.headers(), DeadLetterHeaders.ACTION_LETTER).orElse(""),
                            k -> new ArrayList<>()).add(a));
                } else {
                    letters.put(record.partition() + ":" + record.offset(), new Read(letter(record, List.of()), record));
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

    private static Optional<CommandDeadLetter.Action> action(ConsumerRecord<byte[], byte[]> record, String kind) {
        CommandDeadLetter.Status status = switch (kind) {
            case "REDRIVE" -> CommandDeadLetter.Status.REDRIVEN;
            case "SKIP" -> CommandDeadLetter.Status.SKIPPED;
            default -> null;
        };
        if (status == null) {
            // an action a later version knows: leave the letter as this one sees it
            return Optional.empty();
        }
        Instant at = DeadLetterHeaders.text(record.headers(), DeadLetterHeaders.ACTION_AT).map(Instant::parse)
                .orElse(Instant.ofEpochMilli(record.timestamp()));
        return Optional.of(new CommandDeadLetter.Action(status,
                DeadLetterHeaders.text(record.headers(), DeadLetterHeaders.ACTION_BY).orElse("unknown"), at));
    }

    private CommandDeadLetter letter(ConsumerRecord<byte[], byte[]> record, List<CommandDeadLetter.Action> actions) {
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
