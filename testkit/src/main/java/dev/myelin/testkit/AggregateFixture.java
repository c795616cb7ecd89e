package dev.myelin.testkit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

import org.apache.kafka.common.serialization.Serde;

import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.Decision;

/**
 * Tests an {@link AggregateType} without a broker: given past events, when a command arrives, then
 * these events (or this rejection, or this state). It runs the same {@code decide} and {@code evolve}
 * the command processor runs, in microseconds. Each stage is its own interface, so only legal next
 * steps are offered.
 *
 * <pre>{@code
 * AggregateFixture.of(Account.TYPE)
 *         .given(new AccountOpened("ada"), new Deposited(10L))
 *         .when(new Withdraw(4L))
 *         .thenEvents(new Withdrawn(4L))
 *         .thenState(new AccountState(true, "ada", 6L));
 *
 * AggregateFixture.of(Account.TYPE)
 *         .given(new AccountOpened("ada"))
 *         .when(new Withdraw(1L))
 *         .thenRejected(reason -> assertThat(reason).contains("overdraw"));
 * }</pre>
 *
 * <p>Every run also checks what a broker-less test would otherwise miss: that {@code decide} and
 * {@code evolve} leave the state they are given as it is (the history is folded twice and must give
 * equal states), and, with {@link Given#withSerdes}, that every event and the state survive the
 * serdes the event store will use.
 *
 * <p>Prefer {@code thenEvents}: events are what the aggregate promises to the rest of the system;
 * {@code thenState} is for checking {@code evolve} and for debugging. Where the processor would
 * answer {@code Rejected} because {@code decide} or {@code evolve} threw, the fixture fails the test
 * with that exception as the cause, since a throwing function is a bug, not a business rule.
 */
public final class AggregateFixture {

    private AggregateFixture() {
    }

    /**
     * Starts a test of {@code type}.
     *
     * @param type the aggregate type under test
     * @param <S>  the state type
     * @param <C>  the command type
     * @param <E>  the event type
     * @return the given stage
     * @throws NullPointerException if {@code type} is null
     */
    public static <S, C, E> Given<S, C, E> of(AggregateType<S, C, E> type) {
        Objects.requireNonNull(type, "type");
        return new Run<>(type);
    }

    /**
     * The first stage: the aggregate's past.
     *
     * @param <S> the state type
     * @param <C> the command type
     * @param <E> the event type
     */
    public interface Given<S, C, E> {
        /**
         * Sets the aggregate's history: these events, in order, are folded into the initial state.
         *
         * @param events the past events; none for a new aggregate
         * @return the when stage
         * @throws NullPointerException if {@code events} or one of them is null
         * @throws AssertionError       if {@code evolve} throws on one of them
         */
        @SuppressWarnings("unchecked")
        When<S, C, E> given(E... events);

        /**
         * Sends a command to an aggregate without history; the same as {@code given().when(command)}.
         *
         * @param command the command
         * @return the then stage
         * @throws NullPointerException if {@code command} is null
         */
        Then<S, C, E> when(C command);

        /**
         * Also checks that every event (given and decided) and the state after the command come back
         * equal from a round trip through the serdes the event store will use: an event or state that
         * does not survive its serde would be stored as something else, which a broker-less test
         * otherwise never sees.
         *
         * @param eventSerde the event serde the event store is given
         * @param stateSerde the state serde the event store is given
         * @return this stage
         * @throws NullPointerException if a serde is null
         */
        Given<S, C, E> withSerdes(Serde<E> eventSerde, Serde<S> stateSerde);
    }

    /**
     * The second stage: the command.
     *
     * @param <S> the state type
     * @param <C> the command type
     * @param <E> the event type
     */
    public interface When<S, C, E> {
        /**
         * Runs {@code decide} on the command and, if it is accepted, {@code evolve} on its events.
         *
         * @param command the command
         * @return the then stage
         * @throws NullPointerException if {@code command} is null
         */
        Then<S, C, E> when(C command);
    }

    /**
     * The last stage: what the command should have led to. Every method returns this stage, so
     * expectations chain.
     *
     * @param <S> the state type
     * @param <C> the command type
     * @param <E> the event type
     */
    public interface Then<S, C, E> {
        /**
         * Verifies that the command was accepted with exactly these events, in this order.
         *
         * @param expected the expected events
         * @return this stage
         * @throws AssertionError if the command was rejected or led to other events
         */
        @SuppressWarnings("unchecked")
        Then<S, C, E> thenEvents(E... expected);

