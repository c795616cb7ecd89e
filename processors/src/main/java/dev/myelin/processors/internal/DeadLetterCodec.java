package dev.myelin.processors.internal;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import dev.myelin.eventstore.DeadLetterAction;
import dev.myelin.eventstore.internal.DeadLetterHeaders;
import dev.myelin.processors.DeadLetter;
import dev.myelin.schemas.RecordOrigin;

/** Writes the {@code myelin.dead-letter.*} headers, and reads a dead-letter record back. */
public final class DeadLetterCodec {

    private DeadLetterCodec() {
    }

    /**
     * Returns a copy of {@code original} with the dead-letter headers added, the error message and stack
     * trace cut to fit in {@code room} bytes with the original headers: a dead letter larger than the
     * producer may send would fail the stream thread on every try instead of being written.
     */
    static Headers withDeadLetterHeaders(Headers original, String projection, DeadLetter.Reason reason, Throwable error,
                                         RecordOrigin origin, int attempts, Instant failedAt, int room) {
        return DeadLetterHeaders.with(original, DeadLetter.PROJECTION, projection, reason.name(), error, origin, attempts,
                failedAt, room);
    }

    /**
     * Reads a record of a dead-letter topic.
     *
     * @param key     the record key, may be null
     * @param value   the record value, may be null
     * @param headers the record headers
     * @return the dead letter
     * @throws IllegalArgumentException if a dead-letter header is missing or malformed
     */
    public static DeadLetter read(byte[] key, byte[] value, Headers headers) {
        return read(key, value, headers, RecordOrigin.topic(required(headers, DeadLetter.PROJECTION) + ".dead-letters"), List.of());
    }

    /**
     * Reads a record of a dead-letter topic, with its position there and what was done about it.
     *
     * @param record  the record
     * @param actions its actions, oldest first
     * @return the dead letter
     * @throws IllegalArgumentException if a dead-letter header is missing or malformed
     */
    public static DeadLetter read(ConsumerRecord<byte[], byte[]> record, List<DeadLetterAction> actions) {
        return read(record.key(), record.value(), record.headers(), RecordOrigin.of(record.topic(), record.partition(), record.offset()),
                actions);
    }

    private static DeadLetter read(byte[] key, byte[] value, Headers headers, RecordOrigin position, List<DeadLetterAction> actions) {
        String topic = required(headers, DeadLetter.SOURCE_TOPIC);
        int partition = Integer.parseInt(required(headers, DeadLetter.SOURCE_PARTITION));
        long offset = Long.parseLong(required(headers, DeadLetter.SOURCE_OFFSET));
        RecordOrigin origin = partition < 0 || offset < 0 ? RecordOrigin.topic(topic) : RecordOrigin.of(topic, partition, offset);
        return new DeadLetter(required(headers, DeadLetter.PROJECTION),
                DeadLetter.Reason.valueOf(required(headers, DeadLetter.REASON)),
                required(headers, DeadLetter.ERROR_CLASS), required(headers, DeadLetter.ERROR_MESSAGE),
                required(headers, DeadLetter.STACK_TRACE), origin,
                Integer.parseInt(required(headers, DeadLetter.ATTEMPTS)),
                Instant.parse(required(headers, DeadLetter.FAILED_AT)),
                key == null ? new byte[0] : key, value == null ? new byte[0] : value, position, actions);
    }

    /**
     * Returns the headers to re-drive a dead letter with: its original headers without the dead-letter
     * ones, plus its original origin, so that should it fail again its new dead letter still points at
     * the event on the events topic.
     *
     * @param deadLetterHeaders the headers of the dead-letter record
     * @param origin            the dead letter's origin
     * @return new headers
     */
    public static Headers redriveHeaders(Headers deadLetterHeaders, RecordOrigin origin) {
        Headers headers = new RecordHeaders();
        for (Header header : deadLetterHeaders) {
            if (!header.key().startsWith("myelin.dead-letter.")) {
                headers.add(header);
            }
        }
        carryOrigin(headers, origin);
        return headers;
    }

    /** Returns the origin an upstream re-keying step recorded, if any. */
    static Optional<RecordOrigin> carriedOrigin(Headers headers) {
        return DeadLetterHeaders.carriedOrigin(headers);
    }

    /** Records {@code origin} in {@code headers} unless an earlier step already did. */
    static void carryOrigin(Headers headers, RecordOrigin origin) {
        DeadLetterHeaders.carryOrigin(headers, origin);
    }

    private static String required(Headers headers, String name) {
        return DeadLetterHeaders.text(headers, name).orElseThrow(() -> new IllegalArgumentException(
                "not a Myelin dead letter: header " + name + " is missing"));
    }
}
