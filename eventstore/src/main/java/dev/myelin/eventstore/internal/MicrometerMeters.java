package dev.myelin.eventstore.internal;

import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;

/**
 * Myelin's meters on a Micrometer registry; the only class of Myelin that names Micrometer, loaded
 * only by {@link Meters#of} with a registry in hand.
 */
final class MicrometerMeters implements Meters {
    private final MeterRegistry registry;
    private final Tags common;

    private MicrometerMeters(MeterRegistry registry, String application) {
        this.registry = registry;
        this.common = Tags.of("application", application);
    }

    static Meters create(Object registry, String application) {
        if (!(registry instanceof MeterRegistry r)) {
            throw new IllegalArgumentException("not a Micrometer MeterRegistry: " + registry);
        }
        return new MicrometerMeters(r, application);
    }

    private Tags tags(String... tags) {
        return common.and(Tags.of(Objects.requireNonNull(tags, "tags")));
    }

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public Count counter(String name, String description, String... tags) {
        Counter counter = Counter.builder(name).description(description).tags(tags(tags)).register(registry);
        return counter::increment;
    }

    @Override
    public Latency timer(String name, String description, String... tags) {
        Timer timer = Timer.builder(name).description(description).tags(tags(tags))
                .publishPercentiles(0.5, 0.95, 0.99).publishPercentileHistogram().register(registry);
        return nanos -> timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public AutoCloseable gauge(String name, String description, DoubleSupplier value, String... tags) {
        // a strong reference: the gauge lives until its runtime removes it, not until the next garbage collection
        Gauge gauge = Gauge.builder(name, value, DoubleSupplier::getAsDouble).description(description).tags(tags(tags))
                .strongReference(true).register(registry);
        return () -> registry.remove(gauge);
    }

    @Override
    public AutoCloseable kafkaStreams(KafkaStreams streams, String... tags) {
        KafkaStreamsMetrics binder = new KafkaStreamsMetrics(streams, tags(tags));
        binder.bindTo(registry);
        return binder;
    }

    @Override
    public AutoCloseable kafkaProducer(Producer<?, ?> producer, String... tags) {
        KafkaClientMetrics binder = new KafkaClientMetrics(producer, tags(tags));
        binder.bindTo(registry);
        return binder;
    }

    @Override
    public AutoCloseable kafkaConsumer(Consumer<?, ?> consumer, String... tags) {
        KafkaClientMetrics binder = new KafkaClientMetrics(consumer, tags(tags));
        binder.bindTo(registry);
        return binder;
    }
}
