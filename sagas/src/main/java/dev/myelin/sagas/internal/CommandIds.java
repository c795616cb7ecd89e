package dev.myelin.sagas.internal;

import java.util.Optional;

/**
 * The command ids a saga sends: {@code saga:<saga name>:<i|c>:<step name>:<saga id>}. The saga id
 * comes last because it may contain any character; saga and step names cannot contain a colon.
 * Steps are named rather than numbered so that a step added to a definition does not make the
 * replies of sagas in flight point at the wrong step. The
 * attempt is not part of the id on purpose: a retry must carry the same id, so that a participant
 * which already applied the command answers with its first result instead of applying it again.
 */
public final class CommandIds {
    private CommandIds() {
    }

    /** Which half of a step a command belongs to. */
    public enum Phase {
        /** The step's own command. */
        INVOKE,
        /** The step's compensation. */
        COMPENSATE
    }

    /**
     * A parsed command id.
     *
     * @param sagaId the saga id
     * @param phase  invoke or compensate
     * @param step   the step name
     */
    public record Parsed(String sagaId, Phase phase, String step) {
    }

    /**
     * Returns the command id of a saga's step.
     *
     * @param sagaName the saga name
     * @param sagaId   the saga id
     * @param phase    the phase
     * @param step     the step name
     * @return the id
     */
    public static String of(String sagaName, String sagaId, Phase phase, String step) {
        return prefix(sagaName) + (phase == Phase.INVOKE ? "i" : "c") + ":" + step + ":" + sagaId;
    }

    /**
     * Parses a command id of saga {@code sagaName}.
     *
     * @param sagaName  the saga name
     * @param commandId the id
     * @return the parts, or empty if the id is not one of this saga's
     */
    public static Optional<Parsed> parse(String sagaName, String commandId) {
        String prefix = prefix(sagaName);
        if (commandId == null || !commandId.startsWith(prefix)) {
            return Optional.empty();
        }
        String[] parts = commandId.substring(prefix.length()).split(":", 3);
        if (parts.length != 3 || !(parts[0].equals("i") || parts[0].equals("c")) || parts[1].isEmpty() || parts[2].isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Parsed(parts[2], parts[0].equals("i") ? Phase.INVOKE : Phase.COMPENSATE, parts[1]));
    }

    private static String prefix(String sagaName) {
        return "saga:" + sagaName + ":";
    }
}
