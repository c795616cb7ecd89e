package dev.myelin.schemas;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The facts about one stored event that are not part of its payload, carried as Kafka record
 * headers so that any consumer (Kafka Connect, a console consumer, another service) can read them
 * without knowing Avro.
 *
 * <p>Every header value is UTF-8 text: the sequence as a decimal number and the timestamp in
 * ISO-8601, so the headers stay readable in plain tools.
 *
 * <pre>{@code
 * EventMetadata metadata = new EventMetadata(UUID.randomUUID().toString(), "Deposited", "acc-1", 42,
 *         Instant.now(), commandId, correlationId, causationId);
 * metadata.writeTo(record.headers());
 * EventMetadata read = EventMetadata.readFrom(consumed.headers());
 * }</pre>
 *
 * @param eventId       unique id of this event
 * @param eventType     the event's type name (its Avro record name, unless the application says otherwise)
 * @param aggregateId   the aggregate the event belongs to
 * @param sequence      the event's position in its aggregate's history, starting at 1
 * @param timestamp     when the event was decided
 * @param commandId     the command that produced the event
 * @param correlationId the id shared by every message of one business transaction
 * @param causationId   the id of the message that directly caused this event
 * @param traceContext  the W3C trace context the event was written in, when the application traces (its
 *                      {@code traceparent}/{@code tracestate} headers): a replay or a re-driven dead letter
 *                      still names the trace it came from
 */
