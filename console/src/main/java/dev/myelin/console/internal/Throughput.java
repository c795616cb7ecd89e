package dev.myelin.console.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Turns counters into rates for the overview: each reading of a counter is kept for a few seconds, and
 * the rate is what it grew by over the readings kept, per second. The page reads the overview every
 * second, so the figure is live; a counter read once (or not counted at all) has no rate yet.
 */
final class Throughput {
    /** How far back a rate looks: long enough to smooth commits, short enough to show a stop soon. */
    static final Duration WINDOW = Duration.ofSeconds(5);
    private static final long MIN_SPAN = Duration.ofMillis(500).toNanos();

    private record Reading(long at, double count) {
    }

    private final LongSupplier clock;
    private final Map<String, Deque<Reading>> readings = new ConcurrentHashMap<>();

    Throughput(LongSupplier clock) {
        this.clock = clock;
    }

    /**
     * Records a counter's reading and returns its rate, as JSON: a number per second with one decimal,
     * or null while there is none (no meters, or the first reading).
     *
     * @param key   names the counter
     * @param count its value now, empty without meters
     * @return the rate
     */
    JsonNode rate(String key, OptionalDouble count) {
        if (count.isEmpty()) {
            return ValueJson.MAPPER.getNodeFactory().nullNode();
        }
        long now = clock.getAsLong();
        Deque<Reading> kept = readings.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (kept) {
            kept.addLast(new Reading(now, count.getAsDouble()));
            while (kept.size() > 1 && now - kept.peekFirst().at() > WINDOW.toNanos()) {
                kept.removeFirst();
            }
            Reading first = kept.peekFirst();
            long span = now - first.at();
            if (span < MIN_SPAN) {
                return ValueJson.MAPPER.getNodeFactory().nullNode();
            }
            double perSecond = Math.max(0, count.getAsDouble() - first.count()) * 1e9 / span;
            return ValueJson.MAPPER.getNodeFactory().numberNode(Math.round(perSecond * 10) / 10.0);
        }
    }
}
