package dev.myelin.sagas.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import dev.myelin.eventstore.internal.Meters;

/**
 * A saga runtime's gauges, read from this instance's stores: sagas in flight at each step (tags
 * {@code saga}, {@code step}) and deadlines that passed and wait to be handled (tag {@code saga}).
 * Counting the sagas in flight scans the saga store, so one scan serves every step's gauge for
 * {@link #FRESH_MILLIS}; the deadlines due are a range of the deadline index, which is ordered by time.
 * NaN while the stores cannot be read (starting, rebalancing, closed).
 */
final class SagaGauges {
    /** How long one scan of the saga store serves the in-flight gauges. */
    static final long FRESH_MILLIS = 5_000;

    private final DefaultSagaDefinition<?, ?> definition;
    private final KafkaStreams streams;
    private Map<String, Long> inFlight = Map.of();
    private long scannedAt = Long.MIN_VALUE;
    private boolean readable;

    private SagaGauges(DefaultSagaDefinition<?, ?> definition, KafkaStreams streams) {
        this.definition = definition;
        this.streams = streams;
    }

    /**
     * Registers the gauges of {@code definition}'s runtime on {@code meters}.
     *
     * @return the handles that remove them
     */
    static List<AutoCloseable> register(Meters meters, DefaultSagaDefinition<?, ?> definition, KafkaStreams streams) {
        List<AutoCloseable> handles = new ArrayList<>();
        if (!meters.enabled()) {
            return handles;
        }
        SagaGauges gauges = new SagaGauges(definition, streams);
        for (String step : definition.stepNames()) {
            handles.add(meters.gauge(Meters.SAGAS_IN_FLIGHT, "sagas waiting for this step's command or its compensation",
                    () -> gauges.inFlight(step), "saga", definition.name(), "step", step));
        }
        handles.add(meters.gauge(Meters.SAGA_DEADLINES_DUE, "saga deadlines that passed and are not handled yet",
                gauges::deadlinesDue, "saga", definition.name()));
        return handles;
    }

    private synchronized double inFlight(String step) {
        long now = System.currentTimeMillis();
        if (now - scannedAt >= FRESH_MILLIS || scannedAt == Long.MIN_VALUE) {
            scan();
            scannedAt = now;
        }
        return readable ? inFlight.getOrDefault(step, 0L) : Double.NaN;
    }

    private void scan() {
        Map<String, Long> counts = new HashMap<>();
        try (KeyValueIterator<String, byte[]> all = this.<String>store(SagaTopology.SAGAS_STORE).all()) {
            while (all.hasNext()) {
                for (String step : SagaStates.inFlight(definition, all.next().value)) {
                    counts.merge(step, 1L, Long::sum);
                }
            }
            inFlight = counts;
            readable = true;
        } catch (RuntimeException e) {
            readable = false;
        }
    }

    private double deadlinesDue() {
        // the index's keys begin with the deadline, big-endian: every key up to "now" is a deadline passed
        Bytes from = Bytes.wrap(ByteBuffer.allocate(8).putLong(0).array());
        Bytes to = Bytes.wrap(ByteBuffer.allocate(8).putLong(System.currentTimeMillis()).array());
        long due = 0;
        try (KeyValueIterator<Bytes, byte[]> passed = this.<Bytes>store(SagaTopology.DEADLINES_STORE).range(from, to)) {
            while (passed.hasNext()) {
                passed.next();
                due++;
            }
            return due;
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private <K> ReadOnlyKeyValueStore<K, byte[]> store(String name) {
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<K, byte[]>keyValueStore()));
    }
}
