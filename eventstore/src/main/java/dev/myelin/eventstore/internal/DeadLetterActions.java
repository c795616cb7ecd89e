package dev.myelin.eventstore.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import dev.myelin.eventstore.DeadLetterAction;
import dev.myelin.eventstore.DeadLetterStatus;

/**
 * The audit of a dead-letter topic, the same for an event store's and a projection's: an action
 * (redrive, skip) is a record after the letter on the letter's partition, with an empty value and the
 * {@code myelin.dead-letter.action*} headers, written in one transaction with what the action sends.
 */
public final class DeadLetterActions {
    private static final String REDRIVE = "REDRIVE";
    private static final String SKIP = "SKIP";

    private DeadLetterActions() {
    }

    /**
     * A letter of a dead-letter topic as read, with what was done about it.
     *
     * @param record  the letter's record
     * @param actions its actions, oldest first
     */
    public record Letter(ConsumerRecord<byte[], byte[]> record, List<DeadLetterAction> actions) {
        /**
         * Copies the actions.
         */
        public Letter {
            Objects.requireNonNull(record, "record");
            actions = List.copyOf(actions);
        }

        /**
         * Returns where the letter stands.
         *
         * @return the status its last action left, or {@link DeadLetterStatus#PENDING}
         */
        public DeadLetterStatus status() {
            return DeadLetterActions.status(actions);
        }
    }

    /**
     * Reads a dead-letter topic to its end: its letters, by partition and offset, each with the
     * actions recorded after it (the same reading for an event store's, a projection's and a saga
     * runtime's dead letters).
     *
     * @param consumerProperties settings from {@link TopicScan#consumerProperties}
     * @param topic              the dead-letter topic
     * @param timeout            how long reading may take
     * @return the letters; none if the topic does not exist
     * @throws IllegalStateException                  if the end is not reached within {@code timeout}
     * @throws org.apache.kafka.common.KafkaException if the cluster cannot be read
     */
    public static List<Letter> readLetters(Map<String, Object> consumerProperties, String topic, Duration timeout) {
        Map<String, ConsumerRecord<byte[], byte[]>> letters = new HashMap<>();
        Map<String, List<DeadLetterAction>> actions = new HashMap<>();
        TopicScan.read(consumerProperties, topic, timeout, record -> {
            if (isAction(record.headers())) {
                read(record).ifPresent(a -> actions.computeIfAbsent(actedOn(record), k -> new ArrayList<>()).add(a));
            } else {
                letters.put(letterKey(record), record);
            }
        });
        List<Letter> result = new ArrayList<>();
        letters.forEach((at, record) -> result.add(new Letter(record, actions.getOrDefault(at, List.of()))));
        result.sort(Comparator.comparing((Letter l) -> l.record().partition()).thenComparing(l -> l.record().offset()));
        return result;
    }

    /**
     * Returns where a letter stands after its actions.
     *
     * @param actions its actions, oldest first
     * @return the last one's status, or {@link DeadLetterStatus#PENDING}
     */
    public static DeadLetterStatus status(List<DeadLetterAction> actions) {
        return actions.isEmpty() ? DeadLetterStatus.PENDING : actions.get(actions.size() - 1).status();
    }

    /**
     * Whether a record of a dead-letter topic is an action rather than a letter.
     *
     * @param headers the record's headers
     * @return whether it is an action
     */
    public static boolean isAction(Headers headers) {
        return headers.lastHeader(DeadLetterHeaders.ACTION) != null;
    }

    /**
     * Reads an action record.
     *
     * @param record an action record ({@link #isAction})
     * @return the action, or empty for an action a later version knows
     */
    public static Optional<DeadLetterAction> read(ConsumerRecord<byte[], byte[]> record) {
        DeadLetterStatus status = switch (DeadLetterHeaders.text(record.headers(), DeadLetterHeaders.ACTION).orElse("")) {
            case REDRIVE -> DeadLetterStatus.REDRIVEN;
            case SKIP -> DeadLetterStatus.SKIPPED;
            default -> null;
        };
        if (status == null) {
            return Optional.empty();
        }
        Instant at = DeadLetterHeaders.text(record.headers(), DeadLetterHeaders.ACTION_AT).map(Instant::parse)
                .orElse(Instant.ofEpochMilli(record.timestamp()));
        return Optional.of(new DeadLetterAction(status, DeadLetterHeaders.text(record.headers(), DeadLetterHeaders.ACTION_BY)
                .orElse("unknown"), at));
    }