        /**
         * Verifies that the command was accepted and changed nothing.
         *
         * @return this stage
         * @throws AssertionError if the command was rejected or led to events
         */
        Then<S, C, E> thenNoEvents();

        /**
         * Verifies that the command was rejected, for any reason.
         *
         * @return this stage
         * @throws AssertionError if the command was accepted
         */
        Then<S, C, E> thenRejected();

        /**
         * Verifies that the command was rejected with a reason that satisfies {@code reasonRequirements},
         * for example {@code reason -> assertThat(reason).contains("overdraw")}.
         *
         * @param reasonRequirements assertions on the reason; they fail by throwing
         * @return this stage
         * @throws AssertionError if the command was accepted or the reason fails the requirements
         */
        Then<S, C, E> thenRejected(Consumer<? super String> reasonRequirements);

        /**
         * Verifies the state after the command: the given events and, if accepted, its events folded
         * into the initial state. It must be {@link Object#equals equal} to {@code expected}.
         *
         * @param expected the expected state
         * @return this stage
         * @throws AssertionError if the state differs
         */
        Then<S, C, E> thenState(S expected);

        /**
         * Verifies the state after the command with assertions.
         *
         * @param stateRequirements assertions on the state; they fail by throwing
         * @return this stage
         * @throws AssertionError if the state fails the requirements
         */
        Then<S, C, E> thenState(Consumer<? super S> stateRequirements);
    }

    /** One run of the fixture; each stage interface is a view of it. */
    private static final class Run<S, C, E> implements Given<S, C, E>, When<S, C, E>, Then<S, C, E> {
        private final AggregateType<S, C, E> type;
        private List<E> history = List.of();
        private S state;
        private C command;
        private Decision<E> decision;
        private RuntimeException failure;
        private S stateAfter;
        private Serde<E> eventSerde;
        private Serde<S> stateSerde;

        Run(AggregateType<S, C, E> type) {
            this.type = type;
            this.state = type.initialState();
        }

        @Override
        public Given<S, C, E> withSerdes(Serde<E> events, Serde<S> states) {
            this.eventSerde = Objects.requireNonNull(events, "eventSerde");
            this.stateSerde = Objects.requireNonNull(states, "stateSerde");
            return this;
        }

        /**
         * Folds {@code events} into {@code from} twice and requires the same result: an {@code evolve}
         * that changes the state it is given (adds to its list, say) folds differently the second
         * time, and would corrupt the processor's cached states the same way.
         */
        private S foldTwice(S from, List<E> events, String what) {
            S first = type.fold(from, events);
            String seen = String.valueOf(first);
            int hash = Objects.hashCode(first);
            S second = type.fold(from, events);
            // the second fold may have changed the first result in place, if evolve returns the object it was given
            if (!Objects.equals(first, second) || !seen.equals(String.valueOf(first)) || hash != Objects.hashCode(first)) {
                throw new AssertionError(type.name() + ".evolve changed the state it was given: folding " + what + " twice gave\n  "
                        + first + "\nthen\n  " + second + "\nevolve must return a new state and leave its argument as it is");
            }
            return first;
        }

        private <T> void requireRoundTrip(Serde<T> serde, String topic, T value, String what) {
            if (serde == null) {
                return;
            }
            T back;
            try {
                back = serde.deserializer().deserialize(topic, serde.serializer().serialize(topic, value));
            } catch (RuntimeException e) {
                throw new AssertionError(what + " " + value + " does not survive its serde: " + e, e);
            }
            if (!Objects.equals(value, back)) {
                throw new AssertionError(what + " changes in a round trip through its serde:\n  " + value + "\ncame back as\n  " + back);
            }
        }

        @SafeVarargs
        @SuppressWarnings("varargs")
        @Override
        public final When<S, C, E> given(E... events) {
            history = List.of(events);
            S folded = state;
            for (int i = 0; i < history.size(); i++) {
                requireRoundTrip(eventSerde, type.name() + ".events", history.get(i), "given event #" + (i + 1));
                try {
                    folded = type.evolve(folded, history.get(i));
                } catch (RuntimeException e) {
                    throw new AssertionError(type.name() + ".evolve threw on given event #" + (i + 1) + " (" + history.get(i) + "): " + e, e);
                }
            }
            state = foldTwice(state, history, "the given events");
            requireRoundTrip(stateSerde, type.name() + ".state", state, "the state after the given events");
            return this;
        }

