package dev.myelin.schemas;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

import org.apache.kafka.common.header.Headers;

/**
 * The W3C trace context an event was written in: the {@code traceparent} and {@code tracestate}
 * headers of the command processing that appended it. Kept with the event's metadata (on the events
 * topic and in the event store's history), so that a replay, a rebuilt projection or a re-driven dead
 * letter still names the trace it came from. Myelin only carries it; OpenTelemetry, when the
 * application gives one, reads and writes it.
 *
 * <pre>{@code
 * history.get(0).metadata().traceContext()
 *         .ifPresent(trace -> log.info("event written in trace {}", trace.traceparent()));
 * }</pre>
 *
 * @param traceparent the W3C {@code traceparent} value, such as {@code 00-<trace id>-<span id>-01}
 * @param tracestate  the W3C {@code tracestate} value, empty when there is none
 */
public record TraceContext(String traceparent, String tracestate) {
    /** The W3C trace-context header. */
    public static final String TRACEPARENT = "traceparent";
    /** The W3C trace-state header. */
    public static final String TRACESTATE = "tracestate";

    /**
     * Checks the components.
     *
     * @throws NullPointerException     if a component is null
     * @throws IllegalArgumentException if {@code traceparent} is blank
     */
    public TraceContext {
        Objects.requireNonNull(traceparent, "traceparent");
        Objects.requireNonNull(tracestate, "tracestate");
        if (traceparent.isBlank()) {
            throw new IllegalArgumentException("traceparent must not be blank");
        }
    }

    /**
     * Returns the trace id, the second field of {@link #traceparent()}.
     *
     * @return the 32 hex digits of the trace id, or empty when the traceparent is not of the W3C form
     */
    public Optional<String> traceId() {
        String[] fields = traceparent.split("-");
        return fields.length >= 4 ? Optional.of(fields[1]) : Optional.empty();
    }

    /**
     * Returns the parent id, the third field of {@link #traceparent()}: the span that wrote the event.
     *
     * @return the 16 hex digits of the span id, or empty when the traceparent is not of the W3C form
     */
    public Optional<String> spanId() {
        String[] fields = traceparent.split("-");
        return fields.length >= 4 ? Optional.of(fields[2]) : Optional.empty();
    }

    /**
     * Reads the trace context from record headers.
     *
     * @param headers the record headers
     * @return the context, or empty when there is no {@code traceparent} header
     */
    public static Optional<TraceContext> readFrom(Headers headers) {
        Objects.requireNonNull(headers, "headers");
        return EventMetadata.header(headers, TRACEPARENT).filter(value -> !value.isBlank())
                .map(parent -> new TraceContext(parent, EventMetadata.header(headers, TRACESTATE).orElse("")));
    }

    /**
     * Writes this context into {@code headers}, replacing any trace-context headers there.
     *
     * @param headers the record headers to write to
     * @return the same headers, for chaining
     */
    public Headers writeTo(Headers headers) {
        headers.remove(TRACEPARENT);
        headers.remove(TRACESTATE);
        headers.add(TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
        if (!tracestate.isEmpty()) {
            headers.add(TRACESTATE, tracestate.getBytes(StandardCharsets.UTF_8));
        }
        return headers;
    }
}
