package dev.myelin.spring.boot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code myelin.*} properties of a Spring Boot application: what {@link dev.myelin.application.Myelin}
 * is built from. Two are enough on a development broker:
 *
 * <pre>{@code
 * myelin.application=bank
 * myelin.bootstrap-servers=localhost:9092        # or spring.kafka.bootstrap-servers
 * myelin.schema-registry.url=http://localhost:8080/apis/ccompat/v7
 * myelin.dev-mode=true                           # replication 1, for a single broker
 * myelin.properties.commit.interval.ms=50        # any Kafka property, or a Myelin one by its raw key
 * myelin.sagas.place-order.starting-at=beginning
 * }</pre>
 *
 * <p>A setting left unset is Myelin's default; as a Spring binding object its getters return null
 * for an unset value.
 */
@ConfigurationProperties(MyelinProperties.PREFIX)
public class MyelinProperties {

    /** The prefix of these properties. */
    public static final String PREFIX = "myelin";

    /**
     * The application's name: lower-case letters, digits and dashes; it prefixes the topics and
     * Kafka Streams application ids. Defaults to spring.application.name.
     */
    private String application;
    /**
     * The Kafka cluster, host:port pairs separated by commas. Defaults to spring.kafka.bootstrap-servers.
     */
    private String bootstrapServers;
    /** The schema registry the application's Avro records are registered in. */
    private final SchemaRegistry schemaRegistry = new SchemaRegistry();
    /** The replication factor of the topics Myelin creates (default 3). */
    private Integer replicationFactor;
    /** The min.insync.replicas of the topics Myelin creates (default 2). */
    private Integer minInsyncReplicas;
    /** The partitions of the topics the event stores create (default 6). */
    private Integer partitions;
    /** Replication factor 1 and min.insync.replicas 1, for a single development broker. */
    private Boolean devMode;
    /** Where the runtimes keep their local stores (default .myelin/state under the working directory). */
    private Path stateDirectory;
    /** How long command ids are remembered, so that a retried command is not applied twice. */
    private Duration dedupRetention;
    /** How long a gateway waits for a command's result. */
    private Duration commandTimeout;
    /** The packages whose generated Avro classes records may decode into (default: any class). */
    private List<String> trustedPackages = new ArrayList<>();
    /**
     * Any other property: a Kafka Streams or client key passes through to every runtime, a myelin.*
     * key is one of Myelin's own (see Myelin.Builder.property).
     */
    private Map<String, String> properties = new LinkedHashMap<>();
    /** Per event store, by aggregate type name. */
    private Map<String, Runtime> eventStores = new LinkedHashMap<>();
    /** Per projection, by projection name. */
    private Map<String, Runtime> projections = new LinkedHashMap<>();
    /** Per saga runtime, by saga name. */
    private Map<String, Saga> sagas = new LinkedHashMap<>();

    /**
     * Returns the application's name.
     *
     * @return the name, or null when unset
     */
    public String getApplication() {
        return application;
    }

    /**
     * Sets the application's name.
     *
     * @param application the name
     */
    public void setApplication(String application) {
        this.application = application;
    }

