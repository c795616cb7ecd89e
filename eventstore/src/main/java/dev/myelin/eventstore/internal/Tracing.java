package dev.myelin.eventstore.internal;

import java.util.Optional;

import org.apache.kafka.common.header.Headers;

import dev.myelin.schemas.TraceContext;

/**
 * Where Myelin's runtimes open spans, without naming OpenTelemetry: its API is an optional
 * dependency, so no class of it may load unless the application handed Myelin an
 * {@code OpenTelemetry}. {@link #of} returns {@link #none()} then, and only otherwise loads
 * {@link OpenTelemetryTracing}. The W3C trace context ({@code traceparent}, {@code tracestate}) travels
 * in the records' headers: from the gateway's caller into the command, from the command's processing
 * into each event it appends (so a replay or a re-driven dead letter keeps its origin), from a
 * trigger or reply into the saga's next command, and from an event into a projection's fold.
 *
 * <pre>{@code
 * Tracing.Span span = tracing.process(topics.commands(), command.headers());
 * span.run(() -> {
 *     span.inject(eventHeaders);   // the event's context is this span
 * });
 * }</pre>
 */
public interface Tracing {
    /** The W3C trace-context header. */
    String TRACEPARENT = TraceContext.TRACEPARENT;
    /** The W3C trace-state header. */
    String TRACESTATE = TraceContext.TRACESTATE;

    /** One span, opened by {@link #send} or {@link #process}. */
    interface Span {
        /**
         * Writes this span's context into {@code headers}, replacing any there, as a record's parent.
         *
         * @param headers the outgoing record's headers
         */
        void inject(Headers headers);

        /**
         * Records that the operation failed.
         *
         * @param error why
         */
        void fail(Throwable error);

        /** Ends the span. */
        void end();

        /**
         * Runs {@code work} as this span's operation: records its failure, if it throws, and ends the span.
         *
         * @param work the operation
         */
        default void run(Runnable work) {
            try {
                work.run();
            } catch (RuntimeException | Error e) {
                fail(e);
                throw e;
            } finally {
                end();
            }
        }
    }

    /**
     * Returns the tracing of an application that handed Myelin no OpenTelemetry: every span does nothing.
     *
     * @return tracing that records nothing
     */
    static Tracing none() {
        return NoTracing.INSTANCE;
    }

    /**
     * Returns tracing on {@code openTelemetry} when present (an {@code io.opentelemetry.api.OpenTelemetry}),
     * otherwise {@link #none()}.
     *
     * @param openTelemetry the application's OpenTelemetry, if it gave one
     * @return the tracing
     */
    static Tracing of(Optional<?> openTelemetry) {
        // the one place that may load OpenTelemetry, and only with an instance in hand
        return openTelemetry.isPresent() ? OpenTelemetryTracing.create(openTelemetry.get()) : none();
    }

    /**
     * Opens a producer span "send {@code destination}", a child of the caller's current context, and
     * writes its context into {@code headers}.
     *
     * @param destination the topic the record goes to
     * @param headers     the outgoing record's headers
     * @return the span; end it when the operation completes
     */
    Span send(String destination, Headers headers);

    /**
     * Opens a consumer span "process {@code destination}", a child of the context in the incoming
     * record's {@code headers} (a new trace when they carry none).
     *
     * @param destination the topic the record came from
     * @param headers     the incoming record's headers
     * @return the span; end it when the record is processed
     */
    Span process(String destination, Headers headers);
}
