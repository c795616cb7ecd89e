package dev.myelin.sagas.internal;

import java.util.Optional;

import dev.myelin.sagas.SagaCommandId;

/**
 * The command ids a saga sends, in the engine's terms; {@link SagaCommandId} is their format:
 * {@code saga:<saga name>:<i|c>:<step name>:<saga id>}. The saga id
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
        return new SagaCommandId(sagaName, sagaId, step, phase == Phase.COMPENSATE).value();
    }

    /**
     * Parses a command id of saga {@code sagaName}.
     *
     * @param sagaName  the saga name
     * @param commandId the id
     * @return the parts, or empty if the id is not one of this saga's
     */
    public static Optional<Parsed> parse(String sagaName, String commandId) {
        return commandId == null ? Optional.empty() : SagaCommandId.parse(commandId).filter(id -> id.saga().equals(sagaName))
                .map(id -> new Parsed(id.sagaId(), id.compensation() ? Phase.COMPENSATE : Phase.INVOKE, id.step()));
    }
}
