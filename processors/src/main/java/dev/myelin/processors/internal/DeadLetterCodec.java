package dev.myelin.processors.internal;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import dev.myelin.processors.DeadLetter;
import dev.myelin.schemas.RecordOrigin;

/** Writes the {@code myelin.dead-letter.*} headers, and reads a dead-letter record back. */
public final class DeadLetterCodec {

    /** Header carrying an event's original topic through a repartition topic. */
    static final String ORIGIN_TOPIC = "myelin.origin.topic";
    /** Header carrying an event's original partition through a repartition topic. */
    static final String ORIGIN_PARTITION = "myelin.origin.partition";
    /** Header carrying an event's original offset through a repartition topic. */
    static final String ORIGIN_OFFSET = "myelin.origin.offset";

    /** Keeps a dead letter's headers well below the broker's default 1 MB record limit. */
    private static final int MAX_STACK_TRACE_CHARS = 16_384;
    /** Long enough for any message worth reading; some exceptions quote whole records. */
    private static final int MAX_MESSAGE_CHARS = 4_096;

    private DeadLetterCodec() {
    }

    /**
     * Returns a copy of {@code original} with the dead-letter headers added, the error message and stack
     * trace cut to fit in {@code room} bytes with the original headers: a dead letter larger than the
     * producer may send would fail the stream thread on every try instead of being written.
     */
    static Headers withDeadLetterHeaders(Headers original, String projection, DeadLetter.Reason reason, Throwable error,
                                         RecordOrigin origin, int attempts, Instant failedAt, int room) {
        Headers headers = new RecordHeaders(original.toArray());
        int used = 0;
        for (Header header : original) {
            used += header.key().length() + (header.value() == null ? 0 : header.value().length);
        }
        // bytes for the fixed headers below: names, class name, origin, counts and timestamp
        int left = room - used - 1024;
        String message = cut(error.getMessage() == null ? "" : error.getMessage(), Math.min(MAX_MESSAGE_CHARS, left / 2));
        String trace = cut(stackTrace(error), Math.min(MAX_STACK_TRACE_CHARS, left - message.length() * 3));
        put(headers, DeadLetter.PROJECTION, projection);
        put(headers, DeadLetter.REASON, reason.name());
        put(headers, DeadLetter.ERROR_CLASS, error.getClass().getName());
        put(headers, DeadLetter.ERROR_MESSAGE, message);
        put(headers, DeadLetter.STACK_TRACE, trace);
        put(headers, DeadLetter.SOURCE_TOPIC, origin.topic());
        put(headers, DeadLetter.SOURCE_PARTITION, Integer.toString(origin.partition().orElse(-1)));
        put(headers, DeadLetter.SOURCE_OFFSET, Long.toString(origin.offset().orElse(-1)));
        put(headers, DeadLetter.ATTEMPTS, Integer.toString(attempts));
        put(headers, DeadLetter.FAILED_AT, failedAt.toString());
        return headers;
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
                key == null ? new byte[0] : key, value == null ? new byte[0] : value);
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
        Optional<String> topic = text(headers, ORIGIN_TOPIC);
        if (topic.isEmpty()) {
            return Optional.empty();
        }
        int partition = Integer.parseInt(text(headers, ORIGIN_PARTITION).orElse("-1"));
        long offset = Long.parseLong(text(headers, ORIGIN_OFFSET).orElse("-1"));
        return Optional.of(partition < 0 || offset < 0 ? RecordOrigin.topic(topic.get())
                : RecordOrigin.of(topic.get(), partition, offset));
    }

    /** Records {@code origin} in {@code headers} unless an earlier step already did. */
    static void carryOrigin(Headers headers, RecordOrigin origin) {
        if (headers.lastHeader(ORIGIN_TOPIC) == null) {
            put(headers, ORIGIN_TOPIC, origin.topic());
            put(headers, ORIGIN_PARTITION, Integer.toString(origin.partition().orElse(-1)));
            put(headers, ORIGIN_OFFSET, Long.toString(origin.offset().orElse(-1)));
        }
    }

    private static String stackTrace(Throwable error) {
        StringWriter out = new StringWriter();
        error.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    /** Cuts {@code text} to {@code max} characters (UTF-8 may need up to 3 bytes each; callers allow for it). */
    private static String cut(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        String mark = " ... (cut)";
        return max <= mark.length() ? "" : text.substring(0, max - mark.length()) + mark;
    }

    private static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static Optional<String> text(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? Optional.empty()
                : Optional.of(new String(header.value(), StandardCharsets.UTF_8));
    }

    private static String required(Headers headers, String name) {
        return text(headers, name).orElseThrow(() -> new IllegalArgumentException(
                "not a Myelin dead letter: header " + name + " is missing"));
    }
}
