package dev.myelin.eventstore;

import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.apache.avro.generic.GenericContainer;

/**
 * The definition of one kind of aggregate: its name, its initial state, and two pure functions.
 * {@code decide(state, command)} answers a command with events or a rejection; {@code evolve(state,
 * event)} folds one event into the state. Nothing here touches Kafka, so an aggregate type is tested
 * in milliseconds (see {@code dev.myelin.testkit.AggregateFixture}) and run unchanged by an
 * {@link EventStore}.
 *
 * <pre>{@code
 * AggregateType<AccountState, SpecificRecord, SpecificRecord> account =
 *         AggregateType.<AccountState, SpecificRecord, SpecificRecord>named("account")
 *                 .initialState(new AccountState(false, "", 0L))
 *                 .decide(Account::decide)
 *                 .evolve(Account::evolve);
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe as long as the functions are pure.
 *
 * @param <S> the state type
 * @param <C> the command type (usually a common supertype such as Avro's {@code SpecificRecord})
 * @param <E> the event type
 */
public final class AggregateType<S, C, E> {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]*");

    private final String name;
    private final S initialState;
    private final BiFunction<? super S, ? super C, ? extends Decision<? extends E>> decide;
    private final BiFunction<? super S, ? super E, ? extends S> evolve;
    private final Function<? super E, String> eventTypeName;

    private AggregateType(String name, S initialState,
                          BiFunction<? super S, ? super C, ? extends Decision<? extends E>> decide,
                          BiFunction<? super S, ? super E, ? extends S> evolve,
                          Function<? super E, String> eventTypeName) {
        this.name = name;
        this.initialState = initialState;
        this.decide = decide;
        this.evolve = evolve;
        this.eventTypeName = eventTypeName;
    }

    /**
     * Starts the definition of an aggregate type. The name becomes part of topic names
     * ({@code <application>.<name>.events}), so it is lower case letters, digits and dashes.
     *
     * @param name the aggregate's name, such as {@code account}
     * @param <S>  the state type
     * @param <C>  the command type
     * @param <E>  the event type
     * @return the next stage, which takes the initial state
     * @throws NullPointerException     if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is not lower-case letters, digits and dashes
     */
    public static <S, C, E> InitialStateStage<S, C, E> named(String name) {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("aggregate name must match " + NAME + " (it is part of topic names): '" + name + "'");
        }
        return initialState -> {
            Objects.requireNonNull(initialState, "initialState");
            return decide -> {
                Objects.requireNonNull(decide, "decide");
                return evolve -> new AggregateType<>(name, initialState, decide, Objects.requireNonNull(evolve, "evolve"),
                        AggregateType::defaultEventTypeName);
            };
        };
    }

    /**
     * The stage that takes the state before any event.
     *
     * @param <S> the state type
     * @param <C> the command type
     * @param <E> the event type
     */
    @FunctionalInterface
    public interface InitialStateStage<S, C, E> {
        /**
         * Sets the state of an aggregate that has no events yet.
         *
         * @param initialState the state; must be immutable, or never changed by {@code evolve}
         * @return the next stage, which takes {@code decide}
         * @throws NullPointerException if {@code initialState} is null
         */
        DecideStage<S, C, E> initialState(S initialState);
    }

    /**
     * The stage that takes the decide function.
     *
     * @param <S> the state type
     * @param <C> the command type
     * @param <E> the event type
     */
    @FunctionalInterface
    public interface DecideStage<S, C, E> {
        /**
         * Sets the function that answers a command, given the current state. It must be pure: the
         * processor may run it again after a crash.
         *
         * @param decide the function
         * @return the next stage, which takes {@code evolve}
         * @throws NullPointerException if {@code decide} is null
         */
        EvolveStage<S, C, E> decide(BiFunction<? super S, ? super C, ? extends Decision<? extends E>> decide);
    }

    /**
     * The stage that takes the evolve function and completes the definition.
     *
     * @param <S> the state type
     * @param <C> the command type
     * @param <E> the event type
     */
    @FunctionalInterface
    public interface EvolveStage<S, C, E> {
        /**
         * Sets the function that folds one event into the state. It must be pure and must not change
         * the state it is given.
         *
         * @param evolve the function
         * @return the finished aggregate type
         * @throws NullPointerException if {@code evolve} is null
         */
        AggregateType<S, C, E> evolve(BiFunction<? super S, ? super E, ? extends S> evolve);
    }

    /**
     * Returns a copy of this type that names events with {@code eventTypeName} in the
     * {@code myelin.event-type} header. By default an Avro event is named by its schema's simple name
     * and any other event by its class's simple name.
     *
     * @param eventTypeName the naming function
     * @return the new aggregate type
     * @throws NullPointerException if {@code eventTypeName} is null
     */
    public AggregateType<S, C, E> withEventTypeName(Function<? super E, String> eventTypeName) {
        return new AggregateType<>(name, initialState, decide, evolve, Objects.requireNonNull(eventTypeName, "eventTypeName"));
    }

    /**
     * Returns the aggregate's name.
     *
     * @return the name, such as {@code account}
     */
    public String name() {
        return name;
    }

    /**
     * Returns the state of an aggregate without events.
     *
     * @return the initial state
     */
    public S initialState() {
        return initialState;
    }

    /**
     * Runs {@code decide}.
     *
     * @param state   the current state
     * @param command the command
     * @return the decision
     * @throws NullPointerException if {@code decide} returned null
     */
    @SuppressWarnings("unchecked")
    public Decision<E> decide(S state, C command) {
        Decision<? extends E> decision = decide.apply(state, command);
        if (decision == null) {
            throw new NullPointerException(name + ".decide returned null for " + describe(command)
                    + "; return Decision.accept(...) or Decision.reject(reason)");
        }
        // safe: Decision is read-only, so a Decision<? extends E> is a Decision<E>
        return (Decision<E>) decision;
    }

    /**
     * Runs {@code evolve}.
     *
     * @param state the current state
     * @param event the event
     * @return the next state
     * @throws NullPointerException if {@code evolve} returned null
     */
    public S evolve(S state, E event) {
        S next = evolve.apply(state, event);
        if (next == null) {
            throw new NullPointerException(name + ".evolve returned null for " + describe(event)
                    + "; return the next state (the same one if the event changes nothing)");
        }
        return next;
    }

    /**
     * Folds {@code events}, in order, into {@code state}.
     *
     * @param state  the state to start from
     * @param events the events
     * @return the resulting state
     */
    public S fold(S state, List<? extends E> events) {
        S current = state;
        for (E event : events) {
            current = evolve(current, event);
        }
        return current;
    }

    /**
     * Returns the name written to the {@code myelin.event-type} header for {@code event}.
     *
     * @param event the event
     * @return its type name
     */
    public String eventTypeName(E event) {
        return eventTypeName.apply(event);
    }

    @Override
    public String toString() {
        return "AggregateType[" + name + "]";
    }

    private static String defaultEventTypeName(Object event) {
        if (event instanceof GenericContainer avro) {
            return avro.getSchema().getName();
        }
        return event.getClass().getSimpleName();
    }

    private static String describe(Object message) {
        return message == null ? "null" : defaultEventTypeName(message);
    }
}
