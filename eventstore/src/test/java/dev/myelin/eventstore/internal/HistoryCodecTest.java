package dev.myelin.eventstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.myelin.schemas.EventMetadata;
import dev.myelin.schemas.TraceContext;

/** The history store keeps each event's trace context with its metadata, and still reads entries written before it did. */
class HistoryCodecTest {
    private static final EventMetadata METADATA = new EventMetadata("e-1", "Added", "c-1", 3, Instant.parse("2026-12-03T12:00:00.123Z"),
            "cmd-1", "corr-1", "cause-1");
    private static final byte[] EVENT = "added 4".getBytes(StandardCharsets.UTF_8);

    @Test
    void anEventKeepsTheTraceItWasWrittenIn() {
        TraceContext trace = new TraceContext("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "myelin=1");
        HistoryCodec.Entry entry = HistoryCodec.decode(HistoryCodec.encode(METADATA.withTraceContext(Optional.of(trace)), EVENT));

        assertThat(entry.metadata()).isEqualTo(METADATA.withTraceContext(Optional.of(trace)));
        assertThat(entry.metadata().traceContext().orElseThrow().traceId()).contains("0af7651916cd43dd8448eb211c80319c");
        assertThat(entry.metadata().traceContext().orElseThrow().spanId()).contains("b7ad6b7169203331");
        assertThat(entry.event()).isEqualTo(EVENT);
    }

    @Test
    void anEventWrittenOutsideATraceHasNone() {
        HistoryCodec.Entry entry = HistoryCodec.decode(HistoryCodec.encode(METADATA, EVENT));

        assertThat(entry.metadata()).isEqualTo(METADATA);
        assertThat(entry.metadata().traceContext()).isEmpty();
    }

    @Test
    void anEntryOfTheFirstFormatStillDecodes() {
        byte[] first = new Binary.Out().writeByte(1).writeString("e-1").writeString("Added").writeString("c-1").writeLong(3)
                .writeLong(METADATA.timestamp().getEpochSecond()).writeInt(METADATA.timestamp().getNano())
                .writeString("cmd-1").writeString("corr-1").writeString("cause-1").writeBytes(EVENT).toByteArray();

        HistoryCodec.Entry entry = HistoryCodec.decode(first);

        assertThat(entry.metadata()).isEqualTo(METADATA);
        assertThat(entry.event()).isEqualTo(EVENT);
    }
}
