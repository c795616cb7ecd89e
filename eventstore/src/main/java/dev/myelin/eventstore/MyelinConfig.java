package dev.myelin.eventstore;

import static dev.myelin.schemas.internal.BuilderChecks.parseInt;
import static dev.myelin.schemas.internal.BuilderChecks.parseLong;
import static dev.myelin.schemas.internal.BuilderChecks.requireArgument;
import static dev.myelin.schemas.internal.BuilderChecks.requireState;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;

/**
 * Where an application's event stores and gateways connect and how their topics are laid out.
 * Immutable; made with {@link #builder(String)}.
 *
 * <pre>{@code
 * MyelinConfig config = MyelinConfig.builder("bank")
 *         .bootstrapServers("kafka-1:9092,kafka-2:9092,kafka-3:9092")
 *         .partitions(12)
 *         .property("num.standby.replicas", 1)          // any Kafka Streams or client property: with two or
 *         .property("group.instance.id", podName)       // more instances, a warm standby and a stable id per instance
 *         .property("myelin.dedup.retention.ms", 172_800_000)   // or a Myelin setting by its myelin.* key
 *         .build();
 * }</pre>
 *
 * <p>With {@link Builder#meterRegistry} the event stores, gateways and saga runtimes started with this
 * configuration count their commands, events and sagas on a Micrometer registry, and bind Kafka's own
 * client and Streams metrics to it (see the README's "Metrics and health"); without it no Micrometer
 * class is loaded, and Micrometer need not be on the class path.
 *
 * <p>Defaults are safe for a three-broker cluster: replication factor 3 and {@code min.insync.replicas}
 * 2. {@link Builder#singleBrokerDevMode()} sets both to 1 for a laptop or an embedded broker.
 */
public final class MyelinConfig {

    /** {@code myelin.replication.factor}: see {@link Builder#replicationFactor(int)}. */
    public static final String REPLICATION_FACTOR = "myelin.replication.factor";
    /** {@code myelin.min.insync.replicas}: see {@link Builder#minInsyncReplicas(int)}. */
    public static final String MIN_INSYNC_REPLICAS = "myelin.min.insync.replicas";
    /** {@code myelin.partitions}: see {@link Builder#partitions(int)}. */
    public static final String PARTITIONS = "myelin.partitions";
    /** {@code myelin.dev.mode}: {@code true} for {@link Builder#singleBrokerDevMode()}. */
    public static final String DEV_MODE = "myelin.dev.mode";
    /**
     * {@code myelin.dedup.window}: no longer used; see {@link Builder#dedupWindow(int)}.
     *
     * @deprecated command ids are remembered for a time, {@link #DEDUP_RETENTION_MS}, not a count
     */
    @Deprecated
    public static final String DEDUP_WINDOW = "myelin.dedup.window";
    /** {@code myelin.dedup.retention.ms}: see {@link Builder#dedupRetention(Duration)}. */
    public static final String DEDUP_RETENTION_MS = "myelin.dedup.retention.ms";
    /** How long command ids are remembered unless configured: a day, so a retry the next morning is still safe. */
    public static final Duration DEFAULT_DEDUP_RETENTION = Duration.ofHours(24);
    /** {@code myelin.command.timeout.ms}: see {@link Builder#commandTimeout(Duration)}. */
    public static final String COMMAND_TIMEOUT_MS = "myelin.command.timeout.ms";
    /**
     * {@code myelin.unsafe.allow-weaker-guarantees}: {@code true} lets settings that weaken exactly-once or
     * durability ({@code processing.guarantee}, {@code acks}, {@code enable.idempotence}, {@code isolation.level},
     * prefixed or not) through with a warning; otherwise they are refused at startup. Kept in {@link #properties()}.
     */
    public static final String ALLOW_WEAKER_GUARANTEES = "myelin.unsafe.allow-weaker-guarantees";
    /**
     * {@code myelin.dead-letter.retention.ms}: how long a saga runtime's dead-letter topic keeps a dead
     * letter (default 30 days, as a projection's); see {@link Builder#deadLetterRetention(Duration)}.
     */
    public static final String DEAD_LETTER_RETENTION_MS = "myelin.dead-letter.retention.ms";
    /** The default of {@link #DEAD_LETTER_RETENTION_MS}: 30 days. */
    public static final Duration DEFAULT_DEAD_LETTER_RETENTION = Duration.ofDays(30);
    /** {@code myelin.saga.log.retention.ms}: see {@link Builder#sagaLogRetention(Duration)}. */
    public static final String SAGA_LOG_RETENTION_MS = "myelin.saga.log.retention.ms";

