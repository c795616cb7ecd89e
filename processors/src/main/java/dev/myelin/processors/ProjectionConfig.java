package dev.myelin.processors;

import static dev.myelin.schemas.internal.BuilderChecks.parseLong;
import static dev.myelin.schemas.internal.BuilderChecks.requireUnset;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import org.apache.kafka.streams.StreamsConfig;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;

import dev.myelin.eventstore.internal.Meters;
import dev.myelin.eventstore.internal.Telemetry;
import dev.myelin.eventstore.internal.Tracing;
import dev.myelin.processors.internal.ProjectionSettings;
import dev.myelin.eventstore.MyelinConfig;

/**
 * How projections run: the Kafka connection, the application-id prefix, and any Kafka Streams or
 * client property. Immutable; made with {@link #builder()}. Keys starting with {@code myelin.} are
 * Myelin's own (listed as constants here); every other key goes to Kafka Streams as it is.
 *
 * <pre>{@code
 * ProjectionConfig config = ProjectionConfig.builder()
 *         .bootstrapServers("kafka-1:9092,kafka-2:9092")
 *         .application("bank")                       // application ids bank.<projection>.v<version>
 *         .property("commit.interval.ms", 50)
 *         .property(StreamsConfig.STATE_DIR_CONFIG, "/var/lib/bank/state")
 *         .build();
 * }</pre>
 *
 * <p>Myelin sets {@code application.id} per projection and {@code processing.guarantee} to
 * {@code exactly_once_v2}; setting {@code application.id} is an error, and a weaker guarantee is
 * passed on with a warning, since it gives up exactly-once views.
 */
public final class ProjectionConfig {

    /** Prefix of the application ids: {@code <application>.<projection>.v<version>}. Default: none. */
    public static final String APPLICATION = "myelin.application";
    /**
     * Whether to create missing dead-letter, re-drive and publish topics at start; default {@code true}.
     * Without it they must exist: the re-drive topic {@code <application>.<name>.redrive} with as many partitions as
     * the source topics.
     */
    public static final String CREATE_TOPICS = "myelin.topics.create";
    /** How long {@code close()} waits for the projection to stop, in ms; default 30000. */
    public static final String CLOSE_TIMEOUT_MS = "myelin.close.timeout.ms";
    /**
     * {@code host:port} on which this instance answers other instances' view queries, and which it
     * advertises to them ({@code application.server}); port 0 picks a free port. Default: none, so
     * queries read the local store only.
     */
    public static final String QUERY_ENDPOINT = "myelin.query.endpoint";
    /** How long a query routed to another instance may take, in ms; default 5000. */
    public static final String QUERY_TIMEOUT_MS = "myelin.query.timeout.ms";
    /**
     * How long an answer from another instance is cached, in ms; default 0 (not cached). A cached
     * answer may be that much older than the view.
     */
    public static final String QUERY_CACHE_MS = "myelin.query.cache.ms";

    /**
     * How long the dead-letter topic keeps a dead letter, in ms, set on the topic when Myelin creates it;
     * default 30 days ({@value #DEFAULT_DEAD_LETTER_RETENTION_MS}). A dead letter waits for people: to
     * notice it, fix the handler or add an upcaster, deploy, and re-drive. The broker's default of 7 days
     * can lose one over a holiday and a release; 30 days covers a monthly release, and the topic holds
     * few records. An existing topic is left as it is.
     */
    public static final String DEAD_LETTER_RETENTION_MS = "myelin.dead-letter.retention.ms";
    /** The default of {@link #DEAD_LETTER_RETENTION_MS}: 30 days. */
    public static final long DEFAULT_DEAD_LETTER_RETENTION_MS = 30L * 24 * 60 * 60 * 1000;

    private final Map<String, Object> streams;
    private final String application;
    private final boolean createTopics;
    private final Duration closeTimeout;
    private final String queryHost;
    private final int queryPort;
    private final Duration queryTimeout;
    private final Duration queryCacheTime;
    private final Duration deadLetterRetention;
    private final Telemetry telemetry;

