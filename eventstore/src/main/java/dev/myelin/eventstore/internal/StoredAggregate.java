package dev.myelin.eventstore.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The value of the aggregates store: the serialized state and the version. Values written before
 * command outcomes had a store of their own ({@link CommandOutcomes}) also carry a window of the
 * latest command ids with their outcomes; those are still read, and moved to that store on the
 * aggregate's next write. Outcomes keep only what a retry needs (the events of an accepted command
 * are read back from the history store).
 *
 * @param version the aggregate's version
 * @param state   the state serde's bytes
 * @param recent  the latest outcomes, oldest first: empty in what is written now
 */
record StoredAggregate(long version, byte[] state, List<Outcome> recent) {
    /** Format 1 wrote every outcome's id as text and numbers at full width; still read. */
    private static final int FORMAT_TEXT_IDS = 1;
    /**
     * Format 2 writes a UUID command id (the gateway's default) as 16 bytes and numbers as varints:
     * the whole window is written to the changelog with every command, so its size is throughput.
     */
    private static final int FORMAT = 2;
    private static final int ACCEPTED = 1;
    private static final int UUID_ID = 2;

    /**
     * What a command led to, as far as a retry needs to know.
     *
     * @param commandId  the command id
     * @param accepted   whether it was accepted (else rejected)
     * @param newVersion the version after it, when accepted
     * @param eventCount how many events it appended, when accepted
     * @param reason     the rejection reason, when rejected (empty otherwise)
     */
    record Outcome(String commandId, boolean accepted, long newVersion, int eventCount, String reason) {
    }

    Optional<Outcome> find(String commandId) {
        for (Outcome outcome : recent) {
            if (outcome.commandId().equals(commandId)) {
                return Optional.of(outcome);
            }
        }
        return Optional.empty();
    }

    byte[] encode() {
        Binary.Out out = new Binary.Out().writeByte(FORMAT).writeLong(version).writeBytes(state).writeVarLong(recent.size());
        for (Outcome o : recent) {
            UUID uuid = asCanonicalUuid(o.commandId());
            out.writeByte((o.accepted() ? ACCEPTED : 0) | (uuid != null ? UUID_ID : 0));
            if (uuid != null) {
                out.writeLong(uuid.getMostSignificantBits()).writeLong(uuid.getLeastSignificantBits());
            } else {
                out.writeString(o.commandId());
            }
            if (o.accepted()) {
                out.writeVarLong(o.newVersion()).writeVarLong(o.eventCount());
            } else {
                out.writeString(o.reason());
            }
        }
        return out.toByteArray();
    }

    static StoredAggregate decode(byte[] bytes) {
        Binary.In in = new Binary.In(bytes);
        int format = in.readByte();
        if (format == FORMAT_TEXT_IDS) {
            return decodeTextIds(in);
        }
        if (format != FORMAT) {
            throw new IllegalArgumentException("unknown aggregate store format " + format);
        }
        long version = in.readLong();
        byte[] state = in.readBytes();
        long count = in.readVarLong();
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("corrupt aggregate store value: " + count + " outcomes");
        }
        List<Outcome> recent = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            int flags = in.readByte();
            String id = (flags & UUID_ID) != 0 ? new UUID(in.readLong(), in.readLong()).toString() : in.readString();
            if ((flags & ACCEPTED) != 0) {
                recent.add(new Outcome(id, true, in.readVarLong(), Math.toIntExact(in.readVarLong()), ""));
            } else {
                recent.add(new Outcome(id, false, 0, 0, in.readString()));
            }
        }
        return new StoredAggregate(version, state, recent);
    }

    private static StoredAggregate decodeTextIds(Binary.In in) {
        long version = in.readLong();
        byte[] state = in.readBytes();
        int count = in.readInt();
        List<Outcome> recent = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String id = in.readString();
            boolean accepted = in.readByte() == 1;
            if (accepted) {
                recent.add(new Outcome(id, true, in.readLong(), in.readInt(), ""));
            } else {
                recent.add(new Outcome(id, false, 0, 0, in.readString()));
            }
        }
        return new StoredAggregate(version, state, recent);
    }

    /** Returns the UUID {@code id} spells, only if it spells it exactly as {@link UUID#toString()} would. */
    static UUID asCanonicalUuid(String id) {
        if (id.length() != 36) {
            return null;
        }
        for (int i = 0; i < 36; i++) {
            char c = id.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return null;
            }
        }
        return UUID.fromString(id);
    }
}
