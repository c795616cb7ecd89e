package dev.myelin.eventstore;

import java.util.List;
import java.util.Objects;

/**
 * What an aggregate's {@code decide} function answers to a command: the events it leads to, or the
 * reason it is refused.
 *
 * <pre>{@code
 * Decision<SpecificRecord> decide(AccountState state, Withdraw withdraw) {
 *     return withdraw.getAmount() > state.getBalance()
 *             ? Decision.reject("withdrawing " + withdraw.getAmount() + " would overdraw the account")
 *             : Decision.accept(new Withdrawn(withdraw.getAmount()));
 * }
 * }</pre>
 *
 * @param <E> the aggregate's event type
 */
public sealed interface Decision<E> permits Decision.Accept, Decision.Reject {

    /**
     * Returns a decision that appends {@code events}, in order. No events at all is a legal,
     * accepted decision that changes nothing.
     *
     * @param events the events the command leads to
     * @param <E>    the event type
     * @return the decision
     * @throws NullPointerException if {@code events} or one of them is null
     */
    @SafeVarargs
    @SuppressWarnings("varargs")
    static <E> Decision<E> accept(E... events) {
        return new Accept<>(List.of(events));
    }

    /**
     * Returns a decision that appends {@code events}, in order.
     *
     * @param events the events the command leads to
     * @param <E>    the event type
     * @return the decision
     * @throws NullPointerException if {@code events} or one of them is null
     */
    static <E> Decision<E> accept(List<? extends E> events) {
        return new Accept<>(List.copyOf(events));
    }

    /**
     * Returns a decision that refuses the command; nothing is appended.
     *
     * @param reason why, in words the caller can show to a user
     * @param <E>    the event type
     * @return the decision
     * @throws NullPointerException     if {@code reason} is null
     * @throws IllegalArgumentException if {@code reason} is blank
     */
    static <E> Decision<E> reject(String reason) {
        return new Reject<>(reason);
    }

    /**
     * The command is accepted and leads to these events.
     *
     * @param events the events to append, in order; immutable
     * @param <E>    the event type
     */
    record Accept<E>(List<E> events) implements Decision<E> {
        /**
         * Copies the events.
         *
         * @throws NullPointerException if {@code events} or one of them is null
         */
        public Accept {
            events = List.copyOf(events);
        }
    }

    /**
     * The command is refused.
     *
     * @param reason why
     * @param <E>    the event type
     */
    record Reject<E>(String reason) implements Decision<E> {
        /**
         * Checks the reason.
         *
         * @throws NullPointerException     if {@code reason} is null
         * @throws IllegalArgumentException if {@code reason} is blank
         */
        public Reject {
            Objects.requireNonNull(reason, "reason");
            if (reason.isBlank()) {
                throw new IllegalArgumentException("a rejection needs a reason the caller can act on; got a blank one");
            }
        }
    }
}
