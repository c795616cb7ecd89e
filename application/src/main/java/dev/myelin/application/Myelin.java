package dev.myelin.application;

import static dev.myelin.schemas.internal.BuilderChecks.requireUnset;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsConfig;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;

import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.EventSource;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.processors.Projection;
import dev.myelin.processors.ProjectionConfig;
import dev.myelin.processors.RunningProjection;
import dev.myelin.sagas.Participant;
import dev.myelin.sagas.SagaDefinition;
import dev.myelin.sagas.SagaRuntime;
import dev.myelin.schemas.AvroSerdeConfig;
import dev.myelin.schemas.AvroSerdes;
import dev.myelin.schemas.SchemaRegistry;
import dev.myelin.schemas.SchemaRegistryConfig;
import dev.myelin.schemas.UpcasterChain;

/**
 * One Myelin application: its name, its Kafka cluster, its schema registry and serdes, where its
 * state lives, and any Kafka property; from it the application's event stores, projections and saga
 * runtimes are started, each already configured, and {@link #close()} stops them, last started
 * first. Made with {@link #application(String)}; building it connects to nothing, so the same object
 * serves the definitions in unit tests (with an in-memory registry and no broker).
 *
 * <pre>{@code
 * try (Myelin shop = Myelin.application("shop")
 *         .bootstrapServers("kafka-1:9092,kafka-2:9092")
 *         .schemaRegistry("http://registry:8080/apis/ccompat/v7")
 *         .stateDirectory(Path.of("/var/lib/shop"))
 *         .property("commit.interval.ms", 50)                  // any Kafka Streams or client property
 *         .build()) {
 *     EventStore<CustomerState, SpecificRecord, SpecificRecord> customers = shop.eventStore(Customer.TYPE);
 *     EventStore<OrderState, SpecificRecord, SpecificRecord> orders = shop.eventStore(Order.TYPE);
 *     SagaRuntime<OrderPlaced, PlaceOrderData> sagas = shop.saga(Shop.placeOrder(shop));
 *     RunningProjection<String, Dashboard> dashboard = shop.projection(Shop.orderDashboard(shop));
 *     orders.gateway().send("o-1", new PlaceOrder(...)).join();
 * }   // stops the dashboard, the sagas, then the event stores
 * }</pre>
 *
 * <p>Inside a definition the application names what it owns: {@link #events(AggregateType)} is an
 * aggregate type's events topic with its serde (what projections fold and sagas are triggered by),
 * {@link #participant(AggregateType)} the aggregate type as a saga participant, {@link #avro()} and
 * {@link #avro(Class)} the application's Avro serdes.
 *
 * <p>Configuration is one set of properties (see {@link Builder#property}): Kafka's own keys pass
 * through to every runtime's Kafka Streams application and clients; {@code myelin.*} keys are those
 * of {@link MyelinConfig}, {@link ProjectionConfig}, {@link SchemaRegistryConfig} and
 * {@link AvroSerdeConfig}, plus {@link #STATE_DIR}, each going where it
 * applies. {@link #fromProperties(Map)} reads the whole application from such a map.
 *
 * <p>Start the event stores first: they create their aggregates' topics, which the projections and
 * saga runtimes reading them check at start. Every {@code eventStore}, {@code projection} and
 * {@code saga} call returns once its runtime runs.
 */
public final class Myelin implements AutoCloseable {

