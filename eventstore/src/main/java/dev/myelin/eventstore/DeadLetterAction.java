package dev.myelin.eventstore;

import java.time.Instant;
import java.util.Objects;

/**
 * Something done about a dead letter, as recorded on its dead-letter topic (a record after the letter
 * with the {@code myelin.dead-letter.action*} headers), so the audit outlives every process.
 *
 * @param status what it made of the letter: {@link DeadLetterStatus#REDRIVEN} or {@link DeadLetterStatus#SKIPPED}
 * @param by     who did it, as the caller named them
 * @param at     when
 */
public record DeadLetterAction(DeadLetterStatus status, String by, Instant at) {
    /**
     * Checks the components.
     *
     * @throws NullPointerException     if a component is null
     * @throws IllegalArgumentException if {@code status} is {@link DeadLetterStatus#PENDING}
     */
    public DeadLetterAction {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(by, "by");
        Objects.requireNonNull(at, "at");
        if (status == DeadLetterStatus.PENDING) {
            throw new IllegalArgumentException("an action redrives or skips; PENDING is no action");
        }
    }
}
