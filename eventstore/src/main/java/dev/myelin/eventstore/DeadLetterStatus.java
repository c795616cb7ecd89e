package dev.myelin.eventstore;

/**
 * Where a dead letter stands, as the actions recorded on its dead-letter topic say: the same for a
 * command an event store gave up on ({@link CommandDeadLetter}) and an event a projection gave up on
 * ({@code dev.myelin.processors.DeadLetter}).
 */
public enum DeadLetterStatus {
    /** Nothing was done about it yet. */
    PENDING,
    /** Its record was written back to be processed again. */
    REDRIVEN,
    /** Someone decided it needs nothing more. */
    SKIPPED
}
