package dev.myelin.eventstore.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;

/**
 * Myelin's spans on OpenTelemetry; the only class of Myelin that names it, loaded only by
 * {@link Tracing#of} with an instance in hand. Span names and attributes follow OpenTelemetry's
 * messaging conventions: "send topic" (producer) and "process topic" (consumer), with
 * {@code messaging.system=kafka}, {@code messaging.destination.name}, {@code messaging.operation.type} and
 * {@code messaging.operation.name} ({@code send} or {@code process}).
 */
final class OpenTelemetryTracing implements Tracing {
    private static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
    private static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("messaging.operation.type");
    private static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");

    private static final TextMapGetter<Headers> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            List<String> keys = new ArrayList<>();
            headers.forEach(h -> keys.add(h.key()));
            return keys;
        }

        @Override
        public String get(Headers headers, String key) {
            Header header = headers == null ? null : headers.lastHeader(key);
            return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
        }
    };
    private static final TextMapSetter<Headers> SETTER = (headers, key, value) -> {
        headers.remove(key);
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    };

    private final Tracer tracer;
    private final TextMapPropagator propagator;

    private OpenTelemetryTracing(OpenTelemetry openTelemetry) {
        this.tracer = openTelemetry.getTracer("dev.myelin");
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    }

    static Tracing create(Object openTelemetry) {
        if (!(openTelemetry instanceof OpenTelemetry o)) {
            throw new IllegalArgumentException("not an OpenTelemetry instance: " + openTelemetry);
        }
        return new OpenTelemetryTracing(o);
    }

    @Override
    public Span send(String destination, Headers headers) {
        Span span = open(Context.current(), "send", SpanKind.PRODUCER, destination);
        span.inject(headers);
        return span;
    }

    @Override
    public Span process(String destination, Headers headers) {
        return open(propagator.extract(Context.root(), headers, GETTER), "process", SpanKind.CONSUMER, destination);
    }

    private Span open(Context parent, String operation, SpanKind kind, String destination) {
        io.opentelemetry.api.trace.Span span = tracer.spanBuilder(operation + " " + destination).setParent(parent).setSpanKind(kind)
                .setAttribute(SYSTEM, "kafka").setAttribute(DESTINATION, destination).setAttribute(OPERATION, operation)
                .setAttribute(OPERATION_NAME, operation)
                .startSpan();
        Context context = parent.with(span);
        return new Span() {
            @Override
            public void inject(Headers out) {
                propagator.inject(context, out, SETTER);
            }

            @Override
            public void fail(Throwable error) {
                span.recordException(error);
                span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
            }

            @Override
            public void end() {
                span.end();
            }
        };
    }
}
