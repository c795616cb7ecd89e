package dev.myelin.processors;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import dev.myelin.eventstore.DeadLetterAction;
import dev.myelin.eventstore.DeadLetterStatus;
import dev.myelin.eventstore.internal.DeadLetterActions;
import dev.myelin.eventstore.internal.DeadLetterHeaders;
import dev.myelin.processors.internal.DeadLetterCodec;
import dev.myelin.schemas.RecordOrigin;

/**
 * An event a projection could not process, as read back from its dead-letter topic. The dead-letter
 * record keeps the original key, value and headers, and adds the {@code myelin.dead-letter.*} headers
 * named by this class's constants, so plain Kafka tools can read the reason too.
 *
 * <pre>{@code
 * for (DeadLetter letter : running.deadLetters(Duration.ofSeconds(5))) {
 *     log.warn("{} at {}: {}", letter.errorClass(), letter.origin(), letter.errorMessage());
 * }
 * }</pre>
 *
 * @param projection   the name of the projection that gave up on the event
 * @param reason       whether the event could not be read, handled, or folded into a view that can be stored
 * @param errorClass   the fully qualified class name of the exception
 * @param errorMessage the exception's message, empty when it had none
 * @param stackTrace   the exception's stack trace
 * @param origin       the topic, partition and offset of the original event
 * @param attempts     how many times the handler was tried (0 when the event could not be read)
 * @param failedAt     when the projection gave up
 * @param key          the original record key's bytes (empty for a null key)
 * @param value        the original record value's bytes (empty for a null value)
 * @param position     where the dead letter itself is: its dead-letter topic, partition and offset (the
 *                     topic alone for a letter not read from a topic)
 * @param actions      what was done about it ({@link RunningProjection#redrive(java.util.function.Predicate, String,
 *                     java.time.Duration)}, {@link RunningProjection#skip}), oldest first, as recorded on its topic
 */
