package dev.myelin.eventstore;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Pattern;

import org.apache.avro.generic.GenericContainer;
import org.apache.avro.specific.SpecificRecord;

import dev.myelin.eventstore.internal.TypeDispatch;

/**
 * The definition of one kind of aggregate: its name, its initial state, and two pure functions.
 * {@code decide(state, command)} answers a command with events or a rejection; {@code evolve(state,
 * event)} folds one event into the state. Nothing here touches Kafka, so an aggregate type is tested
 * in milliseconds (see {@code dev.myelin.testkit.AggregateFixture}) and run unchanged by an
 * {@link EventStore}.
 *
 * <p>Either handle each command and event type on its own, the way projections do (a command type
 * without a handler is rejected naming its type; an event type without one is an error, and for
 * sealed command and event types both are found when the type is built):
 *
 * <pre>{@code
 * AggregateType<AccountState, SpecificRecord, SpecificRecord> account =
 *         AggregateType.avro("account", new AccountState(false, "", 0L))
 *                 .on(OpenAccount.class, (state, open) -> Decision.accept(new AccountOpened(open.getOwner())))
 *                 .on(Deposit.class, (state, deposit) -> Decision.accept(new Deposited(deposit.getAmount())))
 *                 .apply(AccountOpened.class, (state, opened) -> new AccountState(true, opened.getOwner(), 0L))
 *                 .apply(Deposited.class, (state, deposited) -> state.withBalance(state.getBalance() + deposited.getAmount()))
 *                 .build();
 * }</pre>
 *
 * <p>or give the two functions whole:
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
        requireName(name);
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
     * Starts an aggregate type whose commands and events are Avro specific records, handled type by
     * type with {@link Builder#on} and {@link Builder#apply}. The state's type is taken from the
     * initial state, so no type needs writing twice.
     *
     * @param name         the aggregate's name, such as {@code account} (lower-case letters, digits, dashes)
     * @param initialState the state of an aggregate without events; immutable, or never changed by a handler
     * @param <S>          the state type
     * @return the builder
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code name} is not lower-case letters, digits and dashes
     */
    public static <S> Builder<S, SpecificRecord, SpecificRecord> avro(String name, S initialState) {
        return of(name, initialState, SpecificRecord.class, SpecificRecord.class);
    }

    /**
     * Starts an aggregate type handled type by type with {@link Builder#on} and {@link Builder#apply}.
     * When {@code commandType} or {@code eventType} is a sealed interface or class, {@link Builder#build()}
     * checks that every concrete type it permits has a handler.
     *
     * <pre>{@code
     * AggregateType<Cart, CartCommand, CartEvent> cart = AggregateType.of("cart", Cart.EMPTY, CartCommand.class, CartEvent.class)
     *         .on(AddItem.class, (cart, add) -> Decision.accept(new ItemAdded(add.sku())))
     *         .apply(ItemAdded.class, Cart::with)
     *         .build();
     * }</pre>
     *
     * @param name         the aggregate's name, such as {@code cart} (lower-case letters, digits, dashes)
     * @param initialState the state of an aggregate without events; immutable, or never changed by a handler
     * @param commandType  the common type of the commands
     * @param eventType    the common type of the events
     * @param <S>          the state type
     * @param <C>          the command type
     * @param <E>          the event type
     * @return the builder
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code name} is not lower-case letters, digits and dashes
     */
    public static <S, C, E> Builder<S, C, E> of(String name, S initialState, Class<C> commandType, Class<E> eventType) {
        requireName(name);
        return new Builder<>(name, Objects.requireNonNull(initialState, "initialState"), Objects.requireNonNull(commandType, "commandType"),
                Objects.requireNonNull(eventType, "eventType"));
    }

    /**
     * Builds an {@link AggregateType} from one handler per command type and one per event type. A
     * handler registered for a supertype handles its subtypes that have none of their own; the
     * handler of the class itself wins, then the first registered supertype.
     *
     * @param <S> the state type
     * @param <C> the command type
     * @param <E> the event type
     */
    public static final class Builder<S, C, E> {
        private final String name;
        private final S initialState;
        private final Class<C> commandType;
        private final Class<E> eventType;
        private final Map<Class<?>, BiFunction<? super S, Object, ? extends Decision<? extends E>>> deciders = new LinkedHashMap<>();
        private final Map<Class<?>, BiFunction<? super S, Object, ? extends S>> appliers = new LinkedHashMap<>();

        private Builder(String name, S initialState, Class<C> commandType, Class<E> eventType) {
            this.name = name;
            this.initialState = initialState;
            this.commandType = commandType;
            this.eventType = eventType;
        }

        /**
         * Handles commands of {@code type}: checks them against the state and answers with events
         * ({@link Decision#accept}) or a refusal ({@link Decision#reject}). Pure: the processor may
         * run it again after a crash.
         *
         * @param type   the command class
         * @param decide the handler
         * @param <X>    the command class
         * @return this builder
         * @throws NullPointerException     if an argument is null
         * @throws IllegalArgumentException if {@code type} already has a handler
         */
        @SuppressWarnings("unchecked")
        public <X extends C> Builder<S, C, E> on(Class<X> type, BiFunction<? super S, ? super X, ? extends Decision<? extends E>> decide) {
            register(deciders, type, decide, "command", "on");
            deciders.put(type, (state, command) -> decide.apply(state, (X) command));
            return this;
        }

        /**
         * Folds events of {@code type} into the state. Pure, and must not change the state it is given.
         *
         * @param type   the event class
         * @param evolve the handler
         * @param <X>    the event class
         * @return this builder
         * @throws NullPointerException     if an argument is null
         * @throws IllegalArgumentException if {@code type} already has a handler
         */
        @SuppressWarnings("unchecked")
        public <X extends E> Builder<S, C, E> apply(Class<X> type, BiFunction<? super S, ? super X, ? extends S> evolve) {
            register(appliers, type, evolve, "event", "apply");
            appliers.put(type, (state, event) -> evolve.apply(state, (X) event));
            return this;
        }

        /**
         * Declares that events of {@code type} leave the state as it is (an audit event, say): they are
         * stored and published, and folding them changes nothing.
         *
         * @param type the event class
         * @return this builder
         * @throws NullPointerException     if {@code type} is null
         * @throws IllegalArgumentException if {@code type} already has a handler
         */
        public Builder<S, C, E> ignore(Class<? extends E> type) {
            return apply(type, (state, event) -> state);
        }

        private static void register(Map<Class<?>, ?> handlers, Class<?> type, Object handler, String kind, String method) {
            Objects.requireNonNull(type, kind + " type");
            Objects.requireNonNull(handler, method + " handler for " + type.getName());
            if (handlers.containsKey(type)) {
                throw new IllegalArgumentException(kind + " type " + type.getName() + " already has an ." + method + " handler");
            }
        }

        /**
         * Builds the aggregate type.
         *
         * @return the aggregate type
         * @throws IllegalStateException if no command handler was given, or a sealed command or event
         *                               type permits a concrete type without a handler (named)
         */
        public AggregateType<S, C, E> build() {
            if (deciders.isEmpty()) {
                throw new IllegalStateException("aggregate " + name + " handles no command: add .on(CommandClass.class, (state, command) -> ...)");
            }
            TypeDispatch<BiFunction<? super S, Object, ? extends Decision<? extends E>>> decide = new TypeDispatch<>(deciders);
            TypeDispatch<BiFunction<? super S, Object, ? extends S>> evolve = new TypeDispatch<>(appliers);
            List<String> missing = new ArrayList<>();
            decide.uncovered(commandType).forEach(type -> missing.add("command " + type.getName() + " has no .on handler"));
            evolve.uncovered(eventType).forEach(type -> missing.add("event " + type.getName() + " has no .apply (or .ignore) handler"));
            if (!missing.isEmpty()) {
                throw new IllegalStateException("aggregate " + name + " is incomplete: " + String.join("; ", missing));
            }
            String handled = deciders.keySet().stream().map(AggregateType::simpleName).toList().toString();
            String applied = appliers.keySet().stream().map(AggregateType::simpleName).toList().toString();
            return new AggregateType<>(name, initialState,
                    (S state, C command) -> decide.find(command.getClass())
                            .<Decision<? extends E>>map(handler -> handler.apply(state, command))
                            .orElseGet(() -> Decision.reject(name + " does not handle command " + describe(command)
                                    + "; it handles " + handled)),
                    (S state, E event) -> evolve.find(event.getClass())
                            .<S>map(handler -> handler.apply(state, event))
                            .orElseThrow(() -> new IllegalStateException(name + " has no .apply handler for event " + describe(event)
                                    + " (it applies " + applied + "); add .apply(" + simpleName(event.getClass())
                                    + ".class, ...), or .ignore(...) if it changes nothing")),
                    AggregateType::defaultEventTypeName);
        }
    }

    private static String simpleName(Class<?> type) {
        return type.getSimpleName();
    }

    private static void requireName(String name) {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("aggregate name must match " + NAME + " (it is part of topic names): '" + name + "'");
        }
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
