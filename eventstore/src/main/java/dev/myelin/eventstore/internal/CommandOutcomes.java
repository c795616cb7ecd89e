package dev.myelin.eventstore.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The first outcome of every command id, remembered for the dedup retention in a window store keyed
 * by (aggregate id, command id). A window store drops expired segments whole, so purging old ids
 * costs no scan and no tombstone per id, and the aggregate's own record stays small (state and
 * version only) however long ids are kept.
 *
 * <p>Every command looks its id up, and almost always finds nothing, so the lookup must be a point
 * read, not a range scan (a scan opens an iterator on every segment of the retention; it was a tenth
 * of the command processor's time). So an outcome is stored at the start of its <em>bucket</em>, the
 * retention-long slice of wall-clock time it was decided in, with the exact decision time in its
 * value: a lookup reads the key at the start of the current bucket and of the one before (and of the
 * next, for a clock that stepped back), and an outcome decided longer ago than the retention is
 * treated as forgotten, so an id is remembered for exactly the retention. The store keeps two
 * buckets, so a bucket's ids stay on disk for two to three retentions before its segment is dropped.
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
     * How long the window store must keep a bucket: an outcome decided at the end of its bucket is
     * looked up until a retention later, from the next bucket.
     *
     * @param retention the dedup retention
     * @return the window store's retention period
     */
    static Duration storeRetention(Duration retention) {
        return retention.multipliedBy(2);
    }

    /**
     * Returns the first outcome of {@code commandId}, stored under {@code key} (see {@link #key}), if
     * it was decided within the retention before {@code nowMs}.
     */
    Optional<StoredAggregate.Outcome> find(Bytes key, String commandId, long nowMs) {
        long bucket = bucketOf(nowMs);
        // the earlier bucket holds ids decided up to a retention ago; the later one, ids decided before the wall clock stepped back
        for (long start : new long[] {bucket, bucket - retentionMs, bucket + retentionMs}) {
            byte[] value = store.fetch(key, start);
            if (value != null) {
                Binary.In in = new Binary.In(value);
                long decidedAt = in.readLong();
                if (decidedAt > nowMs - retentionMs) {
                    return Optional.of(decode(commandId, in));
                }
            }
        }
        return Optional.empty();
    }

    private long bucketOf(long timeMs) {
        return Math.floorDiv(timeMs, retentionMs) * retentionMs;
    }

    /** Remembers {@code outcome} under {@code key} (see {@link #key}) as decided at {@code nowMs}. */
    void remember(Bytes key, StoredAggregate.Outcome outcome, long nowMs) {
        store.put(key, encode(outcome, nowMs), bucketOf(nowMs));
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

    /** The stored value: when the outcome was decided, then the outcome. */
    static byte[] encode(StoredAggregate.Outcome outcome, long decidedAtMs) {
        Binary.Out out = new Binary.Out().writeLong(decidedAtMs).writeByte(outcome.accepted() ? ACCEPTED : 0);
        if (outcome.accepted()) {
            out.writeVarLong(outcome.newVersion()).writeVarLong(outcome.eventCount());
        } else {
            out.writeString(outcome.reason());
        }
        return out.toByteArray();
    }

    /** Decodes a stored value's outcome; its decision time must have been read from {@code in} already. */
    static StoredAggregate.Outcome decode(String commandId, Binary.In in) {
        if ((in.readByte() & ACCEPTED) != 0) {
            return new StoredAggregate.Outcome(commandId, true, in.readVarLong(), Math.toIntExact(in.readVarLong()), "");
        }
        return new StoredAggregate.Outcome(commandId, false, 0, 0, in.readString());
    }
}
