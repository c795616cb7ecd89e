package dev.myelin.eventstore;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.myelin.eventstore.internal.DeadLetterActions;
import dev.myelin.schemas.RecordOrigin;

/**
 * A command an event store gave up on, as read back from its dead-letter topic
 * ({@link AggregateTopics#deadLetters()}): a command that could not be processed (it could not be
 * decoded, {@code decide} or {@code evolve} threw, a header was malformed) and had no
 * {@link CommandHeaders#REPLY_TO reply address} to be answered {@code Rejected} on. The record keeps
 * the command's key, value and headers, and adds the reason ({@link CommandHeaders#ERROR}) and the
 * {@code myelin.dead-letter.*} headers; what was done about it ({@link EventStore#redrive},
 * {@link EventStore#skip}) is written to the same topic, so the audit outlives every process.
 *
 * <pre>{@code
 * for (CommandDeadLetter letter : orders.deadLetters(Duration.ofSeconds(10))) {
 *     if (letter.status() == DeadLetterStatus.PENDING) {
 *         log.warn("{} at {}: {}", letter.commandId(), letter.origin(), letter.error());
 *     }
 * }
 * }</pre>
 *
 * @param aggregateId   the command's record key, the aggregate id; empty if it had none
 * @param commandId     the command's id: its {@link CommandHeaders#COMMAND_ID} header, or for a command
 *                      sent without one the id the processor gave it ({@code topic-partition@offset})
 * @param commandType   its {@link CommandHeaders#COMMAND_TYPE}, {@code command} when absent
 * @param correlationId its {@link CommandHeaders#CORRELATION_ID}, if set
 * @param error         why it was given up on
 * @param origin        where the command was read: its commands topic, partition and offset (topic only
 *                      for a dead letter written before Myelin recorded more)
 * @param position      where the dead letter is: the dead-letter topic, partition and offset; what
 *                      names one letter among all
 * @param failedAt      when the processor gave up (the command's timestamp for older dead letters)
 * @param value         the command's bytes as sent (empty for none)
 * @param actions       what was done about it, oldest first
 */
public record CommandDeadLetter(Optional<String> aggregateId, String commandId, String commandType,
                                Optional<String> correlationId, String error, RecordOrigin origin, RecordOrigin position,
                                Instant failedAt, byte[] value, List<DeadLetterAction> actions) {

    /**
     * Checks the components and copies the value and the actions.
     *
     * @throws NullPointerException if a component is null
     */
    public CommandDeadLetter {
        Objects.requireNonNull(aggregateId, "aggregateId");
        Objects.requireNonNull(commandId, "commandId");
        Objects.requireNonNull(commandType, "commandType");
        Objects.requireNonNull(correlationId, "correlationId");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(position, "position");
        Objects.requireNonNull(failedAt, "failedAt");
        value = Objects.requireNonNull(value, "value").clone();
        actions = List.copyOf(actions);
    }

    /**
     * Returns where the letter stands: the status its last action left, {@link DeadLetterStatus#PENDING}
     * without one.
     *
     * @return the status
     */
    public DeadLetterStatus status() {
        return DeadLetterActions.status(actions);
    }

    /**
     * Returns a copy of the command's bytes.
     *
     * @return the value
     */
    @Override
    public byte[] value() {
        return value.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CommandDeadLetter d && aggregateId.equals(d.aggregateId) && commandId.equals(d.commandId)
                && commandType.equals(d.commandType) && correlationId.equals(d.correlationId) && error.equals(d.error)
                && origin.equals(d.origin) && position.equals(d.position) && failedAt.equals(d.failedAt)
                && Arrays.equals(value, d.value) && actions.equals(d.actions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(aggregateId, commandId, position, failedAt, actions) * 31 + Arrays.hashCode(value);
    }

    /** Returns the command id, aggregate, error, origin, position and status; not the bytes. */
    @Override
    public String toString() {
        return "CommandDeadLetter[" + commandId + " for " + aggregateId.orElse("(no id)") + ": " + error + ", from " + origin
                + ", at " + position + ", " + status() + "]";
    }
}