    /**
     * {@code myelin.rocksdb.write.buffer.bytes}: the memtable size of each RocksDB store of the event
     * store, projections and sagas; default 4 MiB (4194304), at least 65536. Kafka 4.4 makes a store's
     * changelog offsets durable only when its memtable flushes (the write-ahead log is off), so after an
     * unclean stop (SIGKILL, a lost machine) each store replays what was written since its last flush:
     * at most a few memtables' worth, where Kafka's own 16 MiB let a store with few or small writes
     * replay its whole changelog. Smaller means less replay and less memory per store, but more and
     * smaller files for RocksDB to compact; larger restores a store from scratch faster.
     *
     * <p>Myelin applies it through its own {@code rocksdb.config.setter}. A user who sets
     * {@code rocksdb.config.setter} to a class of their own replaces Myelin's (this key is then
     * ignored, with a warning) and keeps the bound by calling
     * {@code options.setWriteBufferSize(...)} in it. Kept in {@link #properties()}.
     */
    public static final String ROCKSDB_WRITE_BUFFER_BYTES = "myelin.rocksdb.write.buffer.bytes";

    /** {@code myelin.reply-topics}: see {@link Builder#replyTopics(Pattern)}. */
    public static final String REPLY_TOPICS = "myelin.reply-topics";
    /** The default of {@link #REPLY_TOPICS}: saga inboxes, {@code <application>.saga.<saga>.inbox}. */
    public static final Pattern DEFAULT_REPLY_TOPICS = Pattern.compile(".+\\.saga\\..+\\.inbox");

    private static final Set<String> MYELIN_KEYS = Set.of(REPLICATION_FACTOR, MIN_INSYNC_REPLICAS, PARTITIONS, DEV_MODE,
            DEDUP_WINDOW, DEDUP_RETENTION_MS, COMMAND_TIMEOUT_MS, ALLOW_WEAKER_GUARANTEES, DEAD_LETTER_RETENTION_MS, SAGA_LOG_RETENTION_MS,
            ROCKSDB_WRITE_BUFFER_BYTES, REPLY_TOPICS);
    private static final Pattern APPLICATION = Pattern.compile("[a-z][a-z0-9-]*");

    private final String application;
    private final String bootstrapServers;
    private final int replicationFactor;
    private final int minInsyncReplicas;
    private final int partitions;
    private final int dedupWindow;
    private final Duration dedupRetention;
    private final Duration commandTimeout;
    private final Duration deadLetterRetention;
    private final Duration sagaLogRetention;
    private final Pattern replyTopics;
    private final Map<String, Object> properties;
    /** A Micrometer {@code MeterRegistry}, or null; typed Object so that loading this class loads no Micrometer class. */
    private final Object meterRegistry;
    /** An OpenTelemetry {@code OpenTelemetry}, or null; typed Object so that loading this class loads no OpenTelemetry class. */
    private final Object openTelemetry;

    private MyelinConfig(Builder b, int replicationFactor, int minInsyncReplicas) {
        this.application = b.application;
        this.bootstrapServers = b.bootstrapServers;
        this.replicationFactor = replicationFactor;
        this.minInsyncReplicas = minInsyncReplicas;
        this.partitions = b.partitions == null ? 6 : b.partitions;
        this.dedupWindow = b.dedupWindow == null ? 32 : b.dedupWindow;
        this.dedupRetention = b.dedupRetention == null ? DEFAULT_DEDUP_RETENTION : b.dedupRetention;
        this.commandTimeout = b.commandTimeout == null ? Duration.ofSeconds(30) : b.commandTimeout;
        this.deadLetterRetention = b.deadLetterRetention == null ? DEFAULT_DEAD_LETTER_RETENTION : b.deadLetterRetention;
        this.sagaLogRetention = b.sagaLogRetention;
        this.replyTopics = b.replyTopics == null ? DEFAULT_REPLY_TOPICS : b.replyTopics;
        this.properties = Map.copyOf(b.properties);
        this.meterRegistry = b.meterRegistry;
        this.openTelemetry = b.openTelemetry;
    }

