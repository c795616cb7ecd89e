package dev.myelin.eventstore.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import dev.myelin.eventstore.CommandResult;

/**
 * The value format of the command-results topic: a format byte, a kind byte, then the result's
 * fields. Accepted results carry their events exactly as they are on the events topic (the event
 * serde's bytes), so a reader decodes them with the same serde.
 */
public final class ResultCodec {
    private static final int FORMAT = 1;
    private static final int ACCEPTED = 1;
    private static final int REJECTED = 2;
    private static final int CONFLICT = 3;

    private ResultCodec() {
    }

    /**
     * Encodes a result whose events are already serialized.
     *
     * @param result the result
     * @return its bytes
     */
    public static byte[] encode(CommandResult<byte[]> result) {
        return encode(result, event -> event);
    }

    /**
     * Encodes a result, turning each event into its events-topic bytes with {@code eventEncoder}.
     *
     * @param result       the result
     * @param eventEncoder encodes one event as the event serde writes it to the events topic
     * @param <E>          the event type
     * @return its bytes
     */
    public static <E> byte[] encode(CommandResult<E> result, Function<? super E, byte[]> eventEncoder) {
        Binary.Out out = new Binary.Out().writeByte(FORMAT);
        if (result instanceof CommandResult.Accepted<E> accepted) {
            out.writeByte(ACCEPTED).writeLong(accepted.newVersion()).writeInt(accepted.events().size());
            accepted.events().forEach(event -> out.writeBytes(eventEncoder.apply(event)));
        } else if (result instanceof CommandResult.Rejected<E> rejected) {
            out.writeByte(REJECTED).writeString(rejected.reason());
        } else if (result instanceof CommandResult.Conflict<E> conflict) {
            out.writeByte(CONFLICT).writeLong(conflict.expected()).writeLong(conflict.actual());
        }
        return out.toByteArray();
    }

    /**
     * Returns the size {@link #encode} gives an accepted result carrying {@code events}, without encoding it.
     *
     * @param events the events' bytes
     * @return the encoded size in bytes
     */
    public static int encodedSize(java.util.List<byte[]> events) {
        long size = 1 + 1 + 8 + 4;
        for (byte[] event : events) {
            size += 4 + event.length;
        }
        return (int) Math.min(Integer.MAX_VALUE, size);
    }

    /**
     * Decodes a result, turning each event's bytes into an event with {@code eventDecoder}.
     *
     * @param bytes        the value read from the results topic
     * @param eventDecoder decodes one event
     * @param <E>          the event type
     * @return the result
     * @throws IllegalArgumentException if the bytes are not a result
     */
    public static <E> CommandResult<E> decode(byte[] bytes, Function<byte[], E> eventDecoder) {
        Binary.In in = new Binary.In(bytes);
        int format = in.readByte();
        if (format != FORMAT) {
            throw new IllegalArgumentException("unknown command-result format " + format + "; is this Myelin version older than the processor?");
        }
        int kind = in.readByte();
        switch (kind) {
            case ACCEPTED -> {
                long version = in.readLong();
                int count = in.readInt();
                List<E> events = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    events.add(eventDecoder.apply(in.readBytes()));
                }
                return new CommandResult.Accepted<>(version, events);
            }
            case REJECTED -> {
                return new CommandResult.Rejected<>(in.readString());
            }
            case CONFLICT -> {
                return new CommandResult.Conflict<>(in.readLong(), in.readLong());
            }
            default -> throw new IllegalArgumentException("unknown command-result kind " + kind);
        }
    }
}
