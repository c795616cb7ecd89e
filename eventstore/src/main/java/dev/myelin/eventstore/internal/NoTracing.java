package dev.myelin.eventstore.internal;

import org.apache.kafka.common.header.Headers;

/** The tracing of an application without OpenTelemetry: no span, no header, no OpenTelemetry class loaded. */
final class NoTracing implements Tracing {
    static final NoTracing INSTANCE = new NoTracing();
    private static final Span NOTHING = new Span() {
        @Override
        public void inject(Headers headers) {
        }

        @Override
        public void fail(Throwable error) {
        }

        @Override
        public void end() {
        }
    };

    private NoTracing() {
    }

    @Override
    public Span send(String destination, Headers headers) {
        return NOTHING;
    }

    @Override
    public Span process(String destination, Headers headers) {
        return NOTHING;
    }
}