    /**
     * Starts a configuration for the application {@code application}; its name prefixes topic names
     * and the Kafka Streams {@code application.id}.
     *
     * @param application the application's name, lower-case letters, digits and dashes
     * @return a builder
     * @throws IllegalArgumentException if {@code application} is not lower-case letters, digits and dashes
     */
    public static Builder builder(String application) {
        Objects.requireNonNull(application, "application");
        if (!APPLICATION.matcher(application).matches()) {
            throw new IllegalArgumentException("application name must match " + APPLICATION + " (it is part of topic names): '"
                    + application + "'");
        }
        return new Builder(application);
    }

    /**
     * Returns every {@code myelin.*} key {@link Builder#property} accepts.
     *
     * @return the keys, unmodifiable
     */
    public static Set<String> keys() {
        return MYELIN_KEYS;
    }

    /**
     * Returns the application name.
     *
     * @return the application name
     */
    public String application() {
        return application;
    }

    /**
     * Returns the Kafka bootstrap servers.
     *
     * @return the Kafka bootstrap servers
     */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Returns the replication factor of the topics Myelin creates.
     *
     * @return the replication factor of the topics Myelin creates
     */
    public int replicationFactor() {
        return replicationFactor;
    }

    /**
     * Returns the {@code min.insync.replicas} of the topics Myelin creates.
     *
     * @return the {@code min.insync.replicas} of the topics Myelin creates
     */
    public int minInsyncReplicas() {
        return minInsyncReplicas;
    }

    /**
     * Returns the partition count of the topics Myelin creates.
     *
     * @return the partition count of the topics Myelin creates
     */
    public int partitions() {
        return partitions;
    }

    /**
     * Returns the value given to the deprecated {@link Builder#dedupWindow(int)}, which no longer has
     * any effect.
     *
     * @return the size given, or 32
     * @deprecated command ids are remembered for {@link #dedupRetention()}, however many commands follow
     */
    @Deprecated
    public int dedupWindow() {
        return dedupWindow;
    }

    /**
     * Returns how long the event store remembers a command id with its first outcome.
     *
     * @return the dedup retention
     * @see Builder#dedupRetention(Duration)
     */
    public Duration dedupRetention() {
        return dedupRetention;
    }

    /**
     * Returns how long a gateway waits for a result unless told otherwise.
     *
     * @return how long a gateway waits for a result unless told otherwise
     */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /**
     * Returns the names of the topics, besides an aggregate's command-results topic, that an event
     * store writes a command's result to when the command names one in {@code myelin.reply-to}.
     *
     * @return the pattern a whole topic name must match
     * @see Builder#replyTopics(Pattern)
     */
    public Pattern replyTopics() {
        return replyTopics;
    }

    /**
     * Returns how long a saga runtime's dead-letter topic keeps a dead letter.
     *
     * @return the retention
     * @see Builder#deadLetterRetention(Duration)
     */
    public Duration deadLetterRetention() {
        return deadLetterRetention;
    }

    /**
     * Returns how long a saga runtime's log topic keeps its entries, if set; otherwise each saga runtime
     * derives it (see {@link Builder#sagaLogRetention(Duration)}).
     *
     * @return the retention, or empty for the derived default
     */
    public java.util.Optional<Duration> sagaLogRetention() {
        return java.util.Optional.ofNullable(sagaLogRetention);
    }

