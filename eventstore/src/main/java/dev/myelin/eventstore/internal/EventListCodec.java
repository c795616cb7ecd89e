package dev.myelin.eventstore.internal;

import java.util.ArrayList;
import java.util.List;

/** The value of an append command: a format byte, a count, then each event's serde bytes. */
public final class EventListCodec {
    private static final int FORMAT = 1;

    private EventListCodec() {
    }

    /**
     * Encodes serialized events.
     *
     * @param events each event's bytes
     * @return the command value
     */
    public static byte[] encode(List<byte[]> events) {
        Binary.Out out = new Binary.Out().writeByte(FORMAT).writeInt(events.size());
        events.forEach(out::writeBytes);
        return out.toByteArray();
    }

    static List<byte[]> decode(byte[] bytes) {
        Binary.In in = new Binary.In(bytes);
        int format = in.readByte();
        if (format != FORMAT) {
            throw new IllegalArgumentException("unknown append format " + format);
        }
        int count = in.readInt();
        if (count < 0) {
            throw new IllegalArgumentException("corrupt append: negative count");
        }
        List<byte[]> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            events.add(in.readBytes());
        }
        return events;
    }
}
