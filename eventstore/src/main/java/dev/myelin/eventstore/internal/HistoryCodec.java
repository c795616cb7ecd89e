package dev.myelin.eventstore.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

import org.apache.kafka.common.utils.Bytes;

import dev.myelin.schemas.EventMetadata;
import dev.myelin.schemas.TraceContext;

/**
 * Keys and values of the history store. A key is the aggregate id's UTF-8 bytes, a zero byte and
 * the sequence as 8 big-endian bytes, so one aggregate's events are one contiguous, ordered key
 * range: reading an aggregate's history costs its own events, never a scan of the partition.
 */
final class HistoryCodec {
    /** Format 2 adds the event's trace context; entries of format 1, written before it, still decode (without one). */
    private static final int FORMAT = 2;

    private HistoryCodec() {
    }

    static Bytes key(String aggregateId, long sequence) {
        byte[] id = aggregateId.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(id.length + 9).put(id).put((byte) 0).putLong(sequence).array());
    }

    /** One stored event: its metadata and the event serde's bytes. */
    record Entry(EventMetadata metadata, byte[] event) {
    }

    static byte[] encode(EventMetadata m, byte[] event) {
        return new Binary.Out().writeByte(FORMAT).writeString(m.eventId()).writeString(m.eventType()).writeString(m.aggregateId())
                .writeLong(m.sequence()).writeLong(m.timestamp().getEpochSecond()).writeInt(m.timestamp().getNano())
                .writeString(m.commandId()).writeString(m.correlationId()).writeString(m.causationId())
                .writeString(m.traceContext().map(TraceContext::traceparent).orElse(""))
                .writeString(m.traceContext().map(TraceContext::tracestate).orElse("")).writeBytes(event)
                .toByteArray();
    }

    static Entry decode(byte[] bytes) {
        Binary.In in = new Binary.In(bytes);
        int format = in.readByte();
        if (format != FORMAT && format != 1) {
            throw new IllegalArgumentException("unknown history store format " + format);
        }
        String eventId = in.readString();
        String type = in.readString();
        String aggregateId = in.readString();
        long sequence = in.readLong();
        Instant timestamp = Instant.ofEpochSecond(in.readLong(), in.readInt());
        String commandId = in.readString();
        String correlationId = in.readString();
        String causationId = in.readString();
        Optional<TraceContext> trace = Optional.empty();
        if (format >= 2) {
            String parent = in.readString();
            String state = in.readString();
            trace = parent.isEmpty() ? Optional.empty() : Optional.of(new TraceContext(parent, state));
        }
        EventMetadata metadata = new EventMetadata(eventId, type, aggregateId, sequence, timestamp, commandId, correlationId,
                causationId, trace);
        return new Entry(metadata, in.readBytes());
    }
}
