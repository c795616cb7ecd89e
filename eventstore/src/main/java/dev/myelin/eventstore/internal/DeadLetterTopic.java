package dev.myelin.eventstore.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.DeadLetterAction;
import dev.myelin.eventstore.DeadLetterStatus;

/**
 * One dead-letter topic read and acted on: its letters with what was done about them, and redrive or
 * skip of the pending ones chosen, each call one transaction (the records a redrive sends with the
 * action records), so a letter is never redriven without its record, nor recorded as redriven without
 * being sent. What a letter is, and where a redrive sends it, is the owner's (an event store's, a saga
 * runtime's).
 *
 * @param <L> the owner's letter type
 */
public final class DeadLetterTopic<L> {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterTopic.class);

    /**
     * A letter with the record it was read from.
     *
     * @param letter the letter
     * @param record its record on the dead-letter topic
     * @param <L>    the letter type
     */
    public record Read<L>(L letter, ConsumerRecord<byte[], byte[]> record) {
    }

    private final String topic;
    private final Map<String, Object> consumerProperties;
    private final Map<String, Object> producerProperties;
    private final BiFunction<ConsumerRecord<byte[], byte[]>, List<DeadLetterAction>, L> reader;
    private final Function<L, DeadLetterStatus> status;
    private final Function<Read<L>, Optional<ProducerRecord<byte[], byte[]>>> redriveTo;
    private final BiFunction<String, RuntimeException, RuntimeException> failure;

    /**
     * Creates the topic's reader and actor.
     *
     * @param topic              the dead-letter topic
     * @param consumerProperties settings from {@link TopicScan#consumerProperties}
     * @param producerProperties settings from {@link DeadLetterActions#producerProperties}
     * @param reader             makes a letter of a record and its actions
     * @param status             a letter's status
     * @param redriveTo          the record a redrive sends for a letter, or empty to leave it pending
     * @param failure            the owner's exception for what failed (a sentence) and why
     */
    public DeadLetterTopic(String topic, Map<String, Object> consumerProperties, Map<String, Object> producerProperties,
                           BiFunction<ConsumerRecord<byte[], byte[]>, List<DeadLetterAction>, L> reader,
                           Function<L, DeadLetterStatus> status, Function<Read<L>, Optional<ProducerRecord<byte[], byte[]>>> redriveTo,
                           BiFunction<String, RuntimeException, RuntimeException> failure) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.consumerProperties = Map.copyOf(consumerProperties);
        this.producerProperties = Map.copyOf(producerProperties);
        this.reader = reader;
        this.status = status;
        this.redriveTo = redriveTo;
        this.failure = failure;
    }

    /**
     * Returns the letters, by partition and offset, each with its actions.
     *
     * @param timeout how long reading may take
     * @return the letters
     */
    public List<L> read(Duration timeout) {
        return readAll(timeout).stream().map(Read::letter).toList();
    }

    /**
     * Redrives the pending letters {@code which} accepts and records each, in one transaction.
     *
     * @param which   chooses the letters
     * @param by      who acts
     * @param timeout how long reading may take
     * @return how many were redriven
     */
    public synchronized int redrive(Predicate<? super L> which, String by, Duration timeout) {
        return act(DeadLetterStatus.REDRIVEN, which, by, timeout);
    }

    /**
     * Records the pending letters {@code which} accepts as skipped, in one transaction.
     *
     * @param which   chooses the letters
     * @param by      who acts
     * @param timeout how long reading may take
     * @return how many were skipped
     */
    public synchronized int skip(Predicate<? super L> which, String by, Duration timeout) {
        return act(DeadLetterStatus.SKIPPED, which, by, timeout);
    }

    private int act(DeadLetterStatus action, Predicate<? super L> which, String by, Duration timeout) {
        Objects.requireNonNull(which, "which");
        Objects.requireNonNull(timeout, "timeout");
        DeadLetterActions.requireBy(by);
        List<Read<L>> chosen = readAll(timeout).stream()
                .filter(read -> status.apply(read.letter()) == DeadLetterStatus.PENDING && which.test(read.letter()))
                .toList();
        String verb = action == DeadLetterStatus.REDRIVEN ? "redrive" : "skip";
        int acted;
        try {
            acted = DeadLetterActions.act(producerProperties, action, by, chosen, Read::record, redriveTo);
        } catch (KafkaException e) {
            throw failure.apply("could not " + verb + " dead letters of " + topic + ": " + e.getMessage(), e);
        }
        if (acted > 0) {
            // who and how many; never the payloads
            LOG.info("{} {} dead letter(s) of {}, by {}", action == DeadLetterStatus.REDRIVEN ? "Redrove" : "Skipped", acted, topic, by);
        }
        return acted;
    }

    private List<Read<L>> readAll(Duration timeout) {
        try {
            return DeadLetterActions.readLetters(consumerProperties, topic, timeout).stream()
                    .map(l -> new Read<>(reader.apply(l.record(), l.actions()), l.record()))
                    .toList();
        } catch (IllegalStateException | KafkaException e) {
            throw failure.apply("could not read dead-letter topic " + topic + ": " + e.getMessage(), e);
        }
    }
}
