package dev.myelin.eventstore.internal;

import java.util.function.DoubleSupplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;

/** The meters of an application without a registry: each does nothing, and no Micrometer class loads. */
final class NoMeters implements Meters {
    static final NoMeters INSTANCE = new NoMeters();
    private static final Count COUNT = amount -> { };
    private static final Latency LATENCY = nanos -> { };
    private static final AutoCloseable NOTHING = () -> { };

    private NoMeters() {
    }

    @Override
    public boolean enabled() {
        return false;
    }

    @Override
    public Count counter(String name, String description, String... tags) {
        return COUNT;
    }

    @Override
    public Latency timer(String name, String description, String... tags) {
        return LATENCY;
    }

    @Override
    public AutoCloseable gauge(String name, String description, DoubleSupplier value, String... tags) {
        return NOTHING;
    }

    @Override
    public AutoCloseable kafkaStreams(KafkaStreams streams, String... tags) {
        return NOTHING;
    }

    @Override
    public AutoCloseable kafkaProducer(Producer<?, ?> producer, String... tags) {
        return NOTHING;
    }

    @Override
    public AutoCloseable kafkaConsumer(Consumer<?, ?> consumer, String... tags) {
        return NOTHING;
    }
}