    private ProjectionConfig(Builder b) {
        this.deadLetterRetention = b.deadLetterRetention == null ? Duration.ofMillis(DEFAULT_DEAD_LETTER_RETENTION_MS)
                : b.deadLetterRetention;
        this.queryCacheTime = b.queryCacheTime == null ? Duration.ZERO : b.queryCacheTime;
        this.queryHost = b.queryHost;
        this.queryPort = b.queryPort;
        this.queryTimeout = b.queryTimeout == null ? Duration.ofSeconds(5) : b.queryTimeout;
        this.streams = Map.copyOf(b.streams);
        this.application = b.application == null ? "" : b.application;
        this.createTopics = b.createTopics == null || b.createTopics;
        this.closeTimeout = b.closeTimeout == null ? Duration.ofSeconds(30) : b.closeTimeout;
        this.telemetry = new Telemetry(Meters.of(Optional.ofNullable(b.meterRegistry), this.application),
                Tracing.of(Optional.ofNullable(b.openTelemetry)));
    }

    /**
     * Returns a new builder.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the engine's view of this configuration: the one way internal code reads it. */
    ProjectionSettings settings() {
        return new ProjectionSettings(streams, application, createTopics, closeTimeout, queryHost, queryPort, queryTimeout,
                queryCacheTime, deadLetterRetention, telemetry);
    }

    @Override
    public String toString() {
        return "ProjectionConfig[application=" + application + ", queryEndpoint=" + (queryHost == null ? "none"
                : queryHost + ":" + queryPort) + ", createTopics=" + createTopics + ", closeTimeout="
                + closeTimeout + ", deadLetterRetention=" + deadLetterRetention + ", streams keys=" + streams.keySet() + "]";
    }

    /** Builds a {@link ProjectionConfig}; checks each value at once. */
    public static final class Builder {
        private final Map<String, Object> streams = new LinkedHashMap<>();
        private String application;
        private Boolean createTopics;
        private Duration closeTimeout;
        private String queryHost;
        private int queryPort;
        private Duration queryTimeout;
        private Duration queryCacheTime;
        private Duration deadLetterRetention;
        /** A Micrometer {@code MeterRegistry}, or null; typed Object so that no Micrometer class loads without one. */
        private Object meterRegistry;
        /** An OpenTelemetry {@code OpenTelemetry}, or null; typed Object so that no OpenTelemetry class loads without one. */
        private Object openTelemetry;

        private Builder() {
        }

        /**
         * Sets the OpenTelemetry the projections started with this configuration open spans on: a
         * "process" span for each event folded, a child of the event's W3C {@code traceparent} (the
         * span of the command that appended it). Without it no OpenTelemetry class is loaded.
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
         * Sets the Micrometer registry the projections started with this configuration count on:
         * events folded ({@code myelin.projection.events.folded}), dead letters
         * ({@code myelin.projection.dead.letters}), lag ({@code myelin.projection.lag}, a gauge read
         * from the cluster at each scrape), and Kafka Streams' own metrics; each tagged with
         * {@code application} and {@code projection}. Without it no Micrometer class is loaded.
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
         * Sets how long the dead-letter topic keeps a dead letter ({@value #DEAD_LETTER_RETENTION_MS}),
         * applied as its {@code retention.ms} when Myelin creates the topic.
         *
         * @param retention how long, at least one minute
         * @return this builder
         * @throws IllegalArgumentException if {@code retention} is shorter than one minute
         * @throws IllegalStateException    if it was already set
         */
        public Builder deadLetterRetention(Duration retention) {
            Objects.requireNonNull(retention, "retention");
            requireUnset(deadLetterRetention, DEAD_LETTER_RETENTION_MS);
            if (retention.compareTo(Duration.ofMinutes(1)) < 0) {
                throw new IllegalArgumentException("dead-letter retention must be at least one minute, or dead letters"
                        + " vanish before anyone can re-drive them: " + retention);
            }
            deadLetterRetention = retention;
            return this;
        }