    /**
     * Names a letter on its topic: {@code partition:offset}.
     *
     * @param letter a letter record
     * @return its name
     */
    public static String letterKey(ConsumerRecord<byte[], byte[]> letter) {
        return letter.partition() + ":" + letter.offset();
    }

    /**
     * Names the letter an action record acts on, as {@link #letterKey} names letters.
     *
     * @param action an action record
     * @return the letter's name
     */
    public static String actedOn(ConsumerRecord<byte[], byte[]> action) {
        return action.partition() + ":" + DeadLetterHeaders.text(action.headers(), DeadLetterHeaders.ACTION_LETTER).orElse("");
    }

    /**
     * Returns the action record for {@code letter}: on its topic and partition, with its key.
     *
     * @param letter the letter record
     * @param status what the action makes of it
     * @param by     who acts
     * @param at     when
     * @return the record to send
     */
    public static ProducerRecord<byte[], byte[]> record(ConsumerRecord<byte[], byte[]> letter, DeadLetterStatus status, String by,
                                                        Instant at) {
        Headers headers = new RecordHeaders();
        DeadLetterHeaders.put(headers, DeadLetterHeaders.ACTION, status == DeadLetterStatus.REDRIVEN ? REDRIVE : SKIP);
        DeadLetterHeaders.put(headers, DeadLetterHeaders.ACTION_BY, by);
        DeadLetterHeaders.put(headers, DeadLetterHeaders.ACTION_AT, at.toString());
        DeadLetterHeaders.put(headers, DeadLetterHeaders.ACTION_LETTER, Long.toString(letter.offset()));
        return new ProducerRecord<>(letter.topic(), letter.partition(), letter.key(), new byte[0], headers);
    }

    /**
     * Checks who acts: the audit must name someone.
     *
     * @param by who acts
     * @return {@code by}
     * @throws IllegalArgumentException if blank
     */
    public static String requireBy(String by) {
        Objects.requireNonNull(by, "by");
        if (by.isBlank()) {
            throw new IllegalArgumentException("say who acts: the audit records it");
        }
        return by;
    }

    /**
     * Returns transactional producer settings over {@code producerProperties}: one transactional id per
     * dead-letter topic's owner, so that two people acting at once on two instances fence, rather than
     * both act.
     *
     * @param producerProperties the application's producer settings, with {@code bootstrap.servers}
     * @param transactionalId    the owner's transactional id
     * @return the settings
     */
    public static Map<String, Object> producerProperties(Map<String, Object> producerProperties, String transactionalId) {
        Map<String, Object> props = new HashMap<>(producerProperties);
        props.keySet().retainAll(ProducerConfig.configNames());
        props.put(ProducerConfig.CLIENT_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return Map.copyOf(props);
    }

    /**
     * Acts on the chosen letters in one transaction: for each, the record a redrive sends (if any) and
     * its action record. A letter a redrive has nothing to send for is left as it is.
     *
     * @param producerProperties settings from {@link #producerProperties}
     * @param status             what the action makes of the letters
     * @param by                 who acts
     * @param chosen             the letters, pending ones the caller chose
     * @param recordOf           a letter's record on the dead-letter topic
     * @param redriven           for a redrive, the record that sends a letter to be processed again, or empty to leave it
     * @param <L>                the caller's letter type
     * @return how many letters were acted on
     * @throws org.apache.kafka.common.KafkaException if the transaction fails
     */
    public static <L> int act(Map<String, Object> producerProperties, DeadLetterStatus status, String by, List<L> chosen,
                              Function<L, ConsumerRecord<byte[], byte[]>> recordOf,
                              Function<L, Optional<ProducerRecord<byte[], byte[]>>> redriven) {
        Instant now = Instant.now();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        int acted = 0;
        for (L letter : chosen) {
            if (status == DeadLetterStatus.REDRIVEN) {
                Optional<ProducerRecord<byte[], byte[]>> send = redriven.apply(letter);
                if (send.isEmpty()) {
                    continue;
                }
                records.add(send.get());
            }
            records.add(record(recordOf.apply(letter), status, by, now));
            acted++;
        }
        if (acted > 0) {
            sendInOneTransaction(producerProperties, records);
        }
        return acted;
    }

    /**
     * Sends {@code records} in one transaction; a failure aborts it (nothing is read committed).
     *
     * @param producerProperties settings from {@link #producerProperties}
     * @param records            what to send
     * @throws org.apache.kafka.common.KafkaException if the transaction fails
     */
    public static void sendInOneTransaction(Map<String, Object> producerProperties, List<ProducerRecord<byte[], byte[]>> records) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            new ArrayList<>(records).forEach(producer::send);
            producer.commitTransaction();
        }
    }
}