    /**
     * Returns the pass-through Kafka properties, with the two Myelin keys every runtime reads from its
     * Kafka Streams properties ({@link #ALLOW_WEAKER_GUARANTEES}, {@link #ROCKSDB_WRITE_BUFFER_BYTES})
     * when set.
     *
     * @return the properties; immutable
     */
    public Map<String, Object> properties() {
        return properties;
    }

    /**
     * Returns the registry the runtimes started with this configuration count on, if one was given
     * ({@link Builder#meterRegistry}). Calling this loads no Micrometer class.
     *
     * @return the registry, or empty
     */
    @SuppressWarnings("unchecked")
    public Optional<MeterRegistry> meterRegistry() {
        // a generic cast, not a checkcast of MeterRegistry: with no registry, no Micrometer class is resolved
        return (Optional<MeterRegistry>) (Optional<?>) Optional.ofNullable(meterRegistry);
    }

    /**
     * Returns the OpenTelemetry the runtimes started with this configuration open spans on, if one was
     * given ({@link Builder#openTelemetry}). Calling this loads no OpenTelemetry class.
     *
     * @return the instance, or empty
     */
    @SuppressWarnings("unchecked")
    public Optional<OpenTelemetry> openTelemetry() {
        return (Optional<OpenTelemetry>) (Optional<?>) Optional.ofNullable(openTelemetry);
    }

    /**
     * Returns the topic names of {@code aggregate} in this application.
     *
     * @param aggregate the aggregate type
     * @return its topics
     */
    public AggregateTopics topics(AggregateType<?, ?, ?> aggregate) {
        return AggregateTopics.of(application, aggregate.name());
    }

    @Override
    public String toString() {
        return "MyelinConfig[application=" + application + ", bootstrapServers=" + bootstrapServers + ", replicationFactor="
                + replicationFactor + ", minInsyncReplicas=" + minInsyncReplicas + ", partitions=" + partitions
                + ", dedupRetention=" + dedupRetention + ", commandTimeout=" + commandTimeout + ", properties=" + properties.keySet() + "]";
    }

    /** Builds a {@link MyelinConfig}; each setting may be set once. */
    public static final class Builder {
        private final String application;
        private String bootstrapServers;
        private Integer replicationFactor;
        private Integer minInsyncReplicas;
        private Boolean devMode;
        private Integer partitions;
        private Integer dedupWindow;
        private Duration dedupRetention;
        private Pattern replyTopics;
        private Duration commandTimeout;
        private Duration deadLetterRetention;
        private Duration sagaLogRetention;
        private final Map<String, Object> properties = new LinkedHashMap<>();
        private Object meterRegistry;
        private Object openTelemetry;

        private Builder(String application) {
            this.application = application;
        }

        /**
         * Sets the Kafka cluster to connect to.
         *
         * @param servers {@code host:port} pairs, comma-separated
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if blank
         */
        public Builder bootstrapServers(String servers) {
            Objects.requireNonNull(servers, "servers");
            requireState(bootstrapServers == null, "bootstrapServers was already set to %s", bootstrapServers);
            requireArgument(!servers.isBlank(), "bootstrapServers must not be blank");
            bootstrapServers = servers;
            return this;
        }

        /**
         * Sets the replication factor of the topics Myelin creates, and of Kafka Streams' internal
         * topics (default 3).
         *
         * @param factor the replication factor
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if less than 1
         */
        public Builder replicationFactor(int factor) {
            requireState(replicationFactor == null, "replicationFactor was already set to %s", replicationFactor);
            requireArgument(factor >= 1, "replicationFactor must be 1 or more: %s", factor);
            replicationFactor = factor;
            return this;
        }

        /**
         * Sets {@code min.insync.replicas} of the topics Myelin creates (default 2).
         *
         * @param replicas the minimum in-sync replicas
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if less than 1
         */
        public Builder minInsyncReplicas(int replicas) {
            requireState(minInsyncReplicas == null, "minInsyncReplicas was already set to %s", minInsyncReplicas);
            requireArgument(replicas >= 1, "minInsyncReplicas must be 1 or more: %s", replicas);
            minInsyncReplicas = replicas;
            return this;
        }

