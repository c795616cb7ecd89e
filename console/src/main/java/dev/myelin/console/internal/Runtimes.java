package dev.myelin.console.internal;

import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import dev.myelin.eventstore.EventStore;
import dev.myelin.processors.Projection;
import dev.myelin.processors.RunningProjection;
import dev.myelin.sagas.SagaRuntime;

/**
 * What the console shows: an application's name and the runtimes it started. The application object
 * is one; a unit test gives its own without a broker.
 */
public interface Runtimes {
    /** Returns the application's name. */
    String application();

    /** Returns the event stores, in start order. */
    List<EventStore<?, ?, ?>> eventStores();

    /** Returns the projections, in start order. */
    List<RunningProjection<?, ?>> projections();

    /** Returns the saga runtimes, in start order. */
    List<SagaRuntime<?, ?>> sagas();

    /**
     * Returns the sum of the application's counters named {@code meter} tagged {@code tag=value}, such
     * as {@code myelin.events.appended} of {@code aggregate=order}.
     *
     * @param meter the counter's name
     * @param tag   a tag key
     * @param value its value
     * @return the sum, or empty when the application counts nothing (it has no meter registry)
     */
    default OptionalDouble counted(String meter, String tag, String value) {
        return OptionalDouble.empty();
    }

    /**
     * Starts a projection in the application, as the application starts its own (a rebuild's next version).
     *
     * @param projection the projection
     * @return it, running
     */
    RunningProjection<?, ?> startProjection(Projection<?, ?> projection);

    /**
     * Returns every committed record of a topic of the application, from its start to its current end.
     *
     * @param topic   the topic
     * @param timeout how long reading may take
     * @return the records
     */
    List<ConsumerRecord<byte[], byte[]>> readTopic(String topic, Duration timeout);
}