        /**
         * Sets how long an answer from another instance is cached ({@value #QUERY_CACHE_MS}).
         *
         * @param time how long, zero for not at all
         * @return this builder
         * @throws IllegalArgumentException if {@code time} is negative
         * @throws IllegalStateException    if it was already set
         */
        public Builder queryCacheTime(Duration time) {
            Objects.requireNonNull(time, "time");
            requireUnset(queryCacheTime, QUERY_CACHE_MS);
            if (time.isNegative()) {
                throw new IllegalArgumentException("query cache time must not be negative: " + time);
            }
            queryCacheTime = time;
            return this;
        }

        /**
         * Sets where this instance answers other instances' view queries ({@value #QUERY_ENDPOINT}); with
         * it, {@code ViewQuery.get} finds a key on whichever instance owns it.
         *
         * @param host the host name or address other instances reach this one by
         * @param port the port, or 0 for a free one
         * @return this builder
         * @throws IllegalArgumentException if {@code host} is blank or {@code port} is out of range
         * @throws IllegalStateException    if it was already set
         */
        public Builder queryEndpoint(String host, int port) {
            Objects.requireNonNull(host, "host");
            requireUnset(queryHost == null ? null : queryHost + ":" + queryPort, QUERY_ENDPOINT);
            if (host.isBlank() || host.contains(":")) {
                throw new IllegalArgumentException("query host must be a host name or IPv4 address: '" + host + "'");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("query port must be 0 to 65535: " + port);
            }
            queryHost = host;
            queryPort = port;
            return this;
        }

