package dev.myelin.spring.boot;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import dev.myelin.application.Myelin;
import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.CommandGateway;
import dev.myelin.eventstore.EventStore;
import dev.myelin.processors.Projection;
import dev.myelin.processors.RunningProjection;
import dev.myelin.sagas.SagaDefinition;
import dev.myelin.sagas.SagaRuntime;
import dev.myelin.sagas.TriggerPosition;

/**
 * The runtimes of a Spring application's Myelin domain: an event store for each
 * {@link AggregateType} bean, a saga runtime for each {@link SagaDefinition} bean and a running
 * projection for each {@link Projection} bean. They start when the context starts, before the web
 * server takes requests (event stores first: they create the topics the others read), and stop when
 * it stops, after the web server, last started first. Myelin starts a runtime only as it builds it, so
 * the runtimes are looked up here rather than injected:
 *
 * <pre>{@code
 * @RestController
 * class Accounts {
 *     private final MyelinRuntimes myelin;
 *     Accounts(MyelinRuntimes myelin) { this.myelin = myelin; }
 *
 *     @PostMapping("/accounts/{id}/deposits")
 *     CompletableFuture<CommandResult<SpecificRecord>> deposit(@PathVariable String id, @RequestParam long amount) {
 *         return myelin.gateway(Account.TYPE).send(id, new Deposit(amount));
 *     }
 * }
 * }</pre>
 *
 * <p>The aggregate type beans are Avro types (such as one made by {@code AggregateType.avro}):
 * their commands and events go through the application's Avro serde. {@code myelin.event-stores.<name>.enabled},
 * {@code myelin.projections.<name>.enabled} and {@code myelin.sagas.<name>.*} set each runtime apart.
 */
public final class MyelinRuntimes implements SmartLifecycle {

    /**
     * The phase these runtimes start in: before the web server (which starts late, near
     * {@link SmartLifecycle#DEFAULT_PHASE}), so requests find them running, and stop after it.
     */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    private static final Logger LOG = LoggerFactory.getLogger(MyelinRuntimes.class);

    private final Myelin myelin;
    private final List<AggregateType<?, ?, ?>> types;
    private final List<SagaDefinition<?, ?>> sagaDefinitions;
    private final List<Projection<?, ?>> projectionDefinitions;
    private final MyelinProperties properties;
    private volatile Started started = Started.NONE;

    /**
     * Creates the runtimes, started by {@link #start()}.
     *
     * @param myelin      the application they run in
     * @param types       the aggregate types, one event store each
     * @param sagas       the saga definitions, one runtime each
     * @param projections the projections
     * @param properties  the per-runtime settings
     */
    public MyelinRuntimes(Myelin myelin, List<AggregateType<?, ?, ?>> types, List<SagaDefinition<?, ?>> sagas,
            List<Projection<?, ?>> projections, MyelinProperties properties) {
        this.myelin = Objects.requireNonNull(myelin, "myelin");
        this.types = List.copyOf(types);
        this.sagaDefinitions = List.copyOf(sagas);
        this.projectionDefinitions = List.copyOf(projections);
        this.properties = Objects.requireNonNull(properties, "properties");
    }

    /**
     * Returns the application these runtimes run in.
     *
     * @return the application
     */
    public Myelin application() {
        return myelin;
    }

    /**
     * Returns the aggregate types, one event store each (unless turned off).
     *
     * @return the types
     */
    public List<AggregateType<?, ?, ?>> aggregateTypes() {
        return types;
    }

    /**
     * Returns the saga definitions, one runtime each (unless turned off).
     *
     * @return the definitions
     */
    public List<SagaDefinition<?, ?>> sagaDefinitions() {
        return sagaDefinitions;
    }

    /**
     * Returns the projections, each run (unless turned off).
     *
     * @return the projections
     */
    public List<Projection<?, ?>> projectionDefinitions() {
        return projectionDefinitions;
    }

