package dev.myelin.eventstore.internal;

import java.util.Objects;

import dev.myelin.eventstore.MyelinConfig;

/**
 * What a runtime reports besides its health: its {@link Meters} and its {@link Tracing}, each a no-op
 * when the application gave no Micrometer registry or no OpenTelemetry.
 *
 * <pre>{@code
 * Telemetry telemetry = Telemetry.of(config);
 * telemetry.meters().counter(Meters.EVENTS_APPENDED, "events appended", "aggregate", "account").increment();
 * }</pre>
 *
 * @param meters  where the runtime counts
 * @param tracing where the runtime opens spans
 */
public record Telemetry(Meters meters, Tracing tracing) {
    private static final Telemetry NONE = new Telemetry(Meters.none(), Tracing.none());

    /**
     * Checks the parts.
     *
     * @throws NullPointerException if a part is null
     */
    public Telemetry {
        Objects.requireNonNull(meters, "meters");
        Objects.requireNonNull(tracing, "tracing");
    }

    /**
     * Returns telemetry that records nothing.
     *
     * @return no meters, no spans
     */
    public static Telemetry none() {
        return NONE;
    }

    /**
     * Returns the telemetry of the runtimes started with {@code config}.
     *
     * @param config the application's configuration
     * @return its meters and tracing
     */
    public static Telemetry of(MyelinConfig config) {
        return new Telemetry(Meters.of(config.meterRegistry(), config.application()), Tracing.of(config.openTelemetry()));
    }
}
