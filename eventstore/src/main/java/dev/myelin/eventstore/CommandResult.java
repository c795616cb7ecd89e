package dev.myelin.eventstore;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of one command, as the command processor decided it.
 *
 * <pre>{@code
 * CommandResult<SpecificRecord> result = gateway.send("acc-1", new Deposit(100L)).join();
 * if (result instanceof CommandResult.Accepted<SpecificRecord> accepted) {
 *     log.info("account is now at version {}", accepted.newVersion());
 * } else if (result instanceof CommandResult.Rejected<SpecificRecord> rejected) {
 *     log.info("refused: {}", rejected.reason());
 * } else if (result instanceof CommandResult.Conflict<SpecificRecord> conflict) {
 *     // reload the state and decide again: someone else changed the account since version conflict.expected()
 * }
 * }</pre>
 *
 * @param <E> the aggregate's event type
 */
public sealed interface CommandResult<E> permits CommandResult.Accepted, CommandResult.Rejected, CommandResult.Conflict {

    /**
     * The command was accepted and its events appended.
     *
     * @param newVersion the aggregate's version after the events: the sequence of its last event
     * @param events     the appended events, in order; immutable, possibly empty
     * @param <E>        the event type
     */
    record Accepted<E>(long newVersion, List<E> events) implements CommandResult<E> {
        /**
         * Checks the components.
         *
         * @throws IllegalArgumentException if {@code newVersion} is negative
         * @throws NullPointerException     if {@code events} or one of them is null
         */
        public Accepted {
            if (newVersion < 0) {
                throw new IllegalArgumentException("newVersion must not be negative: " + newVersion);
            }
            events = List.copyOf(events);
        }
    }

    /**
     * The command was refused, by the aggregate's {@code decide} or because it could not be processed
     * (undecodable, or {@code decide}/{@code evolve} threw); nothing was appended.
     *
     * @param reason why
     * @param <E>    the event type
     */
    record Rejected<E>(String reason) implements CommandResult<E> {
        /**
         * Checks the reason.
         *
         * @throws NullPointerException if {@code reason} is null
         */
        public Rejected {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The command named an expected version the aggregate was not at; it was not evaluated and
     * nothing was appended. Retrying with the same command id and a fresh expected version is safe.
     *
     * @param expected the version the command expected
     * @param actual   the aggregate's version when the command was processed
     * @param <E>      the event type
     */
    record Conflict<E>(long expected, long actual) implements CommandResult<E> {
    }
}
