package dev.myelin.sagas;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.myelin.eventstore.DeadLetterAction;
import dev.myelin.eventstore.DeadLetterStatus;
import dev.myelin.eventstore.internal.DeadLetterActions;
import dev.myelin.schemas.RecordOrigin;

/**
 * A trigger or reply a saga runtime gave up on, as read back from its dead-letter topic
 * ({@link SagaTopics#deadLetters()}): one it could not decode, whose saga id or initial data could not
 * be made, or that failed where no saga could carry the failure. The record keeps the original key,
 * value and headers with the {@code myelin.dead-letter.*} headers ({@link SagaHeaders#DEAD_LETTER_SAGA});
 * what was done about it ({@link SagaRuntime#redrive}, {@link SagaRuntime#skip}) is written to the same
 * topic, so the audit outlives every process. The same shape as an event store's and a projection's
 * dead letters: a {@link #status()}, {@link #actions()}, an {@link #origin()} and a {@link #position()}.
 *
 * <pre>{@code
 * for (SagaDeadLetter letter : runtime.deadLetters(Duration.ofSeconds(10))) {
 *     log.warn("{} {} from {}: {}", letter.kind(), letter.reason(), letter.origin(), letter.error());
 * }
 * }</pre>
 *
 * @param saga      the saga's name
 * @param kind      whether it is a trigger event or a participant's reply
 * @param key       the record's key as it was written to the dead-letter topic: the saga id for a record the
 *                  saga processor gave up on, the trigger's own key for one its router gave up on; empty if none
 * @param sagaId    the saga it was for, when known (not for a trigger whose saga id could not be made)
 * @param commandId for a reply, the id of the command it answers
 * @param reason    why: {@code UNDECODABLE}, {@code HANDLER_FAILED} or {@code UNPROCESSABLE} (see {@link SagaHeaders#DEAD_LETTER_SAGA})
 * @param error     the error, as {@code class: message}
 * @param origin    where the record was first read: the trigger or reply topic, partition and offset
 * @param position  where the dead letter is: the dead-letter topic, partition and offset; what names one letter among all
 * @param failedAt  when the runtime gave up
 * @param value     the record's bytes (empty for none)
 * @param actions   what was done about it, oldest first
 */
public record SagaDeadLetter(String saga, Kind kind, Optional<String> key, Optional<String> sagaId, Optional<String> commandId,
                             String reason, String error, RecordOrigin origin, RecordOrigin position, Instant failedAt,
                             byte[] value, List<DeadLetterAction> actions) {

    /** What the dead-lettered record was to the saga. */
    public enum Kind {
        /** A trigger event: it starts a saga. */
        TRIGGER,
        /** A participant's reply to a command the saga sent. */
        REPLY
    }

    /**
     * Checks the components and copies the value and the actions.
     *
     * @throws NullPointerException if a component is null
     */
    public SagaDeadLetter {
        Objects.requireNonNull(saga, "saga");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(sagaId, "sagaId");
        Objects.requireNonNull(commandId, "commandId");
        Objects.requireNonNull(reason, "reason");
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
     * Returns a copy of the record's bytes.
     *
     * @return the value
     */
    @Override
    public byte[] value() {
        return value.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SagaDeadLetter d && saga.equals(d.saga) && kind == d.kind && key.equals(d.key) && sagaId.equals(d.sagaId)
                && commandId.equals(d.commandId) && reason.equals(d.reason) && error.equals(d.error) && origin.equals(d.origin)
                && position.equals(d.position) && failedAt.equals(d.failedAt) && Arrays.equals(value, d.value)
                && actions.equals(d.actions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(saga, kind, key, position, failedAt, actions) * 31 + Arrays.hashCode(value);
    }

    /** Returns the saga, kind, reason, origin, position and status; not the bytes. */
    @Override
    public String toString() {
        return "SagaDeadLetter[" + saga + " " + kind + " " + sagaId.orElse("(no saga id)") + ": " + reason + " " + error + ", from "
                + origin + ", at " + position + ", " + status() + "]";
    }
}
