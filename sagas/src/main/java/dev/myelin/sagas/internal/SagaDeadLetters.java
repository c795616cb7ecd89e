package dev.myelin.sagas.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.DeadLetterAction;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.eventstore.internal.DeadLetterActions;
import dev.myelin.eventstore.internal.DeadLetterHeaders;
import dev.myelin.eventstore.internal.DeadLetterTopic;
import dev.myelin.eventstore.internal.TopicScan;
import dev.myelin.sagas.SagaDeadLetter;
import dev.myelin.sagas.SagaTopics;
import dev.myelin.schemas.RecordOrigin;
import dev.myelin.schemas.SchemaRegistryUnavailableException;

/**
 * A saga runtime's dead letters: reads them with what was done about them from its dead-letter topic,
 * and redrives or skips the chosen ones, each action in one transaction with the record it sends, as
 * an event store's and a projection's dead letters are.
 *
 * <p>A redrive writes the record to the saga's inbox, never back to the trigger or reply topic: those
 * are other runtimes' (an aggregate's events topic is its history, where a copy would be a second
 * event). A record the saga processor gave up on was read from the inbox and goes back as it was. A
 * trigger its router gave up on was never re-keyed: the redrive decodes it and makes its saga id with
 * the definition the application runs now (the fix), and writes it to the inbox as the router would;
 * one that still cannot be routed is left pending and named in the log.
 */
public final class SagaDeadLetters {
    private static final Logger LOG = LoggerFactory.getLogger(SagaDeadLetters.class);

    private final DefaultSagaDefinition<?, ?> definition;
    private final SagaTopics topics;
    private final DeadLetterTopic<SagaDeadLetter> deadLetters;

    /**
     * Creates the dead letters of one saga runtime.
     *
     * @param definition the saga, whose trigger serde and saga id route a trigger its router gave up on
     * @param topics     the saga's topics
     * @param config     the application's configuration
     */
    public SagaDeadLetters(DefaultSagaDefinition<?, ?> definition, SagaTopics topics, MyelinConfig config) {
        this.definition = definition;
        this.topics = topics;
        Map<String, Object> client = new HashMap<>(config.properties());
        client.put("bootstrap.servers", config.bootstrapServers());
        this.deadLetters = new DeadLetterTopic<>(topics.deadLetters(),
                TopicScan.consumerProperties(client, topics.deadLetters() + "-reader"),
                DeadLetterActions.producerProperties(client, config.application() + ".saga." + definition.name() + ".dead-letter-actions"),
                this::letter, SagaDeadLetter::status, this::toInbox, IllegalStateException::new);
    }

    /**
     * Returns the dead letters, by partition and offset, each with its actions.
     *
     * @param timeout how long reading may take
     * @return the dead letters
     * @throws IllegalStateException if the topic cannot be read to its end in time
     */
    public List<SagaDeadLetter> read(Duration timeout) {
        return deadLetters.read(timeout);
    }

    /**
     * Redrives the pending dead letters {@code which} accepts into the saga's inbox and records each.
     *
     * @return how many were redriven
     */
    public int redrive(Predicate<? super SagaDeadLetter> which, String by, Duration timeout) {
        return deadLetters.redrive(which, by, timeout);
    }

    /** Records the pending dead letters {@code which} accepts as skipped; returns how many. */
    public int skip(Predicate<? super SagaDeadLetter> which, String by, Duration timeout) {
        return deadLetters.skip(which, by, timeout);
    }