        /**
         * Sets replication factor and {@code min.insync.replicas} to 1, for a single broker. Never for
         * production: one lost disk loses the events.
         *
         * @return this builder
         * @throws IllegalStateException if already called
         */
        public Builder singleBrokerDevMode() {
            requireState(devMode == null, "singleBrokerDevMode was already set to %s", devMode);
            devMode = true;
            return this;
        }

        /**
         * Sets the partition count of the topics Myelin creates (default 6). It bounds how many
         * instances share the work; commands and events topics must always have the same count.
         *
         * @param count the partition count
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if less than 1
         */
        public Builder partitions(int count) {
            requireState(partitions == null, "partitions was already set to %s", partitions);
            requireArgument(count >= 1, "partitions must be 1 or more: %s", count);
            partitions = count;
            return this;
        }

        /**
         * Formerly set how many recent command ids each aggregate remembered; it has no effect now.
         * Command ids are remembered for {@link #dedupRetention(Duration)}, however many other
         * commands the aggregate receives in between.
         *
         * @param size ignored, but still checked to be 1 or more
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if less than 1
         * @deprecated use {@link #dedupRetention(Duration)}
         */
        @Deprecated
        public Builder dedupWindow(int size) {
            requireState(dedupWindow == null, "dedupWindow was already set to %s", dedupWindow);
            requireArgument(size >= 1, "dedupWindow must be 1 or more: %s", size);
            dedupWindow = size;
            return this;
        }

        /**
         * Sets how long the event store remembers each command id with its first outcome (default
         * {@link MyelinConfig#DEFAULT_DEDUP_RETENTION 24 hours}). A command, or an
         * {@link EventStore#append(String, java.util.List, SendOptions) append}, whose id was seen within
         * this time answers its first result and appends nothing, however many other commands the
         * aggregate received in between and across restarts and failovers. After it, the id is
         * forgotten: a later send with the same id is decided again as a new command. The ids live in a
         * store of their own whose expired parts are dropped whole, so a longer retention costs disk
         * (about 100 bytes per command, held for two to three retentions before its part is dropped),
         * not time per command.
         *
         * @param retention how long ids are remembered; at least a minute
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if shorter than a minute
         */
        public Builder dedupRetention(Duration retention) {
            Objects.requireNonNull(retention, "retention");
            requireState(dedupRetention == null, "dedupRetention was already set to %s", dedupRetention);
            requireArgument(retention.toMillis() >= 60_000, "dedupRetention must be at least a minute: %s", retention);
            dedupRetention = retention;
            return this;
        }

        /**
         * Sets how long a gateway waits for a command's result unless {@link SendOptions} says
         * otherwise (default 30 seconds).
         *
         * @param timeout the timeout
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if not positive
         */
        public Builder commandTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            requireState(commandTimeout == null, "commandTimeout was already set to %s", commandTimeout);
            requireArgument(!timeout.isNegative() && !timeout.isZero(), "commandTimeout must be positive: %s", timeout);
            commandTimeout = timeout;
            return this;
        }

        /**
         * Sets which topics, besides an aggregate's command-results topic, an event store writes a
         * command's result to when the command names one in its {@code myelin.reply-to} header
         * ({@value MyelinConfig#REPLY_TOPICS}; default {@link MyelinConfig#DEFAULT_REPLY_TOPICS}, the
         * inboxes of saga runtimes, so that a saga hears its participants without a router in between).
         * The whole name must match, and the store writes there only once the cluster says the topic
         * exists and this application may write to it; any other reply address is answered on the
         * command-results topic, as it is while that check is under way. Change it when saga runtimes
         * are given topic names of their own ({@code SagaTopics}).
         *
         * @param pattern the pattern a whole topic name must match; one that matches nothing turns direct replies off
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder replyTopics(Pattern pattern) {
            Objects.requireNonNull(pattern, "pattern");
            requireState(replyTopics == null, "replyTopics was already set to %s", replyTopics);
            replyTopics = pattern;
            return this;
        }

        /**
         * Sets how long a saga runtime's dead-letter topic keeps a dead letter (default 30 days,
         * {@value MyelinConfig#DEAD_LETTER_RETENTION_MS}). A dead letter waits for a person to read,
         * mend and re-drive it; the broker's default (7 days) may pass over a holiday. Set on the topic
         * when the runtime creates it.
         *
         * @param retention how long; at least an hour
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if shorter than an hour
         */
        public Builder deadLetterRetention(Duration retention) {
            Objects.requireNonNull(retention, "retention");
            requireState(deadLetterRetention == null, "deadLetterRetention was already set to %s", deadLetterRetention);
            requireArgument(retention.toMillis() >= 3_600_000, "deadLetterRetention must be at least an hour: %s", retention);
            deadLetterRetention = retention;
            return this;
        }