    /**
     * Returns the running event store of an aggregate type bean.
     *
     * @param type the bean
     * @param <S>  the state type
     * @param <C>  the command type
     * @param <E>  the event type
     * @return the store
     * @throws IllegalStateException if the runtimes are not running, or the type has no store here
     */
    @SuppressWarnings("unchecked")
    public <S, C, E> EventStore<S, C, E> eventStore(AggregateType<S, C, E> type) {
        Objects.requireNonNull(type, "type");
        return (EventStore<S, C, E>) find(running().eventStores, type.name(), "event store of aggregate type", type);
    }

    /**
     * Returns the command gateway of an aggregate type bean's running event store.
     *
     * @param type the bean
     * @param <C>  the command type
     * @param <E>  the event type
     * @return the gateway
     * @throws IllegalStateException as {@link #eventStore}
     */
    public <C, E> CommandGateway<C, E> gateway(AggregateType<?, C, E> type) {
        return eventStore(type).gateway();
    }

    /**
     * Returns a projection bean's running projection, whose {@code query()} serves its view.
     *
     * @param projection the bean
     * @param <K>        the view key type
     * @param <V>        the view type
     * @return the running projection
     * @throws IllegalStateException if the runtimes are not running, or the projection does not run here
     */
    @SuppressWarnings("unchecked")
    public <K, V> RunningProjection<K, V> projection(Projection<K, V> projection) {
        Objects.requireNonNull(projection, "projection");
        return (RunningProjection<K, V>) find(running().projections, projection.name(), "projection", projection);
    }

    /**
     * Returns a saga definition bean's runtime.
     *
     * @param definition the bean
     * @param <T>        the trigger event type
     * @param <D>        the saga data type
     * @return the runtime
     * @throws IllegalStateException if the runtimes are not running, or the saga does not run here
     */
    @SuppressWarnings("unchecked")
    public <T, D> SagaRuntime<T, D> saga(SagaDefinition<T, D> definition) {
        Objects.requireNonNull(definition, "definition");
        return (SagaRuntime<T, D>) find(running().sagas, definition.name(), "saga runtime", definition);
    }

    /**
     * Returns the running event stores by aggregate type name, in the order they started.
     *
     * @return the stores; empty when not running
     */
    public Map<String, EventStore<?, ?, ?>> eventStores() {
        return started.eventStores;
    }

    /**
     * Returns the running projections by name, in the order they started.
     *
     * @return the projections; empty when not running
     */
    public Map<String, RunningProjection<?, ?>> projections() {
        return started.projections;
    }

    /**
     * Returns the running saga runtimes by saga name, in the order they started.
     *
     * @return the runtimes; empty when not running
     */
    public Map<String, SagaRuntime<?, ?>> sagas() {
        return started.sagas;
    }

    /**
     * Starts the event stores, then the saga runtimes, then the projections, each returning once it
     * runs. If one fails to start, those started are stopped and the failure is thrown, which fails
     * the context's start.
     */
    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public synchronized void start() {
        if (started.running) {
            return;
        }
        Map<String, EventStore<?, ?, ?>> stores = new LinkedHashMap<>();
        Map<String, SagaRuntime<?, ?>> sagas = new LinkedHashMap<>();
        Map<String, RunningProjection<?, ?>> projections = new LinkedHashMap<>();
        List<AutoCloseable> order = new ArrayList<>();
        try {
            for (AggregateType<?, ?, ?> type : types) {
                if (enabled(properties.getEventStores().get(type.name()))) {
                    // the Avro variant: Myelin.eventStore(type) gives commands and events the application's Avro serde
                    EventStore<?, ?, ?> store = myelin.eventStore((AggregateType<Object, SpecificRecord, SpecificRecord>) (AggregateType) type);
                    unique(stores.put(type.name(), store), "aggregate type", type.name());
                    order.add(store);
                }
            }
            for (SagaDefinition<?, ?> definition : sagaDefinitions) {
                MyelinProperties.Saga settings = properties.getSagas().get(definition.name());
                if (enabled(settings)) {
                    SagaRuntime<?, ?> runtime = myelin.saga((SagaDefinition<Object, Object>) definition, sagaOptions(settings));
                    unique(sagas.put(definition.name(), runtime), "saga", definition.name());
                    order.add(runtime);
                }
            }
            for (Projection<?, ?> projection : projectionDefinitions) {
                if (enabled(properties.getProjections().get(projection.name()))) {
                    RunningProjection<?, ?> running = myelin.projection(projection);
                    unique(projections.put(projection.name(), running), "projection", projection.name());
                    order.add(running);
                }
            }
        } catch (RuntimeException e) {
            stopAll(order, e);
            throw e;
        }
        started = new Started(true, stores, sagas, projections, order);
        LOG.info("Myelin application {} runs {} event store(s) {}, {} saga runtime(s) {} and {} projection(s) {}", myelin.name(),
                stores.size(), stores.keySet(), sagas.size(), sagas.keySet(), projections.size(), projections.keySet());
    }