public record EventMetadata(
        String eventId,
        String eventType,
        String aggregateId,
        long sequence,
        Instant timestamp,
        String commandId,
        String correlationId,
        String causationId,
        Optional<TraceContext> traceContext) {

    /** Header holding {@link #eventId()}. */
    public static final String EVENT_ID = "myelin.event-id";
    /** Header holding {@link #eventType()}. */
    public static final String EVENT_TYPE = "myelin.event-type";
    /** Header holding {@link #aggregateId()}. */
    public static final String AGGREGATE_ID = "myelin.aggregate-id";
    /** Header holding {@link #sequence()}. */
    public static final String SEQUENCE = "myelin.sequence";
    /** Header holding {@link #timestamp()}. */
    public static final String TIMESTAMP = "myelin.timestamp";
    /** Header holding {@link #commandId()}. */
    public static final String COMMAND_ID = "myelin.command-id";
    /** Header holding {@link #correlationId()}. */
    public static final String CORRELATION_ID = "myelin.correlation-id";
    /** Header holding {@link #causationId()}. */
    public static final String CAUSATION_ID = "myelin.causation-id";

    /**
     * Checks every component.
     *
     * @throws NullPointerException     if any component is null
     * @throws IllegalArgumentException if {@code sequence} is less than 1 or an id is blank
     */
    public EventMetadata {
        requireText(eventId, "eventId");
        requireText(eventType, "eventType");
        requireText(aggregateId, "aggregateId");
        Objects.requireNonNull(timestamp, "timestamp");
        requireText(commandId, "commandId");
        requireText(correlationId, "correlationId");
        requireText(causationId, "causationId");
        Objects.requireNonNull(traceContext, "traceContext");
        if (sequence < 1) {
            throw new IllegalArgumentException("sequence must be 1 or more: " + sequence);
        }
    }

    /**
     * Creates the metadata of an event written outside any trace.
     *
     * @param eventId       unique id of this event
     * @param eventType     the event's type name
     * @param aggregateId   the aggregate the event belongs to
     * @param sequence      the event's position in its aggregate's history, starting at 1
     * @param timestamp     when the event was decided
     * @param commandId     the command that produced the event
     * @param correlationId the id shared by every message of one business transaction
     * @param causationId   the id of the message that directly caused this event
     */
    public EventMetadata(String eventId, String eventType, String aggregateId, long sequence, Instant timestamp, String commandId,
                         String correlationId, String causationId) {
        this(eventId, eventType, aggregateId, sequence, timestamp, commandId, correlationId, causationId, Optional.empty());
    }

    /**
     * Returns this metadata with {@code traceContext} as the trace the event was written in.
     *
     * @param traceContext the trace context, or empty for none
     * @return the metadata
     */
    public EventMetadata withTraceContext(Optional<TraceContext> traceContext) {
        return new EventMetadata(eventId, eventType, aggregateId, sequence, timestamp, commandId, correlationId, causationId,
                traceContext);
    }

    /**
     * Writes this metadata into {@code headers}, replacing any Myelin metadata headers already there,
     * and its trace context, when it has one, as the {@code traceparent}/{@code tracestate} headers.
     *
     * @param headers the record headers to write to
     * @return the same headers, for chaining
     */
    public Headers writeTo(Headers headers) {
        // the command processor writes into empty headers, once per event: nothing to replace, and each removal walks them all
        boolean empty = !headers.iterator().hasNext();
        put(headers, EVENT_ID, eventId, empty);
        put(headers, EVENT_TYPE, eventType, empty);
        put(headers, AGGREGATE_ID, aggregateId, empty);
        put(headers, SEQUENCE, Long.toString(sequence), empty);
        put(headers, TIMESTAMP, formatted(timestamp), empty);
        put(headers, COMMAND_ID, commandId, empty);
        put(headers, CORRELATION_ID, correlationId, empty);
        put(headers, CAUSATION_ID, causationId, empty);
        traceContext.ifPresent(trace -> trace.writeTo(headers));
        return headers;
    }

    /** The last timestamp written and its text: every event of a command, and commands in the same millisecond, share it. */
    private record FormattedInstant(Instant instant, String text) {
    }

    private static volatile FormattedInstant lastFormatted = new FormattedInstant(Instant.EPOCH, Instant.EPOCH.toString());

    /** ISO-8601 text of {@code instant}; formatting an {@code Instant} costs more than the rest of the headers together. */
    private static String formatted(Instant instant) {
        FormattedInstant last = lastFormatted;
        if (last.instant().equals(instant)) {
            return last.text();
        }
        String text = instant.toString();
        lastFormatted = new FormattedInstant(instant, text);
        return text;
    }

    /**
     * Reads the metadata of one event from its record headers, with its trace context when the
     * headers carry one.
     *
     * @param headers the headers of a record from an events topic
     * @return the metadata
     * @throws InvalidEventMetadataException if a header is missing or cannot be parsed; the message
     *                                       names the header
     */
    public static EventMetadata readFrom(Headers headers) {
        Objects.requireNonNull(headers, "headers");
        String sequenceText = required(headers, SEQUENCE);
        long sequence;
        try {
            sequence = Long.parseLong(sequenceText);
        } catch (NumberFormatException e) {
            throw new InvalidEventMetadataException("header " + SEQUENCE + " is not a number: '" + sequenceText + "'");
        }
        String timestampText = required(headers, TIMESTAMP);
        Instant timestamp;
        try {
            timestamp = parseInstant(timestampText);
        } catch (DateTimeParseException e) {
            throw new InvalidEventMetadataException("header " + TIMESTAMP + " is not an ISO-8601 instant: '" + timestampText + "'");
        }
        try {
            return new EventMetadata(required(headers, EVENT_ID), required(headers, EVENT_TYPE),
                    required(headers, AGGREGATE_ID), sequence, timestamp, required(headers, COMMAND_ID),
                    required(headers, CORRELATION_ID), required(headers, CAUSATION_ID), TraceContext.readFrom(headers));
        } catch (IllegalArgumentException e) {
            throw new InvalidEventMetadataException(e.getMessage());
        }
    }

    /**
     * Parses the timestamp header. {@link Instant#parse} goes through a general formatter that cost a
     * sixth of a projection's processing time; the text Myelin writes is always
     * {@link Instant#toString()}'s {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z}, which this reads directly.
     * Anything else goes to {@link Instant#parse}, which accepts or refuses it as before.
     */
    static Instant parseInstant(String text) {
        int length = text.length();
        int fraction = length - 21; // digits after the point, if there is one
        boolean shaped = length >= 20 && text.charAt(4) == '-' && text.charAt(7) == '-' && text.charAt(10) == 'T'
                && text.charAt(13) == ':' && text.charAt(16) == ':' && text.charAt(length - 1) == 'Z'
                && (length == 20 || (text.charAt(19) == '.' && fraction >= 1 && fraction <= 9));
        if (shaped) {
            int year = digits(text, 0, 4);
            int month = digits(text, 5, 7);
            int day = digits(text, 8, 10);
            int hour = digits(text, 11, 13);
            int minute = digits(text, 14, 16);
            int second = digits(text, 17, 19);
            int nanos = length == 20 ? 0 : digits(text, 20, length - 1);
            if (year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= YearMonth.of(year, month).lengthOfMonth()
                    && hour >= 0 && hour < 24 && minute >= 0 && minute < 60 && second >= 0 && second < 60 && nanos >= 0) {
                for (int i = fraction; i < 9 && length > 20; i++) {
                    nanos *= 10;
                }
                long epochDay = LocalDate.of(year, month, day).toEpochDay();
                return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
            }
        }
        return Instant.parse(text);
    }

    /** Returns the number the decimal digits in {@code [from, to)} spell, or -1 if one is not a digit. */
    private static int digits(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /**
     * Returns the text of the last header named {@code name}, if there is one.
     *
     * @param headers the record headers
     * @param name    the header name
     * @return its UTF-8 value, or empty when absent or null-valued
     */
    public static Optional<String> header(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        if (header == null || header.value() == null) {
            return Optional.empty();
        }
        return Optional.of(new String(header.value(), StandardCharsets.UTF_8));
    }

    private static String required(Headers headers, String name) {
        return header(headers, name).orElseThrow(() -> new InvalidEventMetadataException(
                "header " + name + " is missing; records on a Myelin events topic carry all myelin.* metadata headers"));
    }

    private static void put(Headers headers, String name, String value, boolean empty) {
        if (!empty) {
            headers.remove(name);
        }
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static void requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }
}