        /**
         * Sets how long a saga runtime's log topic keeps its entries ({@value MyelinConfig#SAGA_LOG_RETENTION_MS}).
         * The log is the saga's audit trail; it must outlive the sagas it describes: a saga runtime
         * refuses to start when this is shorter than its finished-saga retention
         * ({@code SagaRuntime.Builder.retainFinishedSagas}, default 7 days) plus {@link #dedupRetention}
         * (default 24 hours). Unset, each runtime uses the longer of 30 days and that sum.
         *
         * @param retention how long
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if not positive
         */
        public Builder sagaLogRetention(Duration retention) {
            Objects.requireNonNull(retention, "retention");
            requireState(sagaLogRetention == null, "sagaLogRetention was already set to %s", sagaLogRetention);
            requireArgument(!retention.isNegative() && !retention.isZero(), "sagaLogRetention must be positive: %s", retention);
            sagaLogRetention = retention;
            return this;
        }

        /**
         * Sets the Micrometer registry the runtimes started with this configuration count on: commands
         * sent, accepted, rejected, in conflict, timed out and deduplicated, and their round-trip
         * latency, per aggregate type; events appended; sagas started, completed, compensated and
         * failed; and Kafka's own client and Streams metrics. Without it Myelin counts nothing and
         * loads no Micrometer class.
         *
         * <pre>{@code
         * MeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
         * MyelinConfig config = MyelinConfig.builder("bank").bootstrapServers(servers).meterRegistry(registry).build();
         * }</pre>
         *
         * @param registry the registry
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder meterRegistry(MeterRegistry registry) {
            Objects.requireNonNull(registry, "registry");
            requireState(meterRegistry == null, "meterRegistry was already set to %s", meterRegistry);
            meterRegistry = registry;
            return this;
        }

        /**
         * Sets the OpenTelemetry the runtimes started with this configuration open spans on, following
         * OpenTelemetry's messaging conventions: "send" when the gateway sends a command (a child of
         * the caller's current span), "process" when the processor decides it, when a saga handles a
         * trigger or reply and when a projection folds an event, each a child of the record's W3C
         * {@code traceparent}. The processor writes its context into every event it appends and into
         * the result, and a saga into the commands it sends, so one trace follows a command through
         * its events, the sagas and the views. Without it Myelin opens no span and loads no
         * OpenTelemetry class.
         *
         * @param openTelemetry the instance, such as {@code GlobalOpenTelemetry.get()}
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder openTelemetry(OpenTelemetry openTelemetry) {
            Objects.requireNonNull(openTelemetry, "openTelemetry");
            requireState(this.openTelemetry == null, "openTelemetry was already set to %s", this.openTelemetry);
            this.openTelemetry = openTelemetry;
            return this;
        }

        /**
         * Sets a property. A {@code myelin.*} key sets the Myelin setting of that name (see the
         * constants of {@link MyelinConfig}); any other key passes through to Kafka Streams and the
         * gateway's clients (client keys may carry Kafka Streams' {@code producer.}/{@code consumer.} prefixes).
         *
         * @param key   the property name
         * @param value its value
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if a {@code myelin.*} key is unknown or its value invalid
         */
        public Builder property(String key, Object value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (key.startsWith("myelin.")) {
                requireArgument(MYELIN_KEYS.contains(key), "unknown Myelin property %s; known: %s", key, MYELIN_KEYS);
                String text = value.toString().trim();
                switch (key) {
                    case REPLICATION_FACTOR -> replicationFactor(parseInt(key, text));
                    case MIN_INSYNC_REPLICAS -> minInsyncReplicas(parseInt(key, text));
                    case PARTITIONS -> partitions(parseInt(key, text));
                    case DEDUP_WINDOW -> dedupWindow(parseInt(key, text));
                    case DEDUP_RETENTION_MS -> dedupRetention(Duration.ofMillis(parseLong(key, text)));
                    case COMMAND_TIMEOUT_MS -> commandTimeout(Duration.ofMillis(parseInt(key, text)));
                    case DEAD_LETTER_RETENTION_MS -> deadLetterRetention(Duration.ofMillis(parseLong(key, text)));
                    case SAGA_LOG_RETENTION_MS -> sagaLogRetention(Duration.ofMillis(parseLong(key, text)));
                    case REPLY_TOPICS -> {
                        try {
                            replyTopics(Pattern.compile(text));
                        } catch (java.util.regex.PatternSyntaxException e) {
                            throw new IllegalArgumentException(key + " is not a regular expression: " + e.getMessage(), e);
                        }
                    }
                    case ALLOW_WEAKER_GUARANTEES -> {
                        // kept with the pass-through properties, where every runtime's guarantee check reads it
                        requireArgument(text.equals("true") || text.equals("false"), "%s must be true or false: %s", key, text);
                        requireState(!properties.containsKey(key), "property %s was already set to %s", key, properties.get(key));
                        properties.put(key, text);
                    }
                    case ROCKSDB_WRITE_BUFFER_BYTES -> {
                        // kept with the pass-through properties, where the runtimes' RocksDB setter reads it
                        long bytes = parseLong(key, text);
                        requireArgument(bytes >= 65_536, "%s must be at least 65536 (RocksDB's smallest memtable): %s", key, bytes);
                        requireState(!properties.containsKey(key), "property %s was already set to %s", key, properties.get(key));
                        properties.put(key, bytes);
                    }
                    case DEV_MODE -> {
                        requireArgument(text.equals("true") || text.equals("false"), "%s must be true or false: %s", key, text);
                        if (text.equals("true")) {
                            singleBrokerDevMode();
                        }
                    }
                    default -> throw new IllegalStateException("unhandled key " + key);
                }
                return this;
            }
            requireState(!properties.containsKey(key), "property %s was already set to %s", key, properties.get(key));
            properties.put(key, value);
            return this;
        }