    /** Stops the runtimes, last started first: projections, saga runtimes, then event stores. */
    @Override
    public synchronized void stop() {
        Started running = started;
        started = Started.NONE;
        RuntimeException failure = stopAll(running.order, null);
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public boolean isRunning() {
        return started.running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    @Override
    public String toString() {
        return "MyelinRuntimes[" + myelin.name() + (started.running ? ", running" : ", stopped") + "]";
    }

    private static boolean enabled(MyelinProperties.Runtime settings) {
        return settings == null || settings.isEnabled();
    }

    private static <T, D> Consumer<SagaRuntime.Builder<T, D>> sagaOptions(MyelinProperties.Saga settings) {
        return builder -> {
            if (settings == null) {
                return;
            }
            if (settings.getStartingAt() != null) {
                builder.startingAt(settings.getStartingAt() == MyelinProperties.StartingAt.BEGINNING
                        ? TriggerPosition.fromBeginning() : TriggerPosition.fromNowOn());
            }
            if (settings.getRetainFinished() != null) {
                builder.retainFinishedSagas(settings.getRetainFinished());
            }
            if (settings.getDeadlineCheckInterval() != null) {
                builder.deadlineCheckInterval(settings.getDeadlineCheckInterval());
            }
        };
    }

    private static void unique(Object previous, String kind, String name) {
        if (previous != null) {
            throw new IllegalStateException("two " + kind + " beans are named " + name + "; names must be unique in an application");
        }
    }

    /** Stops {@code runtimes} last first; returns the first failure, the others suppressed in it. */
    private static RuntimeException stopAll(List<AutoCloseable> runtimes, RuntimeException cause) {
        RuntimeException failure = cause;
        for (int i = runtimes.size() - 1; i >= 0; i--) {
            try {
                runtimes.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e instanceof RuntimeException r ? r : new IllegalStateException("stopping " + runtimes.get(i) + " failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        return failure == cause ? null : failure;
    }

    private Started running() {
        Started now = started;
        if (!now.running) {
            throw new IllegalStateException("Myelin's runtimes are not running: they start with the Spring context"
                    + " (SmartLifecycle phase " + PHASE + ") and stop with it; look them up once it has started");
        }
        return now;
    }

    private static Object find(Map<String, ?> runtimes, String name, String kind, Object bean) {
        Object runtime = runtimes.get(name);
        if (runtime == null) {
            throw new IllegalStateException("no " + kind + " " + name + " runs in this application: " + bean
                    + " is not a bean of the context, or it is turned off (enabled=false)");
        }
        return runtime;
    }

    /** What runs, replaced whole on start and stop so that lookups read one consistent state. */
    private record Started(boolean running, Map<String, EventStore<?, ?, ?>> eventStores, Map<String, SagaRuntime<?, ?>> sagas,
            Map<String, RunningProjection<?, ?>> projections, List<AutoCloseable> order) {
        static final Started NONE = new Started(false, Map.of(), Map.of(), Map.of(), List.of());

        Started {
            eventStores = Collections.unmodifiableMap(new LinkedHashMap<>(eventStores));
            sagas = Collections.unmodifiableMap(new LinkedHashMap<>(sagas));
            projections = Collections.unmodifiableMap(new LinkedHashMap<>(projections));
            order = List.copyOf(order);
        }
    }
}
