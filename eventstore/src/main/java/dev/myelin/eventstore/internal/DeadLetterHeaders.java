package dev.myelin.eventstore.internal;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import dev.myelin.schemas.RecordOrigin;

/**
 * Writes the {@code myelin.dead-letter.*} headers every Myelin dead letter carries (a projection's, a
 * saga runtime's), so one tool reads them all: the original key, value and headers stay as they were,
 * and these headers say who gave up on the record, why, and where it was read.
 */
public final class DeadLetterHeaders {
    /** Header: why, as a reason name. */
    public static final String REASON = "myelin.dead-letter.reason";
    /** Header: the exception's class name. */
    public static final String ERROR_CLASS = "myelin.dead-letter.error-class";
    /** Header: the exception's message. */
    public static final String ERROR_MESSAGE = "myelin.dead-letter.error-message";
    /** Header: the exception's stack trace. */
    public static final String STACK_TRACE = "myelin.dead-letter.stack-trace";
    /** Header: the original record's topic. */
    public static final String SOURCE_TOPIC = "myelin.dead-letter.source-topic";
    /** Header: the original record's partition, in decimal (-1 when unknown). */
    public static final String SOURCE_PARTITION = "myelin.dead-letter.source-partition";
    /** Header: the original record's offset, in decimal (-1 when unknown). */
    public static final String SOURCE_OFFSET = "myelin.dead-letter.source-offset";
    /** Header: how many times the handler was tried, in decimal. */
    public static final String ATTEMPTS = "myelin.dead-letter.attempts";
    /** Header: when the runtime gave up, ISO-8601. */
    public static final String FAILED_AT = "myelin.dead-letter.failed-at";

    /** Header: the aggregate type whose event store gave up on a command. */
    public static final String AGGREGATE = "myelin.dead-letter.aggregate";

    /**
     * Header of an action record on a dead-letter topic: what was done to a dead letter
     * ({@code REDRIVE} or {@code SKIP}). The record's value is empty; it stands on the letter's
     * partition, after it, so the topic keeps its own audit.
     */
    public static final String ACTION = "myelin.dead-letter.action";
    /** Header of an action record: who acted, as the caller named them. */
    public static final String ACTION_BY = "myelin.dead-letter.action-by";
    /** Header of an action record: when, ISO-8601. */
    public static final String ACTION_AT = "myelin.dead-letter.action-at";
    /** Header of an action record: the offset of the dead letter it acts on, on the same partition, in decimal. */
    public static final String ACTION_LETTER = "myelin.dead-letter.action-letter";

    /** Header carrying a record's original topic through a re-keying step (a repartition topic, a saga's inbox). */
    public static final String ORIGIN_TOPIC = "myelin.origin.topic";
    /** Header carrying a record's original partition through a re-keying step. */
    public static final String ORIGIN_PARTITION = "myelin.origin.partition";
    /** Header carrying a record's original offset through a re-keying step. */
    public static final String ORIGIN_OFFSET = "myelin.origin.offset";

    /** Keeps a dead letter's headers well below the broker's default 1 MB record limit. */
    private static final int MAX_STACK_TRACE_CHARS = 16_384;
    /** Long enough for any message worth reading; some exceptions quote whole records. */
    private static final int MAX_MESSAGE_CHARS = 4_096;

    private DeadLetterHeaders() {
    }