        /**
         * Sets each of {@code properties} as {@link #property(String, Object)} does.
         *
         * @param properties the properties
         * @return this builder
         * @throws IllegalStateException    as {@link #property(String, Object)}
         * @throws IllegalArgumentException as {@link #property(String, Object)}
         */
        public Builder properties(Map<String, ?> properties) {
            Objects.requireNonNull(properties, "properties").forEach(this::property);
            return this;
        }

        /**
         * Builds the configuration; the builder stays usable.
         *
         * @return the configuration
         * @throws IllegalStateException if no bootstrap servers were set, if dev mode was combined with
         *                               an explicit replication setting, or if {@code min.insync.replicas}
         *                               exceeds the replication factor
         */
        public MyelinConfig build() {
            requireState(bootstrapServers != null, "bootstrapServers was not set; call bootstrapServers(\"host:9092\")");
            int rf;
            int isr;
            if (Boolean.TRUE.equals(devMode)) {
                requireState(replicationFactor == null && minInsyncReplicas == null,
                        "singleBrokerDevMode sets replication to 1; do not also set replicationFactor (%s) or minInsyncReplicas (%s)",
                        replicationFactor, minInsyncReplicas);
                rf = 1;
                isr = 1;
            } else {
                rf = replicationFactor == null ? 3 : replicationFactor;
                isr = minInsyncReplicas == null ? Math.min(2, rf) : minInsyncReplicas;
            }
            requireState(isr <= rf, "minInsyncReplicas (%s) must not exceed replicationFactor (%s): no write could ever succeed", isr, rf);
            return new MyelinConfig(this, rf, isr);
        }
    }
}