        /**
         * Sets how long a query routed to another instance may take ({@value #QUERY_TIMEOUT_MS}).
         *
         * @param timeout the limit, positive
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is not positive
         * @throws IllegalStateException    if it was already set
         */
        public Builder queryTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            requireUnset(queryTimeout, QUERY_TIMEOUT_MS);
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("query timeout must be positive: " + timeout);
            }
            queryTimeout = timeout;
            return this;
        }

        /**
         * Sets {@code bootstrap.servers}.
         *
         * @param servers host:port pairs, comma-separated
         * @return this builder
         * @throws IllegalArgumentException if {@code servers} is blank
         * @throws IllegalStateException    if it was already set
         */
        public Builder bootstrapServers(String servers) {
            Objects.requireNonNull(servers, "servers");
            if (servers.isBlank()) {
                throw new IllegalArgumentException("bootstrap servers must not be blank");
            }
            return property(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        }

        /**
         * Sets the application-id prefix ({@value #APPLICATION}).
         *
         * @param application letters, digits, {@code .}, {@code _} or {@code -}
         * @return this builder
         * @throws IllegalArgumentException if {@code application} is not such a name
         * @throws IllegalStateException    if it was already set
         */
        public Builder application(String application) {
            Objects.requireNonNull(application, "application");
            requireUnset(this.application, APPLICATION);
            if (!application.matches("[a-zA-Z0-9._-]{1,100}")) {
                throw new IllegalArgumentException(APPLICATION + " must be 1 to 100 letters, digits, '.', '_' or '-': '"
                        + application + "'");
            }
            this.application = application;
            return this;
        }

        /**
         * Sets whether missing dead-letter and publish topics are created at start ({@value #CREATE_TOPICS}).
         *
         * @param create true to create them
         * @return this builder
         * @throws IllegalStateException if it was already set
         */
        public Builder createTopics(boolean create) {
            requireUnset(createTopics, CREATE_TOPICS);
            createTopics = create;
            return this;
        }

        /**
         * Sets how long {@code close()} waits for the projection to stop ({@value #CLOSE_TIMEOUT_MS}).
         *
         * @param timeout the wait, not negative
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is negative
         * @throws IllegalStateException    if it was already set
         */
        public Builder closeTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            requireUnset(closeTimeout, CLOSE_TIMEOUT_MS);
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("close timeout must not be negative: " + timeout);
            }
            closeTimeout = timeout;
            return this;
        }

        /**
         * Sets one property: a {@code myelin.*} key goes to the matching setter, any other key to Kafka
         * Streams and its clients unchanged.
         *
         * @param key   the property name
         * @param value the value
         * @return this builder
         * @throws IllegalArgumentException if {@code key} is an unknown {@code myelin.*} key or
         *                                  {@code application.id}, or a Myelin value is malformed
         * @throws IllegalStateException    if {@code key} was already set
         */
        public Builder property(String key, Object value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            switch (key) {
                case APPLICATION -> application(value.toString());
                case CREATE_TOPICS -> createTopics(parseBoolean(key, value));
                case CLOSE_TIMEOUT_MS -> closeTimeout(Duration.ofMillis(parseLong(key, value)));
                case QUERY_TIMEOUT_MS -> queryTimeout(Duration.ofMillis(parseLong(key, value)));
                case QUERY_CACHE_MS -> queryCacheTime(Duration.ofMillis(parseLong(key, value)));
                case DEAD_LETTER_RETENTION_MS -> deadLetterRetention(Duration.ofMillis(parseLong(key, value)));
                case MyelinConfig.ROCKSDB_WRITE_BUFFER_BYTES -> {
                    // read with the Streams properties by Myelin's RocksDB setter, as for the event store
                    long bytes = parseLong(key, value);
                    if (bytes < 65_536) {
                        throw new IllegalArgumentException(key + " must be at least 65536 (RocksDB's smallest memtable): " + bytes);
                    }
                    requireUnset(streams.get(key), key);
                    streams.put(key, bytes);
                }
                case MyelinConfig.ALLOW_WEAKER_GUARANTEES -> {
                    // read with the Streams properties by the guarantee check at start, as for the event store
                    parseBoolean(key, value);
                    requireUnset(streams.get(key), key);
                    streams.put(key, value);
                }
                case QUERY_ENDPOINT -> {
                    String text = value.toString().trim();
                    int colon = text.lastIndexOf(':');
                    if (colon <= 0) {
                        throw new IllegalArgumentException(key + " must be host:port: '" + value + "'");
                    }
                    queryEndpoint(text.substring(0, colon), (int) parseLong(key, text.substring(colon + 1)));
                }
                case StreamsConfig.APPLICATION_SERVER_CONFIG -> throw new IllegalArgumentException(
                        "Myelin sets application.server from " + QUERY_ENDPOINT + "; set that instead");
                case StreamsConfig.APPLICATION_ID_CONFIG -> throw new IllegalArgumentException(
                        "Myelin sets application.id per projection (<application>.<projection>.v<version>); set "
                                + APPLICATION + " instead");
                default -> {
                    if (key.startsWith("myelin.")) {
                        throw new IllegalArgumentException("unknown Myelin property " + key + "; known: " + APPLICATION
                                + ", " + CREATE_TOPICS + ", " + CLOSE_TIMEOUT_MS + ", " + QUERY_ENDPOINT + ", "
                                + QUERY_TIMEOUT_MS + ", " + QUERY_CACHE_MS + ", " + DEAD_LETTER_RETENTION_MS + ", "
                                + MyelinConfig.ALLOW_WEAKER_GUARANTEES + ", " + MyelinConfig.ROCKSDB_WRITE_BUFFER_BYTES);
                    }
                    requireUnset(streams.get(key), key);
                    streams.put(key, value);
                }
            }
            return this;
        }

        /**
         * Sets each of {@code properties} as {@link #property(String, Object)} does.
         *
         * @param properties the properties
         * @return this builder
         * @throws IllegalArgumentException as {@link #property(String, Object)}
         * @throws IllegalStateException    as {@link #property(String, Object)}
         */
        public Builder properties(Map<String, ?> properties) {
            Objects.requireNonNull(properties, "properties").forEach(this::property);
            return this;
        }

        /**
         * Returns the configuration. The builder stays usable.
         *
         * @return the configuration
         * @throws IllegalStateException if {@code bootstrap.servers} is not set
         */
        public ProjectionConfig build() {
            if (!streams.containsKey(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)) {
                throw new IllegalStateException("bootstrap.servers is not set; call bootstrapServers(...)");
            }
            return new ProjectionConfig(this);
        }

        private static boolean parseBoolean(String key, Object value) {
            String text = value.toString().trim();
            if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
                throw new IllegalArgumentException(key + " must be true or false: '" + value + "'");
            }
            return Boolean.parseBoolean(text);
        }
    }
}