        @Override
        public Then<S, C, E> when(C c) {
            command = Objects.requireNonNull(c, "command");
            String before = String.valueOf(state);
            int hash = Objects.hashCode(state);
            try {
                decision = type.decide(state, c);
            } catch (RuntimeException e) {
                failure = e;
                return this;
            }
            if (!before.equals(String.valueOf(state)) || hash != Objects.hashCode(state)) {
                throw new AssertionError(type.name() + " changed the state it was given while deciding " + c + ": it is now\n  " + state
                        + "\ndecide must only read the state");
            }
            List<E> decided = decision instanceof Decision.Accept<E> accept ? accept.events() : List.of();
            for (int i = 0; i < decided.size(); i++) {
                requireRoundTrip(eventSerde, type.name() + ".events", decided.get(i), "decided event #" + (i + 1));
            }
            try {
                stateAfter = foldTwice(state, decided, "the decided events");
            } catch (RuntimeException e) {
                failure = e;
                return this;
            }
            requireRoundTrip(stateSerde, type.name() + ".state", stateAfter, "the state after " + c);
            return this;
        }

        @SafeVarargs
        @SuppressWarnings("varargs")
        @Override
        public final Then<S, C, E> thenEvents(E... expected) {
            List<E> actual = acceptedEvents("events " + Arrays.toString(expected));
            if (!actual.equals(List.of(expected))) {
                throw new AssertionError("expected " + command + " to lead to events\n  " + List.of(expected) + "\nbut it led to\n  " + actual
                        + "\n(given " + history + ")");
            }
            return this;
        }

        @Override
        public Then<S, C, E> thenNoEvents() {
            List<E> actual = acceptedEvents("no events");
            if (!actual.isEmpty()) {
                throw new AssertionError("expected " + command + " to lead to no events but it led to\n  " + actual + "\n(given " + history + ")");
            }
            return this;
        }

        @Override
        public Then<S, C, E> thenRejected() {
            return thenRejected(reason -> {
            });
        }

        @Override
        public Then<S, C, E> thenRejected(Consumer<? super String> reasonRequirements) {
            Objects.requireNonNull(reasonRequirements, "reasonRequirements");
            requireDecided("a rejection");
            if (decision instanceof Decision.Accept<E> accept) {
                throw new AssertionError("expected " + command + " to be rejected but it was accepted with events\n  " + accept.events()
                        + "\n(given " + history + ")");
            }
            String reason = ((Decision.Reject<E>) decision).reason();
            try {
                reasonRequirements.accept(reason);
            } catch (AssertionError e) {
                throw new AssertionError(command + " was rejected, but its reason '" + reason + "' does not meet the requirements: "
                        + e.getMessage(), e);
            }
            return this;
        }

        @Override
        public Then<S, C, E> thenState(S expected) {
            requireDecided("state " + expected);
            if (!Objects.equals(stateAfter, expected)) {
                throw new AssertionError("expected the state after " + command + " to be\n  " + expected + "\nbut it was\n  " + stateAfter
                        + "\n(given " + history + ", decision " + decision + ")");
            }
            return this;
        }

        @Override
        public Then<S, C, E> thenState(Consumer<? super S> stateRequirements) {
            Objects.requireNonNull(stateRequirements, "stateRequirements");
            requireDecided("a state");
            stateRequirements.accept(stateAfter);
            return this;
        }

        private List<E> acceptedEvents(String expectation) {
            requireDecided(expectation);
            if (decision instanceof Decision.Reject<E> reject) {
                throw new AssertionError("expected " + command + " to lead to " + expectation + " but it was rejected: " + reject.reason()
                        + "\n(given " + history + ")");
            }
            return new ArrayList<>(((Decision.Accept<E>) decision).events());
        }

        private void requireDecided(String expectation) {
            if (failure != null) {
                throw new AssertionError("expected " + expectation + " but " + type.name() + ".decide or .evolve threw on " + command
                        + " (the command processor would answer Rejected): " + failure, failure);
            }
        }
    }
}
