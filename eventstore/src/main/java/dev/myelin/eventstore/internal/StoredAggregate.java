package dev.myelin.eventstore.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The value of the aggregates store: the serialized state, the version, and a bounded window of the
 * latest command ids with their outcomes. Outcomes keep only what is needed to answer a retry (the
 * events of an accepted command are read back from the history store), so the value stays small and
 * each command writes little to the changelog.
 *
 * @param version the aggregate's version
 * @param state   the state serde's bytes
 * @param recent  the latest outcomes, oldest first
 */
record StoredAggregate(long version, byte[] state, List<Outcome> recent) {
    private static final int FORMAT = 1;

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

    StoredAggregate with(long newVersion, byte[] newState, Outcome outcome, int window) {
        List<Outcome> next = new ArrayList<>(Math.min(recent.size() + 1, window));
        int skip = Math.max(0, recent.size() + 1 - window);
        next.addAll(recent.subList(skip, recent.size()));
        next.add(outcome);
        return new StoredAggregate(newVersion, newState, next);
    }

    byte[] encode() {
        Binary.Out out = new Binary.Out().writeByte(FORMAT).writeLong(version).writeBytes(state).writeInt(recent.size());
        for (Outcome o : recent) {
            out.writeString(o.commandId()).writeByte(o.accepted() ? 1 : 0);
            if (o.accepted()) {
                out.writeLong(o.newVersion()).writeInt(o.eventCount());
            } else {
                out.writeString(o.reason());
            }
        }
        return out.toByteArray();
    }

    static StoredAggregate decode(byte[] bytes) {
        Binary.In in = new Binary.In(bytes);
        int format = in.readByte();
        if (format != FORMAT) {
            throw new IllegalArgumentException("unknown aggregate store format " + format);
        }
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
}