    /** The inbox record that processes a letter again, or empty for a trigger that still cannot be routed. */
    private Optional<ProducerRecord<byte[], byte[]>> toInbox(DeadLetterTopic.Read<SagaDeadLetter> read) {
        ConsumerRecord<byte[], byte[]> record = read.record();
        Headers headers = DeadLetterHeaders.original(record.headers());
        if (headers.lastHeader(SagaTopology.KIND) != null) {
            // read from the inbox by the saga processor: the same key reaches the same task, the origin headers stay
            return Optional.of(new ProducerRecord<>(topics.inbox(), null, record.key(), record.value(), headers));
        }
        String sagaId;
        try {
            sagaId = sagaIdOf(headers, record.value());
        } catch (RuntimeException e) {
            SchemaRegistryUnavailableException outage = RecordFaults.outage(e);
            if (outage != null) {
                throw new IllegalStateException("cannot redrive the dead letters of saga " + definition.name()
                        + " while the schema registry is unavailable; try again: " + outage.getMessage(), outage);
            }
            LOG.warn("saga {}: the dead letter at {} (a trigger from {}) still cannot be routed, left pending: {}", definition.name(),
                    read.letter().position(), read.letter().origin(), e.toString());
            return Optional.empty();
        }
        DeadLetterHeaders.put(headers, SagaTopology.KIND, SagaTopology.KIND_TRIGGER);
        // as the router does: the origin is where the trigger was read, not some upstream pipeline's
        SagaTopology.carryOrigin(headers, read.letter().origin());
        return Optional.of(new ProducerRecord<>(topics.inbox(), null, sagaId.getBytes(StandardCharsets.UTF_8), record.value(), headers));
    }

    private String sagaIdOf(Headers headers, byte[] value) {
        Object decoded = definition.triggerSerde().deserializer().deserialize(definition.triggerTopic(), headers, value);
        if (!definition.triggerType().isInstance(decoded)) {
            throw new IllegalArgumentException("not a " + definition.triggerType().getSimpleName() + ": "
                    + (decoded == null ? "null" : decoded.getClass().getName()));
        }
        return sagaId(definition, decoded);
    }

    private static <T> String sagaId(DefaultSagaDefinition<T, ?> definition, Object trigger) {
        return definition.sagaId(definition.triggerType().cast(trigger));
    }

    /** Reads a letter; what its headers do not say is taken from the record. */
    SagaDeadLetter letter(ConsumerRecord<byte[], byte[]> record, List<DeadLetterAction> actions) {
        Headers headers = record.headers();
        Optional<String> kind = DeadLetterHeaders.text(headers, SagaTopology.KIND);
        Optional<String> key = Optional.ofNullable(record.key()).map(k -> new String(k, StandardCharsets.UTF_8));
        RecordOrigin origin;
        try {
            origin = DeadLetterHeaders.sourceOrigin(headers).orElse(RecordOrigin.topic(definition.triggerTopic()));
        } catch (NumberFormatException e) {
            origin = RecordOrigin.topic(DeadLetterHeaders.text(headers, DeadLetterHeaders.SOURCE_TOPIC).orElse(definition.triggerTopic()));
        }
        String error = DeadLetterHeaders.text(headers, DeadLetterHeaders.ERROR_CLASS).orElse("")
                + DeadLetterHeaders.text(headers, DeadLetterHeaders.ERROR_MESSAGE).map(m -> ": " + m).orElse("");
        Instant failedAt = DeadLetterHeaders.text(headers, DeadLetterHeaders.FAILED_AT).map(Instant::parse)
                .orElse(Instant.ofEpochMilli(record.timestamp()));
        boolean reply = kind.filter(SagaTopology.KIND_REPLY::equals).isPresent();
        return new SagaDeadLetter(definition.name(), reply ? SagaDeadLetter.Kind.REPLY : SagaDeadLetter.Kind.TRIGGER, key,
                kind.isPresent() ? key : Optional.empty(),
                reply ? DeadLetterHeaders.text(headers, SagaTopology.REPLY_COMMAND) : Optional.empty(),
                DeadLetterHeaders.text(headers, DeadLetterHeaders.REASON).orElse(""),
                error, origin, RecordOrigin.of(record.topic(), record.partition(), record.offset()), failedAt,
                record.value() == null ? new byte[0] : record.value(), actions);
    }
}
