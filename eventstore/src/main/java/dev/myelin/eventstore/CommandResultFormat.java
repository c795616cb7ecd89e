package dev.myelin.eventstore;

import java.util.Objects;
import java.util.function.Function;

import dev.myelin.eventstore.internal.ResultCodec;

/**
 * Reads and writes the values of a command-results topic ({@code <application>.<aggregate>.command-results}),
 * for code that talks to an aggregate without a {@link CommandGateway}, such as a saga runtime or a
 * service in another language's bridge. Accepted results carry their events in the events topic's
 * own serialized form, so a reader decodes them with the aggregate's event serde.
 *
 * <pre>{@code
 * CommandResult<SpecificRecord> result = CommandResultFormat.decode(record.value(),
 *         bytes -> eventSerde.deserializer().deserialize(topics.events(), bytes));
 * }</pre>
 */
public final class CommandResultFormat {

    private CommandResultFormat() {
    }

    /**
     * Returns the bytes of a result whose events are already serialized.
     *
     * @param result the result
     * @return the value to write to a command-results topic
     */
    public static byte[] encode(CommandResult<byte[]> result) {
        return ResultCodec.encode(Objects.requireNonNull(result, "result"));
    }

    /**
     * Returns the bytes of a result, serializing each event with {@code eventEncoder}: the events
     * topic's own form, as the aggregate's event serde writes it.
     *
     * <pre>{@code
     * byte[] value = CommandResultFormat.encode(result, event -> eventSerde.serializer().serialize(topics.events(), event));
     * }</pre>
     *
     * @param result       the result
     * @param eventEncoder serializes one event
     * @param <E>          the event type
     * @return the value to write to a command-results topic
     */
    public static <E> byte[] encode(CommandResult<E> result, Function<? super E, byte[]> eventEncoder) {
        return ResultCodec.encode(Objects.requireNonNull(result, "result"), Objects.requireNonNull(eventEncoder, "eventEncoder"));
    }

    /**
     * Reads a value of a command-results topic, decoding each event with {@code eventDecoder}.
     *
     * @param bytes        the record value
     * @param eventDecoder decodes one event's bytes
     * @param <E>          the event type
     * @return the result
     * @throws IllegalArgumentException if the bytes are not a command result
     */
    public static <E> CommandResult<E> decode(byte[] bytes, Function<byte[], E> eventDecoder) {
        return ResultCodec.decode(Objects.requireNonNull(bytes, "bytes"), Objects.requireNonNull(eventDecoder, "eventDecoder"));
    }
}