    /**
     * Where the runtimes keep their local stores (Kafka Streams' {@code state.dir}); each runtime has
     * its own subdirectory, named by its application id. Default {@code .myelin/state} under the
     * working directory: not the OS temp directory, which an OS may clean under a running store.
     * Two instances of one application on one machine need two directories.
     */
    public static final String STATE_DIR = "myelin.state.dir";
    /** The application's name, when read with {@link #fromProperties(Map)}. */
    public static final String APPLICATION = ProjectionConfig.APPLICATION;

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]*");
    /** Settings only projections have; the event store and saga runtime would refuse them. */
    private static final Set<String> PROJECTION_KEYS = Set.of(ProjectionConfig.CREATE_TOPICS, ProjectionConfig.CLOSE_TIMEOUT_MS,
            ProjectionConfig.QUERY_ENDPOINT, ProjectionConfig.QUERY_TIMEOUT_MS, ProjectionConfig.QUERY_CACHE_MS);
    /** Settings of the application as a whole that projections read too. */
    private static final Set<String> SHARED_KEYS = Set.of(MyelinConfig.DEAD_LETTER_RETENTION_MS,
            MyelinConfig.ROCKSDB_WRITE_BUFFER_BYTES, MyelinConfig.ALLOW_WEAKER_GUARANTEES);
    private static final Set<String> OWN_KEYS = Set.of(STATE_DIR);
    /**
     * The prefix of the Myelin Console's settings ({@code myelin.console.host}, {@code .port},
     * {@code .access-token}, ...): accepted here so that one properties file can hold the whole
     * application, passed to no runtime, and read by the console through {@link #consoleProperties()}.
     */
    public static final String CONSOLE_PREFIX = "myelin.console.";
    /** A stand-in broker address: the configuration is checked at build even when no cluster is named yet. */
    private static final String UNSET_SERVERS = "bootstrap-servers-not-set:9092";

    private final String name;
    private final Optional<String> bootstrapServers;
    private final MyelinConfig config;
    private final ProjectionConfig projectionConfig;
    private final Optional<SchemaRegistry> registry;
    private final Optional<AvroSerdeConfig> serdeConfig;
    private final Optional<Serde<SpecificRecord>> avro;
    private final Path stateDirectory;
    private final Map<String, Object> consoleProperties;
    private final Deque<AutoCloseable> running = new ArrayDeque<>();
    private boolean closed;

    private Myelin(Builder b) {
        name = b.name;
        bootstrapServers = Optional.ofNullable(b.bootstrapServers);
        String servers = bootstrapServers.orElse(UNSET_SERVERS);
        Map<String, Object> application = new LinkedHashMap<>();
        Map<String, Object> projections = new LinkedHashMap<>();
        Map<String, Object> registryProperties = new LinkedHashMap<>();
        Map<String, Object> serdeProperties = new LinkedHashMap<>();
        Map<String, Object> console = new LinkedHashMap<>();
        b.properties.forEach((key, value) -> {
            if (key.startsWith(CONSOLE_PREFIX)) {
                console.put(key, value);
            } else if (key.startsWith(SchemaRegistryConfig.PREFIX)) {
                registryProperties.put(key, value);
            } else if (key.startsWith(AvroSerdeConfig.PREFIX)) {
                serdeProperties.put(key, value);
            } else if (PROJECTION_KEYS.contains(key)) {
                projections.put(key, value);
            } else if (!key.startsWith("myelin.") || SHARED_KEYS.contains(key)) {
                application.put(key, value);
                projections.put(key, value);
            } else if (!OWN_KEYS.contains(key)) {
                application.put(key, value);
            }
        });
        consoleProperties = Collections.unmodifiableMap(console);
        MyelinConfig.Builder configBuilder = MyelinConfig.builder(name).bootstrapServers(servers).properties(application);
        stateDirectory = Path.of(String.valueOf(b.properties.getOrDefault(STATE_DIR, Path.of(".myelin", "state"))));
        ProjectionConfig.Builder projection = ProjectionConfig.builder().bootstrapServers(servers).application(name)
                .properties(projections);
        if (b.meterRegistry != null) {
            // one registry for every runtime; the field is an Object so that no Micrometer class loads without one
            configBuilder.meterRegistry((MeterRegistry) b.meterRegistry);
            projection.meterRegistry((MeterRegistry) b.meterRegistry);
        }
        if (b.openTelemetry != null) {
            configBuilder.openTelemetry((OpenTelemetry) b.openTelemetry);
            projection.openTelemetry((OpenTelemetry) b.openTelemetry);
        }
        config = configBuilder.build();
        // projections' topics (dead letters, re-drive, publish) as durable as the event stores' topics
        if (!projections.containsKey(StreamsConfig.REPLICATION_FACTOR_CONFIG)) {
            projection.property(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.replicationFactor());
        }
        projection.property(StreamsConfig.STATE_DIR_CONFIG, stateDirectory.toString());
        projectionConfig = projection.build();
        if (b.registry != null) {
            if (!registryProperties.isEmpty()) {
                throw new IllegalStateException("a schema registry client was given, so its properties " + registryProperties.keySet()
                        + " would be ignored; configure the client itself, or give the registry by url and properties");
            }
            registry = Optional.of(b.registry);
        } else if (registryProperties.containsKey(SchemaRegistryConfig.URL)) {
            registry = Optional.of(SchemaRegistry.connect(registryProperties));
        } else if (!registryProperties.isEmpty()) {
            throw new IllegalStateException("schema registry properties " + registryProperties.keySet() + " were set but no url ("
                    + SchemaRegistryConfig.URL + "); call schemaRegistry(url)");
        } else {
            registry = Optional.empty();
        }
        if (registry.isPresent()) {
            serdeProperties.put(AvroSerdeConfig.REGISTRY, registry.get());
            serdeConfig = Optional.of(AvroSerdeConfig.fromProperties(serdeProperties));
            avro = Optional.of(AvroSerdes.specific(serdeConfig.get()));
        } else if (!serdeProperties.isEmpty()) {
            throw new IllegalStateException("Avro serde properties " + serdeProperties.keySet()
                    + " were set but no schema registry; call schemaRegistry(url)");
        } else {
            serdeConfig = Optional.empty();
            avro = Optional.empty();
        }
    }

    /**
     * Starts building the application {@code name}; the name prefixes its topics and Kafka Streams
     * application ids, so two applications on one cluster need two names.
     *
     * @param name lower-case letters, digits and dashes, starting with a letter
     * @return the builder
     * @throws NullPointerException     if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is not such a name
     */
    public static Builder application(String name) {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("an application name is lower-case letters, digits and dashes, starting with a letter"
                    + " (it is part of topic names): '" + name + "'");
        }
        return new Builder(name);
    }

    /**
     * Reads an application from properties, as a configuration file or Spring's environment holds
     * them: {@value #APPLICATION} names it, {@code bootstrap.servers} is its cluster, every other key
     * is set with {@link Builder#property}.
     *
     * @param properties the properties
     * @return the application
     * @throws IllegalArgumentException if {@value #APPLICATION} is missing or a property is unknown or malformed
     * @throws IllegalStateException    as {@link Builder#build()}
     */
    public static Myelin fromProperties(Map<String, ?> properties) {
        Objects.requireNonNull(properties, "properties");
        Object name = properties.get(APPLICATION);
        if (name == null) {
            throw new IllegalArgumentException(APPLICATION + " is not set: it names the application");
        }
        Builder builder = application(name.toString().trim());
        properties.forEach((key, value) -> {
            if (!key.equals(APPLICATION)) {
                builder.property(key, value);
            }
        });
        return builder.build();
    }

    /**
     * Returns the {@value #CONSOLE_PREFIX}{@code *} properties this application was given, for the
     * Myelin Console ({@code MyelinConsole.start(myelin)} reads them); no runtime reads them.
     *
     * @return the console's properties, unmodifiable; empty if none were given
     */
    public Map<String, Object> consoleProperties() {
        return consoleProperties;
    }

    /**
     * Returns the application's name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the configuration the event stores and saga runtimes run with, for the APIs that take
     * one ({@code EventStore.builder}, {@code SagaRuntime.builder}, {@code CommandGateway}).
     *
     * @return the configuration
     * @throws IllegalStateException if no bootstrap servers were set
     */
    public MyelinConfig config() {
        requireCluster("config()");
        return config;
    }

    /**
     * Returns the configuration projections run with, for {@code RunningProjection.start}.
     *
     * @return the configuration
     * @throws IllegalStateException if no bootstrap servers were set
     */
    public ProjectionConfig projectionConfig() {
        requireCluster("projectionConfig()");
        return projectionConfig;
    }

    /**
     * Returns the schema registry client.
     *
     * @return the client
     * @throws IllegalStateException if no schema registry was set
     */
    public SchemaRegistry schemaRegistry() {
        return registry.orElseThrow(() -> noRegistry("schemaRegistry()"));
    }

    /**
     * Returns the application's Avro serde: generated classes (Avro {@code SpecificRecord}s) in the
     * Confluent wire format, with the registry and the {@code myelin.avro.*} settings. The event
     * stores of Avro aggregate types read and write their commands and events with it.
     *
     * @return the serde, the same object on every call
     * @throws IllegalStateException if no schema registry was set
     */
    public Serde<SpecificRecord> avro() {
        return avro.orElseThrow(() -> noRegistry("avro()"));
    }

    /**
     * Returns an Avro serde of one generated class, such as a projection's view, with the
     * application's registry and settings.
     *
     * @param type the generated class
     * @param <T>  its type
     * @return a new serde
     * @throws IllegalStateException if no schema registry was set
     */
    public <T extends SpecificRecord> Serde<T> avro(Class<T> type) {
        Objects.requireNonNull(type, "type");
        return AvroSerdes.specific(type, serdeConfig.orElseThrow(() -> noRegistry("avro(" + type.getSimpleName() + ".class)")));
    }

    /**
     * Returns the names of an aggregate type's topics in this application.
     *
     * @param type the aggregate type
     * @return {@code <application>.<aggregate>.commands}, {@code .events} and the others
     */
    public AggregateTopics topics(AggregateType<?, ?, ?> type) {
        return AggregateTopics.of(name, Objects.requireNonNull(type, "type").name());
    }

    /**
     * Returns an Avro aggregate type's events topic in this application with the application's Avro
     * serde: the source of a projection ({@code Projection.named(...).from(...)}) or of a saga's
     * triggers ({@code SagaDefinition.named(...).from(...)}).
     *
     * @param type the aggregate type, such as one made by {@code AggregateType.avro}
     * @return its events topic and serde
     * @throws IllegalStateException if no schema registry was set
     */
    public EventSource<SpecificRecord> events(AggregateType<?, ?, ? extends SpecificRecord> type) {
        return EventSource.of(topics(type), avro());
    }

    /**
     * Returns an Avro aggregate type of this application as a saga participant: its commands go to
     * the aggregate's commands topic and its results are the replies.
     *
     * @param type the aggregate type
     * @return the participant
     * @throws IllegalStateException if no schema registry was set
     * @see Participant#aggregate
     */
    public Participant<SpecificRecord, CommandResult<SpecificRecord>> participant(
            AggregateType<?, ? extends SpecificRecord, ? extends SpecificRecord> type) {
        return Participant.aggregate(topics(type), avro(), avro());
    }

    /**
     * Starts the event store of an Avro aggregate type (commands and events as Avro
     * {@code SpecificRecord}s, such as one made by {@code AggregateType.avro}): creates or checks its
     * topics, starts its command processor and gateway, and returns once it runs.
     *
     * @param type the aggregate type
     * @param <S>  the state type
     * @return the running store; {@link #close()} stops it
     * @throws IllegalStateException if no bootstrap servers or schema registry were set, or this application is closed
     */
    public <S> EventStore<S, SpecificRecord, SpecificRecord> eventStore(AggregateType<S, SpecificRecord, SpecificRecord> type) {
        Serde<SpecificRecord> serde = avro();
        return eventStore(type, store -> store.commandSerde(serde).eventSerde(serde));
    }

    /**
     * Starts the event store of any aggregate type, with the serdes (and other settings) that
     * {@code options} sets on its builder; the state directory is set already.
     *
     * <pre>{@code
     * bank.eventStore(Ledger.TYPE, store -> store.commandSerde(commands).eventSerde(events).stateSerde(states));
     * }</pre>
     *
     * @param type    the aggregate type
     * @param options sets the serdes on the builder
     * @param <S>     the state type
     * @param <C>     the command type
     * @param <E>     the event type
     * @return the running store; {@link #close()} stops it
     * @throws IllegalStateException if no bootstrap servers were set, a serde is missing, or this application is closed
     */
    public <S, C, E> EventStore<S, C, E> eventStore(AggregateType<S, C, E> type, Consumer<EventStore.Builder<S, C, E>> options) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(options, "options");
        requireCluster("eventStore(" + type.name() + ")");
        EventStore.Builder<S, C, E> builder = EventStore.builder(type, config).stateDirectory(stateDirectory);
        options.accept(builder);
        return register(builder::start);
    }

    /**
     * Starts a projection and returns once it runs (its view may still be catching up).
     *
     * @param projection the projection
     * @param <K>        the view key type
     * @param <V>        the view type
     * @return the running projection; {@link #close()} stops it
     * @throws IllegalStateException     if no bootstrap servers were set, or this application is closed
     * @throws dev.myelin.processors.MyelinProjectionException if a source topic is missing or the projection
     *                                                         does not run within 60 seconds
     */
    public <K, V> RunningProjection<K, V> projection(Projection<K, V> projection) {
        Objects.requireNonNull(projection, "projection");
        requireCluster("projection(" + projection.name() + ")");
        return register(() -> RunningProjection.start(projection, projectionConfig));
    }

    /**
     * Starts a saga runtime and returns once it runs.
     *
     * @param definition the saga
     * @param <T>        the trigger event type
     * @param <D>        the saga data type
     * @return the running runtime; {@link #close()} stops it
     * @throws IllegalStateException if no bootstrap servers were set, or this application is closed
     */
    public <T, D> SagaRuntime<T, D> saga(SagaDefinition<T, D> definition) {
        return saga(definition, runtime -> { });
    }

    /**
     * Starts a saga runtime with settings of its own, such as where a first deployment starts reading
     * triggers, and returns once it runs; the state directory is set already.
     *
     * <pre>{@code
     * shop.saga(placeOrder, runtime -> runtime.startingAt(TriggerPosition.earliest()));
     * }</pre>
     *
     * @param definition the saga
     * @param options    sets what the runtime's builder offers
     * @param <T>        the trigger event type
     * @param <D>        the saga data type
     * @return the running runtime; {@link #close()} stops it
     * @throws IllegalStateException if no bootstrap servers were set, or this application is closed
     */
    public <T, D> SagaRuntime<T, D> saga(SagaDefinition<T, D> definition, Consumer<SagaRuntime.Builder<T, D>> options) {
        Objects.requireNonNull(definition, "definition");
        Objects.requireNonNull(options, "options");
        requireCluster("saga(" + definition.name() + ")");
        SagaRuntime.Builder<T, D> builder = SagaRuntime.builder(definition, config).stateDirectory(stateDirectory);
        options.accept(builder);
        return register(builder::start);
    }

    /**
     * Returns the event stores this application started, in the order they were started, for tools
     * that show the whole application (such as the Myelin Console); a store its user closed early
     * stays listed, and reports so in its health.
     *
     * @return the event stores; empty once the application is closed
     */
    public List<EventStore<?, ?, ?>> eventStores() {
        return started(EventStore.class);
    }

    /**
     * Returns the projections this application started, in the order they were started; see
     * {@link #eventStores()}.
     *
     * @return the running projections; empty once the application is closed
     */
    public List<RunningProjection<?, ?>> projections() {
        return started(RunningProjection.class);
    }

    /**
     * Returns the saga runtimes this application started, in the order they were started; see
     * {@link #eventStores()}.
     *
     * @return the saga runtimes; empty once the application is closed
     */
    public List<SagaRuntime<?, ?>> sagas() {
        return started(SagaRuntime.class);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private <R> List<R> started(Class kind) {
        List<R> found = new ArrayList<>();
        synchronized (running) {
            // the deque holds the last started first
            running.descendingIterator().forEachRemaining(runtime -> {
                if (kind.isInstance(runtime)) {
                    found.add((R) runtime);
                }
            });
        }
        return List.copyOf(found);
    }

    /**
     * Stops every runtime this application started, last started first (so projections and sagas
     * stop before the event stores they read). A runtime closed by its user already is closed again
     * harmlessly. If stopping one fails, the others are still stopped and the first failure is
     * thrown with the others suppressed. Idempotent.
     */
    @Override
    public void close() {
        List<AutoCloseable> toClose = new ArrayList<>();
        synchronized (running) {
            closed = true;
            while (!running.isEmpty()) {
                toClose.add(running.pop());
            }
        }
        RuntimeException failure = null;
        for (AutoCloseable runtime : toClose) {
            try {
                runtime.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e instanceof RuntimeException r ? r : new IllegalStateException("stopping " + runtime + " failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "Myelin[" + name + " on " + bootstrapServers.orElse("(no cluster)") + ", state in " + stateDirectory + "]";
    }

    private <R extends AutoCloseable> R register(Supplier<R> start) {
        synchronized (running) {
            if (closed) {
                throw new IllegalStateException("application " + name + " is closed; build a new one to start runtimes");
            }
        }
        R started = start.get();
        synchronized (running) {
            if (!closed) {
                running.push(started);
                return started;
            }
        }
        // closed while this runtime was starting: it must not outlive the application
        try {
            started.close();
        } catch (Exception e) {
            IllegalStateException closedMeanwhile = new IllegalStateException("application " + name + " was closed while a runtime started");
            closedMeanwhile.addSuppressed(e);
            throw closedMeanwhile;
        }
        throw new IllegalStateException("application " + name + " was closed while a runtime started");
    }

    private void requireCluster(String what) {
        if (bootstrapServers.isEmpty()) {
            throw new IllegalStateException(what + " needs a Kafka cluster, and application " + name
                    + " has no bootstrap servers; call bootstrapServers(\"host:9092\") when building it");
        }
    }

    private IllegalStateException noRegistry(String what) {
        return new IllegalStateException(what + " needs a schema registry, and application " + name
                + " has none; call schemaRegistry(url) when building it");
    }

    /**
     * Builds a {@link Myelin} application. Each setting may be set once; setters and
     * {@link #property} set the same settings (a typed setter is a property under its key).
     */
    public static final class Builder {
        private final String name;
        private final Map<String, Object> properties = new LinkedHashMap<>();
        private String bootstrapServers;
        private SchemaRegistry registry;
        private Object meterRegistry;
        private Object openTelemetry;

        private Builder(String name) {
            this.name = name;
        }

        /**
         * Sets the Micrometer registry every runtime of the application counts on: commands, events,
         * projections, sagas, and Kafka's own client and Streams metrics, each meter tagged with
         * {@code application} (see {@link MyelinConfig.Builder#meterRegistry} and
         * {@link ProjectionConfig.Builder#meterRegistry}). Without it Myelin counts nothing, and
         * Micrometer need not be on the class path.
         *
         * <pre>{@code
         * PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
         * Myelin shop = Myelin.application("shop").bootstrapServers(servers).meterRegistry(prometheus).build();
         * }</pre>
         *
         * @param registry the registry
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder meterRegistry(MeterRegistry registry) {
            Objects.requireNonNull(registry, "registry");
            requireUnset(meterRegistry, "meterRegistry");
            meterRegistry = registry;
            return this;
        }

        /**
         * Sets the OpenTelemetry every runtime of the application opens spans on, so one trace follows
         * a command from the caller's span through its processing, its events, the sagas they trigger
         * and the projections that fold them (see {@link MyelinConfig.Builder#openTelemetry}). Without
         * it no span is opened, and OpenTelemetry need not be on the class path.
         *
         * @param openTelemetry the instance
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder openTelemetry(OpenTelemetry openTelemetry) {
            Objects.requireNonNull(openTelemetry, "openTelemetry");
            requireUnset(this.openTelemetry, "openTelemetry");
            this.openTelemetry = openTelemetry;
            return this;
        }

        /**
         * Sets the Kafka cluster. Without it the application can hand out serdes, topics and
         * participants (for definitions and their unit tests) but start nothing.
         *
         * @param servers {@code host:port} pairs, comma-separated
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if blank
         */
        public Builder bootstrapServers(String servers) {
            Objects.requireNonNull(servers, "servers");
            requireUnset(bootstrapServers, "bootstrapServers");
            if (servers.isBlank()) {
                throw new IllegalArgumentException("bootstrapServers must not be blank");
            }
            bootstrapServers = servers.trim();
            return this;
        }

        /**
         * Sets the schema registry by the url of its Confluent-compatible API (for Apicurio 2,
         * {@code http://host:8080/apis/ccompat/v7}); credentials, timeouts and TLS go in
         * {@code myelin.schema.registry.*} properties.
         *
         * @param url the registry's url
         * @return this builder
         * @throws IllegalStateException if a registry was already set
         */
        public Builder schemaRegistry(String url) {
            Objects.requireNonNull(url, "url");
            requireUnset(registry, "schemaRegistry");
            return property(SchemaRegistryConfig.URL, url);
        }

        /**
         * Sets the schema registry client to use, such as an {@code InMemorySchemaRegistry} in unit
         * tests or one client shared with other code.
         *
         * @param client the client
         * @return this builder
         * @throws IllegalStateException if a registry was already set
         */
        public Builder schemaRegistry(SchemaRegistry client) {
            Objects.requireNonNull(client, "client");
            requireUnset(registry, "schemaRegistry");
            requireUnset(properties.get(SchemaRegistryConfig.URL), "schemaRegistry");
            registry = client;
            return this;
        }

        /**
         * Sets the packages whose generated classes records may decode into (each with its
         * subpackages); by default every class on the class path is trusted. See
         * {@link AvroSerdeConfig#TRUSTED_PACKAGES}.
         *
         * @param packages the packages, such as {@code "com.example.bank"}
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if none is given
         */
        public Builder trustedPackages(String... packages) {
            Objects.requireNonNull(packages, "packages");
            if (packages.length == 0) {
                throw new IllegalArgumentException("trustedPackages needs at least one package");
            }
            return property(AvroSerdeConfig.TRUSTED_PACKAGES, String.join(",", packages));
        }

        /**
         * Sets the upcasters that turn old events into the shape the code reads now; see
         * {@link AvroSerdeConfig#UPCASTERS}.
         *
         * @param upcasters the chain
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder upcasters(UpcasterChain upcasters) {
            return property(AvroSerdeConfig.UPCASTERS, Objects.requireNonNull(upcasters, "upcasters"));
        }

        /**
         * Sets where the runtimes keep their local stores; see {@link #STATE_DIR}.
         *
         * @param directory the directory
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder stateDirectory(Path directory) {
            return property(STATE_DIR, Objects.requireNonNull(directory, "directory").toString());
        }

        /**
         * Sets the partitions of the topics the event stores create (default 6); see {@link MyelinConfig#PARTITIONS}.
         *
         * @param count the partitions
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder partitions(int count) {
            return property(MyelinConfig.PARTITIONS, count);
        }

        /**
         * Sets replication factor 1 and {@code min.insync.replicas} 1, for a single development
         * broker; see {@link MyelinConfig.Builder#singleBrokerDevMode()}.
         *
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder singleBrokerDevMode() {
            return property(MyelinConfig.DEV_MODE, true);
        }

        /**
         * Sets a property. {@code bootstrap.servers} sets {@link #bootstrapServers}; a {@code myelin.*}
         * key must be one of {@link MyelinConfig}'s, {@link ProjectionConfig}'s,
         * {@link SchemaRegistryConfig}'s, {@link AvroSerdeConfig}'s or {@link #STATE_DIR};
         * any other key passes through to every runtime's Kafka Streams
         * application and clients (with Kafka Streams' prefixes, such as {@code producer.}, where
         * one kind of client only should get it). Values are checked by {@link #build()}.
         *
         * @param key   the key
         * @param value the value
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if a {@code myelin.*} key is unknown
         */
        public Builder property(String key, Object value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (key.equals(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
                return bootstrapServers(value.toString());
            }
            if (key.equals(ProjectionConfig.APPLICATION)) {
                throw new IllegalArgumentException(key + " is the application's name, given to Myelin.application(name)");
            }
            if (key.startsWith("myelin.") && !known(key)) {
                throw new IllegalArgumentException("unknown Myelin property " + key + "; known: " + knownKeys());
            }
            requireUnset(properties.get(key), key);
            properties.put(key, value);
            return this;
        }

        /**
         * Sets each of {@code properties} as {@link #property} does.
         *
         * @param properties the properties
         * @return this builder
         * @throws IllegalStateException    as {@link #property}
         * @throws IllegalArgumentException as {@link #property}
         */
        public Builder properties(Map<String, ?> properties) {
            Objects.requireNonNull(properties, "properties").forEach(this::property);
            return this;
        }

        /**
         * Builds the application, checking every setting; connects to nothing.
         *
         * @return the application
         * @throws IllegalArgumentException if a value is malformed
         * @throws IllegalStateException    if settings contradict each other (such as dev mode with a
         *                                  replication factor, or serde settings without a registry)
         */
        public Myelin build() {
            return new Myelin(this);
        }

        private static boolean known(String key) {
            return key.startsWith(SchemaRegistryConfig.PREFIX) || key.startsWith(AvroSerdeConfig.PREFIX) || key.startsWith(CONSOLE_PREFIX)
                    || OWN_KEYS.contains(key)
                    || PROJECTION_KEYS.contains(key) || MyelinConfig.keys().contains(key);
        }

        private static Set<String> knownKeys() {
            Set<String> keys = new TreeSet<>(MyelinConfig.keys());
            keys.addAll(PROJECTION_KEYS);
            keys.addAll(OWN_KEYS);
            keys.add(SchemaRegistryConfig.PREFIX + "*");
            keys.add(AvroSerdeConfig.PREFIX + "*");
            keys.add(CONSOLE_PREFIX + "*");
            return keys;
        }
    }
}
