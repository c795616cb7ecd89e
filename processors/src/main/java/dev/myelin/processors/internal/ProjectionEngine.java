package dev.myelin.processors.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.Health;
import dev.myelin.eventstore.internal.Holds;
import dev.myelin.eventstore.internal.Meters;
import dev.myelin.eventstore.internal.StreamsBootstrap;
import dev.myelin.eventstore.internal.StreamsHealth;
import dev.myelin.processors.DeadLetter;
import dev.myelin.processors.MyelinProjectionException;
import dev.myelin.processors.Projection;
import dev.myelin.processors.ProjectionFailedException;
import dev.myelin.processors.ProjectionLag;
import dev.myelin.processors.ProjectionState;
import dev.myelin.processors.RunningProjection;
import dev.myelin.processors.ViewChange;
import dev.myelin.processors.ViewQuery;
import dev.myelin.processors.ViewSubscription;

/**
 * Runs one projection as a Kafka Streams application: starts it, serves its view, reports its state
 * and health, and closes or destroys it. Its topics, lag and dead letters each have a class of their
 * own ({@link ProjectionTopicSetup}, {@link ProjectionLagReader}, {@link ProjectionDeadLetters}).
 *
 * @param <K> the view key type
 * @param <V> the view type
 */
public final class ProjectionEngine<K, V> implements RunningProjection<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(ProjectionEngine.class);

    private final ProjectionDefinition<K, ?, V> definition;
    private final ProjectionSettings settings;
    private final String applicationId;
    private final Admin admin;
    private final KafkaStreams streams;
    private final ViewQuery<K, V> query;
    private final QueryServer queryServer;
    private final String queryPath;
    private final Object stateChanged = new Object();
    private final StreamsHealth health;
    private final Holds holds;
    private final ProjectionLagReader lag;
    private final ProjectionDeadLetters deadLetters;
    private final CatchUp catchUp;
    private final FoldedUpTo foldedUpTo = new FoldedUpTo();
    private final ViewChanges<K, V> viewChanges;
    private final List<AutoCloseable> meters = new ArrayList<>();
    private boolean closed;

    private ProjectionEngine(ProjectionDefinition<K, ?, V> definition, ProjectionSettings settings, String applicationId,
                             Properties properties, Map<String, Object> clientProperties, Admin admin) {
        this.definition = definition;
        this.settings = settings;
        this.applicationId = applicationId;
        this.admin = admin;
        this.lag = new ProjectionLagReader(definition, applicationId, admin);
        this.deadLetters = new ProjectionDeadLetters(definition, applicationId, admin, clientProperties);
        // Kafka Streams names a store's changelog <application id>-<store>-changelog
        this.viewChanges = new ViewChanges<>(definition.name(), applicationId + "-" + definition.storeName() + "-changelog",
                clientProperties, definition.keySerde().deserializer(), definition.viewSerde().deserializer());
        this.queryPath = "/myelin/views/" + applicationId;
        String runtime = "projection " + definition.name();
        // Bound before Kafka Streams starts, so that port 0 can be resolved and advertised.
        this.queryServer = settings.servesQueries() ? QueryServer.acquire(settings.queryHost(), settings.queryPort()) : null;
        try {
            if (queryServer != null) {
                properties.put(StreamsConfig.APPLICATION_SERVER_CONFIG, settings.queryHost() + ":" + queryServer.port());
            }
            StreamsBootstrap.useProcessingExceptionHandler(properties, HoldingProcessingExceptionHandler.class, runtime,
                    "a projection dead-letters bad events itself, and a handler that continued would skip events held while the"
                            + " schema registry is away");
            Map<String, Object> producer = new StreamsConfig(properties).getProducerConfigs(applicationId + "-myelin");
            this.holds = new Holds("Projection " + definition.name(), Holds.maxBlock(producer, properties));
            this.health = new StreamsHealth(runtime, holds, MyelinProjectionException::new);
            int maxRequestSize = (int) Holds.number(producer.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
                    ProjectionTopology.DEFAULT_MAX_REQUEST_SIZE);
            this.streams = new KafkaStreams(ProjectionTopology.build(definition, holds, maxRequestSize, settings.telemetry(), foldedUpTo),
                    properties);
        } catch (RuntimeException e) {
            if (queryServer != null) {
                queryServer.release(queryPath);
            }
            throw e;
        }
        LocalViewQuery<K, V> local = new LocalViewQuery<>(definition.name(), () -> streams.store(
                StoreQueryParameters.fromNameAndType(definition.storeName(), QueryableStoreTypes.<K, V>keyValueStore())));
        if (queryServer == null) {
            this.query = local;
        } else {
            RoutedViewQuery<K, V> routed = new RoutedViewQuery<>(definition.name(), streams, definition.storeName(),
                    definition.keySerde(), definition.viewSerde(), new HostInfo(settings.queryHost(), queryServer.port()),
                    queryPath, local, settings.queryTimeout(), settings.queryCacheTime());
            queryServer.register(queryPath, RoutedViewQuery.handler(local, routed::ownsLocally, definition.keySerde(),
                    definition.viewSerde(), definition.storeName()));
            this.query = routed;
        }
        StreamsBootstrap.observe(streams, runtime + " (" + applicationId + ")", health, () -> {
            synchronized (stateChanged) {
                stateChanged.notifyAll();
            }
        });
        streams.setUncaughtExceptionHandler(this::uncaught);
        this.catchUp = new CatchUp(lag, Instant.now());
        meters.add(settings.telemetry().meters().kafkaStreams(streams, "projection", definition.name()));
        meters.add(settings.telemetry().meters().gauge(Meters.PROJECTION_LAG,
                "events on the sources the projection has not folded yet; NaN when the cluster cannot tell", this::lagOrNaN,
                "projection", definition.name()));
        meters.add(settings.telemetry().meters().gauge(Meters.PROJECTION_LAG_TIME,
                "seconds since the newest event the projection folded was written, while events wait; 0 when none wait",
                this::lagSecondsOrNaN, "projection", definition.name()));
        meters.add(settings.telemetry().meters().gauge(Meters.PROJECTION_REBUILD_PROGRESS,
                "share (0 to 1) of the events its sources held at start that the projection has folded", this::progressOrNaN,
                "projection", definition.name()));
    }

    private double lagOrNaN() {
        try {
            return lag.lag().total();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private double lagSecondsOrNaN() {
        try {
            return foldedUpTo.lagSeconds(lag.lag().total(), System.currentTimeMillis());
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private double progressOrNaN() {
        try {
            return catchUp.progress();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    /**
     * Starts {@code projection}: checks its source topics, creates its own, and starts its Kafka
     * Streams application. Returns at once.
     *
     * @param projection the projection
     * @param settings   how to run it
     * @param <K>        the view key type
     * @param <V>        the view type
     * @return the running projection
     * @throws MyelinProjectionException if a source topic is missing or the cluster cannot be reached
     */
    public static <K, V> RunningProjection<K, V> start(Projection<K, V> projection, ProjectionSettings settings) {
        Objects.requireNonNull(settings, "settings");
        // the projection's own topics carry the application's name, as the application's other topics do
        ProjectionDefinition<K, ?, V> definition = ProjectionDefinition.of(projection).inApplication(settings.application());
        String applicationId = definition.applicationId(settings.application());
        // A projection's task reads its events topics and its redrive topic, which is nearly always
        // empty. While one input partition has nothing buffered, Kafka Streams 4.3 checks that
        // partition's lag, formatting a message with String.format, for every record it processes: an
        // eighth of the projection's time in JFR. One aggregate's events come from one partition, so
        // idling to interleave the inputs by timestamp buys a projection nothing. A user may set it.
        // A weaker guarantee would let a view count an event twice after a crash: refused unless explicitly allowed.
        Properties properties = StreamsBootstrap.properties("projection " + definition.name(), applicationId,
                settings.streamsProperties(), Map.of(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED));
        Map<String, Object> clientProperties = new StreamsConfig(properties).getAdminConfigs(applicationId + "-myelin");
        Admin admin = Admin.create(clientProperties);
        try {
            ProjectionTopicSetup.prepare(definition, admin, settings, properties);
            ProjectionEngine<K, V> engine = new ProjectionEngine<>(definition, settings, applicationId, properties,
                    clientProperties, admin);
            try {
                engine.streams.start();
            } catch (RuntimeException e) {
                engine.close(); // releases the query endpoint and the admin client too
                throw new MyelinProjectionException("could not start projection " + definition.name() + ": " + e, e);
            }
            LOG.info("Started projection {} as application {}", definition.name(), applicationId);
            // as the event store and the saga runtime do: start() returns a projection that runs, or that
            // holds its partitions for a transient fault (it resumes by itself, and health() says so)
            try {
                engine.awaitRunning(StreamsBootstrap.START_TIMEOUT, true);
            } catch (RuntimeException e) {
                engine.close();
                throw e;
            }
            return engine;
        } catch (RuntimeException e) {
            admin.close(Duration.ofSeconds(5));
            throw e;
        }
    }

    /**
     * Answers a stream thread's death. Holds do not come here (they fence the thread, which rejoins the
     * group by itself); anything else replaces the thread: its transaction aborts and the new thread
     * reads again from the committed offset, so nothing is skipped and no record shuts the projection
     * down. Only the fail-fast policy, chosen by the user, stops it.
     */
    private StreamThreadExceptionResponse uncaught(Throwable error) {
        if (respond(error) == StreamThreadExceptionResponse.SHUTDOWN_CLIENT) {
            Throwable failure = projectionFailure(error);
            health.failed(failure);
            LOG.error("Projection {} ({}) stopped", definition.name(), applicationId, failure);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        return StreamsBootstrap.replaceThread("projection " + definition.name() + " (" + applicationId + ")", health, error);
    }

    /**
     * Returns what Kafka Streams is to do when a stream thread dies of {@code error}: shut the
     * projection down for a {@link ProjectionFailedException} (the fail-fast policy), replace the thread otherwise.
     *
     * @param error why the thread died
     * @return the response
     */
    public static StreamThreadExceptionResponse respond(Throwable error) {
        return projectionFailure(error) instanceof ProjectionFailedException ? StreamThreadExceptionResponse.SHUTDOWN_CLIENT
                : StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /** Returns the {@link ProjectionFailedException} inside Kafka Streams' wrapping, or the error itself. */
    private static Throwable projectionFailure(Throwable error) {
        Set<Throwable> seen = new HashSet<>();
        for (Throwable t = error; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof ProjectionFailedException) {
                return t;
            }
        }
        return error;
    }

    @Override
    public Projection<K, V> projection() {
        return definition;
    }

    @Override
    public String applicationId() {
        return applicationId;
    }

    @Override
    public ViewQuery<K, V> query() {
        return query;
    }

    @Override
    public ProjectionState state() {
        return switch (streams.state()) {
            case CREATED -> ProjectionState.STARTING;
            case REBALANCING -> health.everRunning() ? ProjectionState.REBALANCING : ProjectionState.STARTING;
            case RUNNING -> ProjectionState.RUNNING;
            case PENDING_ERROR, ERROR -> ProjectionState.FAILED;
            case PENDING_SHUTDOWN, NOT_RUNNING -> health.failure().isPresent() ? ProjectionState.FAILED : ProjectionState.STOPPED;
        };
    }

    @Override
    public Optional<Throwable> failure() {
        return health.failure();
    }

    @Override
    public Health health() {
        return catchUp.health(health.health(streams.state(), "joining the group and restoring the view"));
    }

    @Override
    public void awaitRunning(Duration timeout) {
        awaitRunning(timeout, false);
    }

    /** Waits until the projection runs or, when {@code orHeld}, holds a partition for a transient fault. */
    private void awaitRunning(Duration timeout, boolean orHeld) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (stateChanged) {
            while (!(orHeld && holds.any())) {
                ProjectionState state = state();
                if (state == ProjectionState.RUNNING) {
                    return;
                }
                if (state == ProjectionState.FAILED || state == ProjectionState.STOPPED) {
                    throw new MyelinProjectionException("projection " + definition.name() + " is " + state
                            + " and will not run" + failure().map(f -> ": " + f).orElse(""), failure().orElse(null));
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new MyelinProjectionException("projection " + definition.name() + " did not run within "
                            + timeout + " (state " + state + "); is the cluster reachable?");
                }
                try {
                    // Woken by the state listener; the bound re-checks in case a change slipped between calls,
                    // and looks for a hold, which does not wake this monitor.
                    stateChanged.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new MyelinProjectionException("interrupted while waiting for projection " + definition.name(), e);
                }
            }
        }
    }

    @Override
    public void awaitCaughtUp(Duration timeout, Duration progressInterval) {
        lag.awaitCaughtUp(this, stateChanged, timeout, progressInterval);
    }

    @Override
    public ProjectionLag lag() {
        return lag.lag();
    }

    @Override
    public List<DeadLetter> deadLetters(Duration timeout) {
        return deadLetters.read(timeout);
    }

    @Override
    public int redrive(Predicate<? super DeadLetter> which, Duration timeout) {
        return deadLetters.redrive(which, "application", false, timeout);
    }

    @Override
    public int redrive(Predicate<? super DeadLetter> which, String by, Duration timeout) {
        return deadLetters.redrive(which, by, true, Objects.requireNonNull(timeout, "timeout"));
    }

    @Override
    public int skip(Predicate<? super DeadLetter> which, String by, Duration timeout) {
        return deadLetters.skip(which, by, Objects.requireNonNull(timeout, "timeout"));
    }

    @Override
    public void close() {
        stop(false);
    }

    @Override
    public ViewSubscription subscribe(Predicate<? super K> keys, int buffer, Consumer<? super ViewChange<K, V>> listener) {
        return viewChanges.subscribe(keys, buffer, listener);
    }

    @Override
    public void destroy() {
        stop(true);
    }

    private synchronized void stop(boolean destroy) {
        health.closed();
        viewChanges.close();
        meters.forEach(Meters::release);
        meters.clear();
        LOG.info("{} projection {} ({})", destroy ? "Destroying" : "Closing", definition.name(), applicationId);
        try {
            if (destroy) {
                // Leaving the group lets the group be deleted at once rather than after the session timeout.
                streams.close(CloseOptions.timeout(settings.closeTimeout())
                        .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
            } else {
                streams.close(settings.closeTimeout());
            }
            if (queryServer != null && !closed) {
                queryServer.release(queryPath);
            }
            closed = true;
            if (destroy) {
                streams.cleanUp();
                ProjectionTopicSetup.deleteState(admin, applicationId, definition.name());
            }
        } finally {
            admin.close(Duration.ofSeconds(5));
            synchronized (stateChanged) {
                stateChanged.notifyAll();
            }
        }
    }
}
