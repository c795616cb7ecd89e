package dev.myelin.sagas;

import java.util.Objects;
import java.util.Optional;

/**
 * The id of a command a saga sends, carried in the {@code CommandHeaders.COMMAND_ID} header and
 * answered in the reply: {@code saga:<saga>:<i|c>:<step>:<saga id>}, {@code i} for a step's own
 * command and {@code c} for its compensation. A participant that wants to know which saga and step
 * a command comes from, and a test that plays a participant, read it with {@link #parse}.
 *
 * <pre>{@code
 * SagaCommandId.parse(commandId).ifPresent(id -> log.info("step {} of saga {} {}", id.step(), id.saga(), id.sagaId()));
 * }</pre>
 *
 * <p>The id names the step, not its attempt: every retry of a step sends the same id, so a
 * participant that remembers ids applies the command once.
 *
 * @param saga         the saga's name (no colon)
 * @param sagaId       the saga's id (any characters; it comes last)
 * @param step         the step's name (no colon)
 * @param compensation whether the command is the step's compensation rather than its own command
 */
public record SagaCommandId(String saga, String sagaId, String step, boolean compensation) {
    private static final String PREFIX = "saga:";

    /**
     * Checks the components.
     *
     * @throws NullPointerException     if a component is null
     * @throws IllegalArgumentException if a component is empty, or {@code saga} or {@code step} holds a colon
     */
    public SagaCommandId {
        requireName(saga, "saga");
        requireName(step, "step");
        Objects.requireNonNull(sagaId, "sagaId");
        if (sagaId.isEmpty()) {
            throw new IllegalArgumentException("sagaId must not be empty");
        }
    }

    private static void requireName(String name, String what) {
        Objects.requireNonNull(name, what);
        if (name.isEmpty() || name.indexOf(':') >= 0) {
            throw new IllegalArgumentException(what + " must be a non-empty name without a colon: '" + name + "'");
        }
    }

    /**
     * Returns the id of the command step {@code step} of saga {@code sagaId} sends (not its compensation).
     *
     * @param saga   the saga's name
     * @param sagaId the saga's id
     * @param step   the step's name
     * @return the id
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if an argument is empty, or {@code saga} or {@code step} holds a colon
     */
    public static SagaCommandId of(String saga, String sagaId, String step) {
        return new SagaCommandId(saga, sagaId, step, false);
    }

    /**
     * Reads a command id.
     *
     * @param commandId the id, as the command's {@code COMMAND_ID} header holds it
     * @return its parts, or empty if it is not the id of a saga's command
     * @throws NullPointerException if {@code commandId} is null
     */
    public static Optional<SagaCommandId> parse(String commandId) {
        Objects.requireNonNull(commandId, "commandId");
        if (!commandId.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String[] parts = commandId.substring(PREFIX.length()).split(":", 4);
        if (parts.length != 4 || !(parts[1].equals("i") || parts[1].equals("c")) || parts[0].isEmpty() || parts[2].isEmpty()
                || parts[3].isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new SagaCommandId(parts[0], parts[3], parts[2], parts[1].equals("c")));
    }

    /**
     * Returns the id as the {@code COMMAND_ID} header holds it.
     *
     * @return the id
     */
    public String value() {
        return PREFIX + saga + ":" + (compensation ? "c" : "i") + ":" + step + ":" + sagaId;
    }

    /**
     * Returns {@link #value()}.
     *
     * @return the id
     */
    @Override
    public String toString() {
        return value();
    }
}
