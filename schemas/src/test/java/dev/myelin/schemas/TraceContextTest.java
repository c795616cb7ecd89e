package dev.myelin.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Optional;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** An event's trace context travels in its headers with its metadata. */
class TraceContextTest {
    private static final String PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private static final EventMetadata METADATA = new EventMetadata("e-1", "Added", "c-1", 1, Instant.parse("2026-12-03T12:00:00Z"),
            "cmd-1", "corr-1", "cause-1");

    @Test
    void theMetadataOfAnEventWrittenInATraceCarriesIt() {
        EventMetadata traced = METADATA.withTraceContext(Optional.of(new TraceContext(PARENT, "")));
        RecordHeaders headers = new RecordHeaders();
        traced.writeTo(headers);

        assertThat(EventMetadata.header(headers, TraceContext.TRACEPARENT)).contains(PARENT);
        assertThat(headers.lastHeader(TraceContext.TRACESTATE)).as("no empty tracestate header").isNull();
        assertThat(EventMetadata.readFrom(headers)).isEqualTo(traced);
        assertThat(EventMetadata.readFrom(headers).traceContext().orElseThrow().traceId()).contains("0af7651916cd43dd8448eb211c80319c");
    }

    @Test
    void anEventWithoutATraceHasNone() {
        RecordHeaders headers = new RecordHeaders();
        METADATA.writeTo(headers);

        assertThat(EventMetadata.readFrom(headers).traceContext()).isEmpty();
        assertThat(TraceContext.readFrom(headers)).isEmpty();
    }

    @Test
    void writingReplacesTheContextThereAndKeepsTheState() {
        RecordHeaders headers = new RecordHeaders();
        new TraceContext("00-11111111111111111111111111111111-2222222222222222-01", "a=1").writeTo(headers);
        new TraceContext(PARENT, "b=2").writeTo(headers);

        assertThat(headers.headers(TraceContext.TRACEPARENT)).hasSize(1);
        assertThat(TraceContext.readFrom(headers)).contains(new TraceContext(PARENT, "b=2"));
        assertThat(new TraceContext("not-w3c", "").traceId()).isEmpty();
        assertThatThrownBy(() -> new TraceContext(" ", "")).isInstanceOf(IllegalArgumentException.class);
    }
}
