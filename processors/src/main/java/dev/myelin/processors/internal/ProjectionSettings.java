package dev.myelin.processors.internal;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

import dev.myelin.eventstore.internal.Telemetry;

/**
 * The engine's view of a {@link dev.myelin.processors.ProjectionConfig}, which the config makes of
 * itself so that it needs no getters: what the runtime reads, checked already by the config's builder.
 *
 * @param streamsProperties   the Kafka Streams and client properties, without Myelin's
 * @param application         the application-id prefix, empty when none
 * @param createTopics        whether missing output topics are created
 * @param closeTimeout        how long close waits
 * @param queryHost           the host to serve and advertise queries on, null when queries stay local
 * @param queryPort           the query port, 0 for any free one
 * @param queryTimeout        how long a routed query may take
 * @param queryCacheTime      how long remote answers are cached; zero for not at all
 * @param deadLetterRetention how long the dead-letter topic keeps a dead letter
 * @param telemetry           where the projection counts and opens spans; {@link Telemetry#none()} without either
 */
public record ProjectionSettings(Map<String, Object> streamsProperties, String application, boolean createTopics,
                                 Duration closeTimeout, String queryHost, int queryPort, Duration queryTimeout,
                                 Duration queryCacheTime, Duration deadLetterRetention, Telemetry telemetry) {

    /**
     * Checks the settings and copies the properties.
     */
    public ProjectionSettings {
        streamsProperties = Map.copyOf(streamsProperties);
        Objects.requireNonNull(application, "application");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        Objects.requireNonNull(queryTimeout, "queryTimeout");
        Objects.requireNonNull(queryCacheTime, "queryCacheTime");
        Objects.requireNonNull(deadLetterRetention, "deadLetterRetention");
        Objects.requireNonNull(telemetry, "telemetry");
    }

    /**
     * Returns whether views are served to, and routed from, other instances.
     *
     * @return true when a query host is set
     */
    public boolean servesQueries() {
        return queryHost != null;
    }
}
