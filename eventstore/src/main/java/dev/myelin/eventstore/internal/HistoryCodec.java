package dev.myelin.eventstore.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.apache.kafka.common.utils.Bytes;

import dev.myelin.schemas.EventMetadata;

/**
 * Keys and values of the history store. A key is the aggregate id's UTF-8 bytes, a zero byte and
 * the sequence as 8 big-endian bytes, so one aggregate's events are one contiguous, ordered key
 * range: reading an aggregate's history costs its own events, never a scan of the partition.
 */
final class HistoryCodec {
    private static final int FORMAT = 1;

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
                .writeString(m.commandId()).writeString(m.correlationId()).writeString(m.causationId()).writeBytes(event)
                .toByteArray();
    }

    static Entry decode(byte[] bytes) {
        Binary.In in = new Binary.In(bytes);
        int format = in.readByte();
        if (format != FORMAT) {
            throw new IllegalArgumentException("unknown history store format " + format);
        }
        String eventId = in.readString();
        String type = in.readString();
        String aggregateId = in.readString();
        long sequence = in.readLong();
        Instant timestamp = Instant.ofEpochSecond(in.readLong(), in.readInt());
        EventMetadata metadata = new EventMetadata(eventId, type, aggregateId, sequence, timestamp, in.readString(),
                in.readString(), in.readString());
        return new Entry(metadata, in.readBytes());
    }
}
