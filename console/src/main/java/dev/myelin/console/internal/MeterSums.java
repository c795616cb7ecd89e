package dev.myelin.console.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Reads counters off an application's Micrometer registry. The only class of the console that names a
 * Micrometer type: it is loaded only for an application that has a registry, so an application without
 * Micrometer on its class path runs the console all the same.
 */
public final class MeterSums {
    private MeterSums() {
    }

    /**
     * Returns the sum of the counters named {@code name} with the tag {@code tag=value}.
     *
     * @param registry a {@code MeterRegistry}
     * @param name     the counter's name
     * @param tag      a tag key
     * @param value    its value
     * @return the sum; 0 when none is registered
     */
    public static double sum(Object registry, String name, String tag, String value) {
        return ((MeterRegistry) registry).find(name).tag(tag, value).counters().stream().mapToDouble(Counter::count).sum();
    }
}
