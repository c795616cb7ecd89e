package dev.myelin.spring.boot.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.apache.kafka.clients.CommonClientConfigs;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

import dev.myelin.application.Myelin;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.schemas.AvroSerdeConfig;
import dev.myelin.schemas.SchemaRegistryConfig;
import dev.myelin.spring.boot.MyelinProperties;

/**
 * Turns the bound {@code myelin.*} properties into the application's name and the one map of
 * properties {@link Myelin.Builder#properties} takes, with Spring's fallbacks
 * ({@code spring.application.name}, {@code spring.kafka.bootstrap-servers}).
 *
 * @param name       the application's name
 * @param properties Myelin's properties, by their raw keys
 */
public record ApplicationSettings(String name, Map<String, Object> properties) {

    /** Spring for Apache Kafka's cluster property, read when myelin.bootstrap-servers is not set. */
    public static final String SPRING_KAFKA_SERVERS = "spring.kafka.bootstrap-servers";
    private static final String SPRING_APPLICATION_NAME = "spring.application.name";

    /**
     * Creates the value.
     *
     * @throws NullPointerException if an argument is null
     */
    public ApplicationSettings {
        Objects.requireNonNull(name, "name");
        properties = Map.copyOf(properties);
    }

    /**
     * Reads the settings.
     *
     * @param bound       the bound properties
     * @param environment the environment, for Spring's fallbacks
     * @return the settings
     * @throws IllegalStateException if the application has no name
     */
    public static ApplicationSettings of(MyelinProperties bound, Environment environment) {
        String name = bound.getApplication();
        if (name == null || name.isBlank()) {
            name = environment.getProperty(SPRING_APPLICATION_NAME);
        }
        if (name == null || name.isBlank()) {
            throw new IllegalStateException("myelin.application is not set (nor spring.application.name): it names the Myelin"
                    + " application and prefixes its topics; set it, for example myelin.application=bank");
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        String servers = bound.getBootstrapServers();
        if (servers == null || servers.isBlank()) {
            servers = Binder.get(environment).bind(SPRING_KAFKA_SERVERS, Bindable.listOf(String.class))
                    .map(list -> String.join(",", list)).orElse(null);
        }
        put(properties, CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, servers);
        MyelinProperties.SchemaRegistry registry = bound.getSchemaRegistry();
        put(properties, SchemaRegistryConfig.URL, registry.getUrl());
        if (registry.getUsername() != null || registry.getPassword() != null) {
            properties.put(SchemaRegistryConfig.BASIC_AUTH_USER_INFO,
                    Objects.requireNonNullElse(registry.getUsername(), "") + ":" + Objects.requireNonNullElse(registry.getPassword(), ""));
        }
        put(properties, SchemaRegistryConfig.BEARER_TOKEN, registry.getBearerToken());
        put(properties, MyelinConfig.REPLICATION_FACTOR, bound.getReplicationFactor());
        put(properties, MyelinConfig.MIN_INSYNC_REPLICAS, bound.getMinInsyncReplicas());
        put(properties, MyelinConfig.PARTITIONS, bound.getPartitions());
        put(properties, MyelinConfig.DEV_MODE, bound.getDevMode());
        put(properties, Myelin.STATE_DIR, bound.getStateDirectory() == null ? null : bound.getStateDirectory().toString());
        put(properties, MyelinConfig.DEDUP_RETENTION_MS, bound.getDedupRetention() == null ? null : bound.getDedupRetention().toMillis());
        put(properties, MyelinConfig.COMMAND_TIMEOUT_MS, bound.getCommandTimeout() == null ? null : bound.getCommandTimeout().toMillis());
        List<String> trusted = bound.getTrustedPackages();
        if (!trusted.isEmpty()) {
            properties.put(AvroSerdeConfig.TRUSTED_PACKAGES, String.join(",", trusted));
        }
        bound.getProperties().forEach((key, value) -> {
            if (properties.containsKey(key)) {
                throw new IllegalStateException("myelin.properties." + key + " sets what another myelin.* property sets already;"
                        + " keep one of them");
            }
            properties.put(key, value);
        });
        return new ApplicationSettings(name.trim(), properties);
    }

    /**
     * Returns a builder of the application these settings describe.
     *
     * @return the builder, with every property set
     * @throws IllegalArgumentException as {@link Myelin#application} and {@link Myelin.Builder#property}
     */
    public Myelin.Builder builder() {
        return Myelin.application(name).properties(properties);
    }

    private static void put(Map<String, Object> properties, String key, Object value) {
        if (value != null) {
            properties.put(key, value);
        }
    }
}
