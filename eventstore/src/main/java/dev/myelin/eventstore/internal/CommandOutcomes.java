package dev.myelin.eventstore.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The first outcome of every command id, remembered for the dedup retention in a window store keyed
 * by (aggregate id, command id) and stamped with the wall-clock time it was decided. A window store
 * drops expired segments whole, so purging old ids costs no scan and no tombstone per id, and the
 * aggregate's own record stays small (state and version only) however long ids are kept.
 *
 * <p>Keyed by aggregate id too, so an id reused for another aggregate is another command, and a
 * retry is always answered by the task that owns the aggregate.
 */
final class CommandOutcomes {
    private static final int ACCEPTED = 1;
    private static final int UUID_ID = 2;

    private final WindowStore<Bytes, byte[]> store;
    private final long retentionMs;

    CommandOutcomes(WindowStore<Bytes, byte[]> store, Duration retention) {
        this.store = store;
        this.retentionMs = retention.toMillis();
    }

    /**
     * Returns the first outcome of {@code commandId}, stored under {@code key} (see {@link #key}), if
     * it was decided within the retention before {@code nowMs}.
     */
    Optional<StoredAggregate.Outcome> find(Bytes key, String commandId, long nowMs) {
        // the upper bound leaves room for a wall clock that stepped back since the id was stored
        try (WindowStoreIterator<byte[]> found = store.fetch(key, nowMs - retentionMs, nowMs + retentionMs)) {
            return found.hasNext() ? Optional.of(decode(commandId, found.next().value)) : Optional.empty();
        }
    }

    /** Remembers {@code outcome} under {@code key} (see {@link #key}) as decided at {@code nowMs}. */
    void remember(Bytes key, StoredAggregate.Outcome outcome, long nowMs) {
        store.put(key, encode(outcome), nowMs);
    }

    /** The store key of {@code commandId} on {@code aggregateId}; made once per command, as the command path is hot. */
    static Bytes key(String aggregateId, String commandId) {
        byte[] aggregate = aggregateId.getBytes(StandardCharsets.UTF_8);
        UUID uuid = StoredAggregate.asCanonicalUuid(commandId);
        Binary.Out out = new Binary.Out().writeBytes(aggregate);
        if (uuid != null) {
            out.writeByte(UUID_ID).writeLong(uuid.getMostSignificantBits()).writeLong(uuid.getLeastSignificantBits());
        } else {
            out.writeByte(0).writeString(commandId);
        }
        return Bytes.wrap(out.toByteArray());
    }

    static byte[] encode(StoredAggregate.Outcome outcome) {
        Binary.Out out = new Binary.Out().writeByte(outcome.accepted() ? ACCEPTED : 0);
        if (outcome.accepted()) {
            out.writeVarLong(outcome.newVersion()).writeVarLong(outcome.eventCount());
        } else {
            out.writeString(outcome.reason());
        }
        return out.toByteArray();
    }

    static StoredAggregate.Outcome decode(String commandId, byte[] bytes) {
        Binary.In in = new Binary.In(bytes);
        if ((in.readByte() & ACCEPTED) != 0) {
            return new StoredAggregate.Outcome(commandId, true, in.readVarLong(), Math.toIntExact(in.readVarLong()), "");
        }
        return new StoredAggregate.Outcome(commandId, false, 0, 0, in.readString());
    }
}