public record DeadLetter(String projection, Reason reason, String errorClass, String errorMessage, String stackTrace,
                         RecordOrigin origin, int attempts, Instant failedAt, byte[] key, byte[] value,
                         RecordOrigin position, List<DeadLetterAction> actions) {

    /** Header: the projection's name. */
    public static final String PROJECTION = "myelin.dead-letter.projection";
    /** Header: the {@link Reason} name. */
    public static final String REASON = DeadLetterHeaders.REASON;
    /** Header: the exception's class name. */
    public static final String ERROR_CLASS = DeadLetterHeaders.ERROR_CLASS;
    /** Header: the exception's message. */
    public static final String ERROR_MESSAGE = DeadLetterHeaders.ERROR_MESSAGE;
    /** Header: the exception's stack trace. */
    public static final String STACK_TRACE = DeadLetterHeaders.STACK_TRACE;
    /** Header: the original event's topic. */
    public static final String SOURCE_TOPIC = DeadLetterHeaders.SOURCE_TOPIC;
    /** Header: the original event's partition, in decimal. */
    public static final String SOURCE_PARTITION = DeadLetterHeaders.SOURCE_PARTITION;
    /** Header: the original event's offset, in decimal. */
    public static final String SOURCE_OFFSET = DeadLetterHeaders.SOURCE_OFFSET;
    /** Header: how many times the handler was tried, in decimal. */
    public static final String ATTEMPTS = DeadLetterHeaders.ATTEMPTS;
    /** Header: when the projection gave up, ISO-8601. */
    public static final String FAILED_AT = DeadLetterHeaders.FAILED_AT;

    /** Why an event became a dead letter. */
    public enum Reason {
        /** Its bytes or its metadata headers could not be decoded. */
        UNDECODABLE,
        /** Its key function or handler threw (after retries), or the handler returned null. */
        HANDLER_FAILED,
        /**
         * Its view key or view could not be read, serialized or stored: a serde threw, or the view is
         * larger than the producer may send ({@link ViewTooLargeException}). The view keeps its value
         * from before the event.
         */
        VIEW_FAILED
    }

    /**
     * Reads a record of a projection's dead-letter topic ({@link Projection#deadLetterTopic()}).
     *
     * <pre>{@code
     * for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
     *     DeadLetter letter = DeadLetter.from(record);
     *     log.warn("{} failed on {}: {}", letter.projection(), letter.origin(), letter.errorMessage());
     * }
     * }</pre>
     *
     * @param record the record, its key and value as bytes (either may be null)
     * @return the dead letter
     * @throws NullPointerException     if {@code record} is null
     * @throws IllegalArgumentException if a dead-letter header is missing or malformed: the record is
     *                                  not a projection's dead letter
     */
    public static DeadLetter from(ConsumerRecord<byte[], byte[]> record) {
        Objects.requireNonNull(record, "record");
        return DeadLetterCodec.read(record, List.of());
    }

    /**
     * Makes a dead letter not read from its topic, with no actions: its position is the topic
     * {@code <projection>.dead-letters}.
     *
     * @param projection   the projection's name
     * @param reason       why
     * @param errorClass   the exception's class name
     * @param errorMessage its message
     * @param stackTrace   its stack trace
     * @param origin       where the event was read
     * @param attempts     how many times the handler was tried
     * @param failedAt     when the projection gave up
     * @param key          the event's key bytes
     * @param value        the event's value bytes
     * @throws NullPointerException     if a component is null
     * @throws IllegalArgumentException if {@code attempts} is negative
     */
    public DeadLetter(String projection, Reason reason, String errorClass, String errorMessage, String stackTrace,
                      RecordOrigin origin, int attempts, Instant failedAt, byte[] key, byte[] value) {
        this(projection, reason, errorClass, errorMessage, stackTrace, origin, attempts, failedAt, key, value,
                RecordOrigin.topic(projection + ".dead-letters"), List.of());
    }

    /**
     * Checks the components and copies the byte arrays and the actions.
     *
     * @throws NullPointerException     if a component is null
     * @throws IllegalArgumentException if {@code attempts} is negative
     */
    public DeadLetter {
        Objects.requireNonNull(projection, "projection");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(errorClass, "errorClass");
        Objects.requireNonNull(errorMessage, "errorMessage");
        Objects.requireNonNull(stackTrace, "stackTrace");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(failedAt, "failedAt");
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must not be negative: " + attempts);
        }
        key = Objects.requireNonNull(key, "key").clone();
        value = Objects.requireNonNull(value, "value").clone();
        Objects.requireNonNull(position, "position");
        actions = List.copyOf(actions);
    }

    /**
     * Returns where the letter stands: the status its last action left, {@link DeadLetterStatus#PENDING}
     * without one.
     *
     * @return the status
     */
    public DeadLetterStatus status() {
        return DeadLetterActions.status(actions);
    }

    /**
     * Returns a copy of the original key's bytes.
     *
     * @return the key bytes
     */
    @Override
    public byte[] key() {
        return key.clone();
    }

    /**
     * Returns a copy of the original value's bytes.
     *
     * @return the value bytes
     */
    @Override
    public byte[] value() {
        return value.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeadLetter d && projection.equals(d.projection) && reason == d.reason
                && errorClass.equals(d.errorClass) && errorMessage.equals(d.errorMessage)
                && stackTrace.equals(d.stackTrace) && origin.equals(d.origin) && attempts == d.attempts
                && failedAt.equals(d.failedAt) && Arrays.equals(key, d.key) && Arrays.equals(value, d.value)
                && position.equals(d.position) && actions.equals(d.actions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(projection, reason, errorClass, errorMessage, origin, attempts, failedAt, position, actions)
                + 31 * Arrays.hashCode(key) + Arrays.hashCode(value);
    }

    /** Returns the projection, reason, error and origin; not the stack trace or bytes. */
    @Override
    public String toString() {
        return "DeadLetter[" + projection + " " + reason + " " + errorClass + ": " + errorMessage + " at " + origin
                + ", attempts " + attempts + ", " + status() + "]";
    }
}
