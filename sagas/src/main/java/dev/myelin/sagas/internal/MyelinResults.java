package dev.myelin.sagas.internal;

import java.util.function.Function;

import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.internal.ResultCodec;

/**
 * The one place the saga engine touches the event store's command-results format. The codec lives in
 * {@code dev.myelin.eventstore.internal}; when the event store makes it public API, only this class
 * changes.
 */
final class MyelinResults {
    private MyelinResults() {
    }

    static <E> CommandResult<E> decode(byte[] bytes, Function<byte[], E> eventDecoder) {
        return ResultCodec.decode(bytes, eventDecoder);
    }

    static byte[] encode(CommandResult<byte[]> result) {
        return ResultCodec.encode(result);
    }
}
