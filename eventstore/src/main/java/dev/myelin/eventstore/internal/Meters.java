package dev.myelin.eventstore.internal;

import java.util.Objects;
import java.util.Optional;
import java.util.function.DoubleSupplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Where Myelin's runtimes count what they do, without naming Micrometer: Micrometer is an optional
 * dependency, so no class of it may load unless the application handed Myelin a {@code MeterRegistry}.
 * {@link #of} returns {@link #none()} then, and only otherwise loads {@link MicrometerMeters}, the one
 * class that speaks Micrometer. Every meter carries the tag {@code application}; callers add only
 * low-cardinality tags (aggregate type, projection, saga, step), never an aggregate id.
 *
 * <pre>{@code
 * Meters meters = Meters.of(config.meterRegistry(), config.application());
 * Meters.Count accepted = meters.counter(Meters.COMMANDS_ACCEPTED, "commands the aggregate accepted", "aggregate", "account");
 * accepted.increment();
 * }</pre>
 */
public interface Meters {
    /** Commands a gateway sent. */
    String COMMANDS_SENT = "myelin.commands.sent";
    /** Commands whose result was {@code Accepted}. */
    String COMMANDS_ACCEPTED = "myelin.commands.accepted";
    /** Commands whose result was {@code Rejected}. */
    String COMMANDS_REJECTED = "myelin.commands.rejected";
    /** Commands whose result was {@code Conflict}. */
    String COMMANDS_CONFLICTS = "myelin.commands.conflicts";
    /** Commands that got no result within their timeout. */
    String COMMANDS_TIMEOUTS = "myelin.commands.timeouts";
    /** Commands that failed otherwise: not sent, gateway stopped, result unreadable. */
    String COMMANDS_FAILED = "myelin.commands.failed";
    /** From send to result, per aggregate type. */
    String COMMANDS_LATENCY = "myelin.commands.latency";
    /** Retried commands the processor answered with their first result instead of deciding them again. */
    String COMMANDS_DEDUPLICATED = "myelin.commands.deduplicated";
    /** Events the processor appended. */
    String EVENTS_APPENDED = "myelin.events.appended";
    /** Reads of an aggregate's state from the event store, timed from the call to the decoded state. */
    String STATE_READS = "myelin.eventstore.state.reads";
    /** Reads of an aggregate's history from the event store, timed from the call to the decoded events. */
    String HISTORY_READS = "myelin.eventstore.history.reads";
    /** Command outcomes this instance keeps to answer retries with their first result. */
    String DEDUP_SIZE = "myelin.commands.dedup.size";
    /** Records written to a dead-letter topic, tagged with the topic and the runtime that wrote them. */
    String DEAD_LETTERS = "myelin.dead.letters";
    /** Events a projection folded into its view. */
    String PROJECTION_FOLDED = "myelin.projection.events.folded";
    /** Events a projection dead-lettered. */
    String PROJECTION_DEAD_LETTERS = "myelin.projection.dead.letters";
    /** Records a projection has still to fold, summed over its source partitions. */
    String PROJECTION_LAG = "myelin.projection.lag";
    /** How old the newest event a projection folded is, in seconds, while records wait; 0 once none wait. */
    String PROJECTION_LAG_TIME = "myelin.projection.lag.time";
    /** The share (0 to 1) of the events its sources held when it started that a projection has folded. */
    String PROJECTION_REBUILD_PROGRESS = "myelin.projection.rebuild.progress";
    /** Sagas started. */
    String SAGAS_STARTED = "myelin.sagas.started";
    /** Sagas whose every step succeeded. */
    String SAGAS_COMPLETED = "myelin.sagas.completed";
    /** Sagas undone by their compensations. */
    String SAGAS_COMPENSATED = "myelin.sagas.compensated";
    /** Sagas whose compensation could not be completed. */
    String SAGAS_FAILED = "myelin.sagas.failed";
    /** Saga steps answered, tagged with the step and its outcome. */
    String SAGA_STEPS = "myelin.saga.steps";
    /** From a saga step's first command to its answer, tagged with the step. */
    String SAGA_STEP_LATENCY = "myelin.saga.step.latency";
    /** Sagas on this instance waiting for a step's command (or its compensation), tagged with the step. */
    String SAGAS_IN_FLIGHT = "myelin.sagas.in.flight";
    /** Saga deadlines (timeouts, retries, retention ends) on this instance that passed and are not handled yet. */
    String SAGA_DEADLINES_DUE = "myelin.saga.deadlines.due";

    /** A counter. */
    interface Count {
        /**
         * Adds {@code amount}.
         *
         * @param amount how much, not negative
         */
        void add(double amount);

        /** Adds one. */
        default void increment() {
            add(1);
        }
    }

    /** A timer. */
    interface Latency {
        /**
         * Records one duration.
         *
         * @param nanos the duration in nanoseconds
         */
        void record(long nanos);
    }

    /**
     * Returns the meters of an application that handed Myelin no registry: every meter does nothing.
     *
     * @return meters that count nothing
     */
    static Meters none() {
        return NoMeters.INSTANCE;
    }

    /**
     * Returns the meters of {@code application}: bound to {@code registry} when present (which must be a
     * Micrometer {@code MeterRegistry}), otherwise {@link #none()}.
     *
     * @param registry    the application's registry, if it gave one
     * @param application the application's name, the tag {@code application} on every meter
     * @return the meters
     */
    static Meters of(Optional<?> registry, String application) {
        Objects.requireNonNull(application, "application");
        // the one place that may load Micrometer, and only with a registry in hand
        return registry.isPresent() ? MicrometerMeters.create(registry.get(), application) : none();
    }

    /**
     * Returns whether these meters record anything, so callers can skip work that only feeds them.
     *
     * @return false for {@link #none()}
     */
    boolean enabled();

    /**
     * Returns a counter, the same one for the same name and tags.
     *
     * @param name        the meter's name, such as {@link #COMMANDS_ACCEPTED}
     * @param description what it counts
     * @param tags        tag names and values, alternating
     * @return the counter
     */
    Count counter(String name, String description, String... tags);

    /**
     * Returns a timer with a histogram and the median, 95th and 99th percentiles.
     *
     * @param name        the meter's name
     * @param description what it times
     * @param tags        tag names and values, alternating
     * @return the timer
     */
    Latency timer(String name, String description, String... tags);

    /**
     * Registers a gauge read from {@code value} (NaN when it cannot tell) until the returned handle is closed.
     *
     * @param name        the meter's name
     * @param description what it shows
     * @param value       reads the value
     * @param tags        tag names and values, alternating
     * @return removes the gauge
     */
    AutoCloseable gauge(String name, String description, DoubleSupplier value, String... tags);

    /**
     * Binds Kafka Streams' own metrics (threads, tasks, stores and its clients) until the returned
     * handle is closed.
     *
     * @param streams the application, created
     * @param tags    tag names and values, alternating
     * @return unbinds them
     */
    AutoCloseable kafkaStreams(KafkaStreams streams, String... tags);

    /**
     * Binds a producer's own metrics until the returned handle is closed.
     *
     * @param producer the producer
     * @param tags     tag names and values, alternating
     * @return unbinds them
     */
    AutoCloseable kafkaProducer(Producer<?, ?> producer, String... tags);

    /**
     * Binds a consumer's own metrics until the returned handle is closed.
     *
     * @param consumer the consumer
     * @param tags     tag names and values, alternating
     * @return unbinds them
     */
    AutoCloseable kafkaConsumer(Consumer<?, ?> consumer, String... tags);

    /**
     * Closes {@code handle} (one {@link #gauge} or a binder returned), logging rather than throwing:
     * a meter must not stop a runtime from closing.
     *
     * @param handle the handle
     */
    static void release(AutoCloseable handle) {
        try {
            handle.close();
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(Meters.class).warn("could not unbind meters: {}", e.toString());
        }
    }
}