    /**
     * Returns a copy of {@code original} with the dead-letter headers added, the error message and stack
     * trace cut to fit in {@code room} bytes with the original headers: a dead letter larger than the
     * producer may send would fail the stream thread on every try instead of being written.
     *
     * @param original    the original record's headers
     * @param ownerHeader the header naming who gave up, such as {@code myelin.dead-letter.projection}
     * @param owner       its value: the projection's or saga's name
     * @param reason      the reason's name
     * @param error       what went wrong
     * @param origin      where the original record was read
     * @param attempts    how many times the handler was tried
     * @param failedAt    when the runtime gave up
     * @param room        bytes the headers may take
     * @return new headers
     */
    public static Headers with(Headers original, String ownerHeader, String owner, String reason, Throwable error,
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
        put(headers, ownerHeader, owner);
        put(headers, REASON, reason);
        put(headers, ERROR_CLASS, error.getClass().getName());
        put(headers, ERROR_MESSAGE, message);
        put(headers, STACK_TRACE, trace);
        put(headers, SOURCE_TOPIC, origin.topic());
        put(headers, SOURCE_PARTITION, Integer.toString(origin.partition().orElse(-1)));
        put(headers, SOURCE_OFFSET, Long.toString(origin.offset().orElse(-1)));
        put(headers, ATTEMPTS, Integer.toString(attempts));
        put(headers, FAILED_AT, failedAt.toString());
        return headers;
    }

    /**
     * Sets {@code name} to {@code value} (UTF-8), replacing any earlier value.
     *
     * @param headers the headers
     * @param name    the header name
     * @param value   its value
     */
    public static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Returns the origin an upstream re-keying step recorded, if any.
     *
     * @param headers a record's headers
     * @return the carried origin, or empty
     * @throws NumberFormatException if an origin header is malformed
     */
    public static Optional<RecordOrigin> carriedOrigin(Headers headers) {
        Optional<String> topic = text(headers, ORIGIN_TOPIC);
        if (topic.isEmpty()) {
            return Optional.empty();
        }
        int partition = Integer.parseInt(text(headers, ORIGIN_PARTITION).orElse("-1"));
        long offset = Long.parseLong(text(headers, ORIGIN_OFFSET).orElse("-1"));
        return Optional.of(partition < 0 || offset < 0 ? RecordOrigin.topic(topic.get())
                : RecordOrigin.of(topic.get(), partition, offset));
    }

    /**
     * Returns a dead letter's headers without the {@code myelin.dead-letter.*} ones: the original
     * record's, to send it again with.
     *
     * @param deadLetter a dead letter's headers
     * @return new headers
     */
    public static Headers original(Headers deadLetter) {
        Headers headers = new RecordHeaders();
        for (Header header : deadLetter) {
            if (!header.key().startsWith("myelin.dead-letter.")) {
                headers.add(header);
            }
        }
        return headers;
    }

    /**
     * Returns where a dead letter's record was read, from its {@code source-*} headers.
     *
     * @param headers a dead letter's headers
     * @return the origin (the topic only when partition or offset is unknown), or empty without a source topic
     * @throws NumberFormatException if a source header is malformed
     */
    public static Optional<RecordOrigin> sourceOrigin(Headers headers) {
        return text(headers, SOURCE_TOPIC).map(topic -> {
            int partition = Integer.parseInt(text(headers, SOURCE_PARTITION).orElse("-1"));
            long offset = Long.parseLong(text(headers, SOURCE_OFFSET).orElse("-1"));
            return partition < 0 || offset < 0 ? RecordOrigin.topic(topic) : RecordOrigin.of(topic, partition, offset);
        });
    }

    /**
     * Records {@code origin} in {@code headers} unless an earlier step already did.
     *
     * @param headers a record's headers
     * @param origin  where it was read
     */
    public static void carryOrigin(Headers headers, RecordOrigin origin) {
        if (headers.lastHeader(ORIGIN_TOPIC) == null) {
            put(headers, ORIGIN_TOPIC, origin.topic());
            put(headers, ORIGIN_PARTITION, Integer.toString(origin.partition().orElse(-1)));
            put(headers, ORIGIN_OFFSET, Long.toString(origin.offset().orElse(-1)));
        }
    }

    /**
     * Returns a header's value as UTF-8 text.
     *
     * @param headers the headers
     * @param name    the header name
     * @return its last value, or empty
     */
    public static Optional<String> text(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? Optional.empty()
                : Optional.of(new String(header.value(), StandardCharsets.UTF_8));
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
}
