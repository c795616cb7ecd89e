package dev.myelin.sagas.internal;

import java.util.function.Function;

import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.CommandResultFormat;

/**
 * The one place the saga engine touches the event store's command-results format.
 */
final class MyelinResults {
    private MyelinResults() {
    }

    static <E> CommandResult<E> decode(byte[] bytes, Function<byte[], E> eventDecoder) {
        return CommandResultFormat.decode(bytes, eventDecoder);
    }

    static byte[] encode(CommandResult<byte[]> result) {
        return CommandResultFormat.encode(result);
    }
}