    /**
     * Returns the Kafka cluster.
     *
     * @return host:port pairs, or null when unset
     */
    public String getBootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Sets the Kafka cluster.
     *
     * @param bootstrapServers host:port pairs, comma-separated
     */
    public void setBootstrapServers(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Returns the schema registry's settings.
     *
     * @return the settings
     */
    public SchemaRegistry getSchemaRegistry() {
        return schemaRegistry;
    }

    /**
     * Returns the replication factor of the topics Myelin creates.
     *
     * @return the factor, or null when unset
     */
    public Integer getReplicationFactor() {
        return replicationFactor;
    }

    /**
     * Sets the replication factor of the topics Myelin creates.
     *
     * @param replicationFactor the factor
     */
    public void setReplicationFactor(Integer replicationFactor) {
        this.replicationFactor = replicationFactor;
    }

    /**
     * Returns the min.insync.replicas of the topics Myelin creates.
     *
     * @return the count, or null when unset
     */
    public Integer getMinInsyncReplicas() {
        return minInsyncReplicas;
    }

    /**
     * Sets the min.insync.replicas of the topics Myelin creates.
     *
     * @param minInsyncReplicas the count
     */
    public void setMinInsyncReplicas(Integer minInsyncReplicas) {
        this.minInsyncReplicas = minInsyncReplicas;
    }

    /**
     * Returns the partitions of the topics the event stores create.
     *
     * @return the count, or null when unset
     */
    public Integer getPartitions() {
        return partitions;
    }

    /**
     * Sets the partitions of the topics the event stores create.
     *
     * @param partitions the count
     */
    public void setPartitions(Integer partitions) {
        this.partitions = partitions;
    }

    /**
     * Returns whether the application runs on a single development broker.
     *
     * @return the setting, or null when unset
     */
    public Boolean getDevMode() {
        return devMode;
    }

    /**
     * Sets whether the application runs on a single development broker.
     *
     * @param devMode true for replication factor 1
     */
    public void setDevMode(Boolean devMode) {
        this.devMode = devMode;
    }

    /**
     * Returns where the runtimes keep their local stores.
     *
     * @return the directory, or null when unset
     */
    public Path getStateDirectory() {
        return stateDirectory;
    }

    /**
     * Sets where the runtimes keep their local stores.
     *
     * @param stateDirectory the directory
     */
    public void setStateDirectory(Path stateDirectory) {
        this.stateDirectory = stateDirectory;
    }

    /**
     * Returns how long command ids are remembered.
     *
     * @return the retention, or null when unset
     */
    public Duration getDedupRetention() {
        return dedupRetention;
    }

    /**
     * Sets how long command ids are remembered.
     *
     * @param dedupRetention the retention
     */
    public void setDedupRetention(Duration dedupRetention) {
        this.dedupRetention = dedupRetention;
    }

    /**
     * Returns how long a gateway waits for a command's result.
     *
     * @return the timeout, or null when unset
     */
    public Duration getCommandTimeout() {
        return commandTimeout;
    }

    /**
     * Sets how long a gateway waits for a command's result.
     *
     * @param commandTimeout the timeout
     */
    public void setCommandTimeout(Duration commandTimeout) {
        this.commandTimeout = commandTimeout;
    }

    /**
     * Returns the packages whose generated classes records may decode into.
     *
     * @return the packages, empty for any
     */
    public List<String> getTrustedPackages() {
        return trustedPackages;
    }

    /**
     * Sets the packages whose generated classes records may decode into.
     *
     * @param trustedPackages the packages
     */
    public void setTrustedPackages(List<String> trustedPackages) {
        this.trustedPackages = trustedPackages;
    }

    /**
     * Returns the pass-through properties.
     *
     * @return the properties, by key
     */
    public Map<String, String> getProperties() {
        return properties;
    }

    /**
     * Sets the pass-through properties.
     *
     * @param properties the properties, by key
     */
    public void setProperties(Map<String, String> properties) {
        this.properties = properties;
    }

    /**
     * Returns the settings of each event store, by aggregate type name.
     *
     * @return the settings
     */
    public Map<String, Runtime> getEventStores() {
        return eventStores;
    }

    /**
     * Sets the settings of each event store.
     *
     * @param eventStores the settings, by aggregate type name
     */
    public void setEventStores(Map<String, Runtime> eventStores) {
        this.eventStores = eventStores;
    }

    /**
     * Returns the settings of each projection, by projection name.
     *
     * @return the settings
     */
    public Map<String, Runtime> getProjections() {
        return projections;
    }

    /**
     * Sets the settings of each projection.
     *
     * @param projections the settings, by projection name
     */
    public void setProjections(Map<String, Runtime> projections) {
        this.projections = projections;
    }

    /**
     * Returns the settings of each saga runtime, by saga name.
     *
     * @return the settings
     */
    public Map<String, Saga> getSagas() {
        return sagas;
    }

    /**
     * Sets the settings of each saga runtime.
     *
     * @param sagas the settings, by saga name
     */
    public void setSagas(Map<String, Saga> sagas) {
        this.sagas = sagas;
    }

    /** The schema registry: its Confluent-compatible API's url and credentials. */
    public static class SchemaRegistry {
        /** The url of the registry's Confluent-compatible API, such as http://registry:8080/apis/ccompat/v7. */
        private String url;
        /** The user of HTTP basic authentication. */
        private String username;
        /** The password of HTTP basic authentication. */
        private String password;
        /** A bearer token, instead of basic authentication. */
        private String bearerToken;

        /**
         * Returns the registry's url.
         *
         * @return the url, or null when unset
         */
        public String getUrl() {
            return url;
        }

        /**
         * Sets the registry's url.
         *
         * @param url the url
         */
        public void setUrl(String url) {
            this.url = url;
        }

        /**
         * Returns the basic authentication user.
         *
         * @return the user, or null when unset
         */
        public String getUsername() {
            return username;
        }

        /**
         * Sets the basic authentication user.
         *
         * @param username the user
         */
        public void setUsername(String username) {
            this.username = username;
        }

        /**
         * Returns the basic authentication password.
         *
         * @return the password, or null when unset
         */
        public String getPassword() {
            return password;
        }

        /**
         * Sets the basic authentication password.
         *
         * @param password the password
         */
        public void setPassword(String password) {
            this.password = password;
        }

        /**
         * Returns the bearer token.
         *
         * @return the token, or null when unset
         */
        public String getBearerToken() {
            return bearerToken;
        }

        /**
         * Sets the bearer token.
         *
         * @param bearerToken the token
         */
        public void setBearerToken(String bearerToken) {
            this.bearerToken = bearerToken;
        }
    }

    /** The settings of one event store or projection. */
    public static class Runtime {
        /** Whether the application starts it (default true). */
        private boolean enabled = true;

        /**
         * Returns whether the application starts it.
         *
         * @return true unless turned off
         */
        public boolean isEnabled() {
            return enabled;
        }

        /**
         * Sets whether the application starts it.
         *
         * @param enabled false to leave it to another instance or service
         */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** The settings of one saga runtime. */
    public static class Saga extends Runtime {
        /** Where a first deployment starts reading triggers: now (the default) or beginning. */
        private StartingAt startingAt;
        /** How long a finished saga stays in the store (default 7 days). */
        private Duration retainFinished;
        /** How often passed deadlines are looked for (default 100 ms). */
        private Duration deadlineCheckInterval;

        /**
         * Returns where a first deployment starts reading triggers.
         *
         * @return the position, or null when unset
         */
        public StartingAt getStartingAt() {
            return startingAt;
        }

        /**
         * Sets where a first deployment starts reading triggers.
         *
         * @param startingAt the position
         */
        public void setStartingAt(StartingAt startingAt) {
            this.startingAt = startingAt;
        }

        /**
         * Returns how long a finished saga stays in the store.
         *
         * @return the retention, or null when unset
         */
        public Duration getRetainFinished() {
            return retainFinished;
        }

        /**
         * Sets how long a finished saga stays in the store.
         *
         * @param retainFinished the retention
         */
        public void setRetainFinished(Duration retainFinished) {
            this.retainFinished = retainFinished;
        }

        /**
         * Returns how often passed deadlines are looked for.
         *
         * @return the interval, or null when unset
         */
        public Duration getDeadlineCheckInterval() {
            return deadlineCheckInterval;
        }

        /**
         * Sets how often passed deadlines are looked for.
         *
         * @param deadlineCheckInterval the interval
         */
        public void setDeadlineCheckInterval(Duration deadlineCheckInterval) {
            this.deadlineCheckInterval = deadlineCheckInterval;
        }
    }

    /** Where a saga runtime's first deployment starts reading its triggers. */
    public enum StartingAt {
        /** Triggers published from its first start on. */
        NOW,
        /** Every trigger still in the topic. */
        BEGINNING
    }
}
