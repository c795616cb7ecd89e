package dev.myelin.eventstore.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.MyelinConfig;

/**
 * How every Myelin runtime (the event store's command processor, a projection, a saga runtime)
 * brings up its Kafka Streams application, so the three start, report and recover alike: the
 * properties (the runtime's own defaults, the user's over them, then exactly-once and
 * {@link StreamsDefaults}), the processing-exception handler a runtime insists on, the state
 * listener and the stream-thread replacement that feed {@link StreamsHealth}, and the wait for
 * RUNNING.
 *
 * <pre>{@code
 * Properties props = StreamsBootstrap.properties("saga runtime " + id, id, config.properties(),
 *         StreamsBootstrap.clusterDefaults(config, stateDirectory));
 * KafkaStreams streams = new KafkaStreams(topology, props);
 * CountDownLatch running = StreamsBootstrap.observe(streams, "saga runtime " + id, health, () -> { });
 * StreamsBootstrap.startAndAwait(streams, running, StreamsBootstrap.START_TIMEOUT, "saga runtime " + id, IllegalStateException::new);
 * }</pre>
 */
public final class StreamsBootstrap {
    private static final Logger log = LoggerFactory.getLogger(StreamsBootstrap.class);

    /** How long a saga runtime or projection may take to start running (an event store, restoring more, waits longer). */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private StreamsBootstrap() {
    }

    /**
     * Returns the settings a runtime takes from the application's configuration unless the user sets
     * them: the bootstrap servers, the replication factor and {@code min.insync.replicas} of its
     * internal topics (its stores' changelogs are as durable as the event store's), and its state
     * directory.
     *
     * @param config         the application's configuration
     * @param stateDirectory Kafka Streams' {@code state.dir}, or empty for its default
     * @return the settings, to pass as {@code defaults} to {@link #properties}
     */
    public static Map<String, Object> clusterDefaults(MyelinConfig config, Optional<Path> stateDirectory) {
        Map<String, Object> defaults = new HashMap<>();
        defaults.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        defaults.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.replicationFactor());
        defaults.put(StreamsConfig.topicPrefix("min.insync.replicas"), Integer.toString(config.minInsyncReplicas()));
        stateDirectory.ifPresent(dir -> defaults.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString()));
        return defaults;
    }

    /**
     * Returns a runtime's Kafka Streams properties: {@code defaults}, the user's {@code properties}
     * over them, then its application id, {@code exactly_once_v2} unless the user chose otherwise
     * (which {@link GuaranteeCheck} lets through only when told to), and {@link StreamsDefaults}.
     *
     * @param runtime       what starts, for the messages, such as "projection balances"
     * @param applicationId the Kafka Streams application id
     * @param properties    the user's properties, {@code myelin.*} keys included
     * @param defaults      the runtime's own settings, which the user may override
     * @return the properties
     * @throws WeakerGuaranteeException if the user's properties weaken a guarantee without the escape hatch
     */
    public static Properties properties(String runtime, String applicationId, Map<?, ?> properties, Map<String, ?> defaults) {
        GuaranteeCheck.verify(properties, runtime);
        Properties props = new Properties();
        props.putAll(defaults);
        props.putAll(properties);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.putIfAbsent(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.remove(MyelinConfig.ALLOW_WEAKER_GUARANTEES); // checked above; not a Kafka setting
        StreamsDefaults.applyTo(props);
        return props;
    }

    /**
     * Sets the processing-exception handler a runtime needs, warning when it replaces the user's.
     *
     * @param properties the runtime's properties
     * @param handler    the handler
     * @param runtime    what starts, for the warning
     * @param why        why the runtime ignores another handler
     */
    public static void useProcessingExceptionHandler(Properties properties, Class<?> handler, String runtime, String why) {
        Object previous = properties.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, handler.getName());
        if (previous != null && !handler.getName().equals(previous.toString()) && !handler.equals(previous)) {
            log.warn("{} ignores {}={}: {}", runtime, StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, previous, why);
        }
    }

    /**
     * Reports {@code streams}' state changes to {@code health} (and the log), and replaces each stream
     * thread that dies ({@link #replaceThread}); a runtime with other answers sets its own handler afterwards.
     *
     * @param streams  the application, not started yet
     * @param runtime  what runs, for the log
     * @param health   its health
     * @param onChange also run at each state change, such as waking those who wait for a state
     * @return a latch released once the application runs, or fails, for {@link #startAndAwait}
     */
    public static CountDownLatch observe(KafkaStreams streams, String runtime, StreamsHealth health, Runnable onChange) {
        CountDownLatch running = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            health.stateChanged(now);
            log.info("{} is {} (was {})", runtime, now, before);
            // ERROR: no need to wait out the timeout to know it will not run
            if (now == KafkaStreams.State.RUNNING || now == KafkaStreams.State.ERROR) {
                running.countDown();
            }
            onChange.run();
        });
        streams.setUncaughtExceptionHandler(error -> replaceThread(runtime, health, error));
        return running;
    }

    /**
     * Answers a stream thread's death by replacing it, never by shutting the runtime down: under
     * exactly_once_v2 the failed task's transaction aborts and the new thread reads again from the
     * last commit. A held partition comes here only by accident (a hold fences the thread, and
     * {@link Holds} has logged it); anything else is recorded in {@code health}.
     *
     * @param runtime what runs, for the log
     * @param health  its health
     * @param error   why the thread died
     * @return {@link StreamThreadExceptionResponse#REPLACE_THREAD}
     */
    public static StreamThreadExceptionResponse replaceThread(String runtime, StreamsHealth health, Throwable error) {
        if (Holds.isHold(error)) {
            log.debug("{}: replacing the stream thread of a held partition", runtime, error);
        } else {
            health.replaced(error);
            log.error("{}: a stream thread died and is replaced; it reads again from the last commit", runtime, error);
        }
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /**
     * Starts {@code streams} and waits until it runs; closes it when it does not.
     *
     * @param streams the application
     * @param running the latch {@link #observe} returned for it
     * @param timeout how long to wait
     * @param runtime what starts, for the messages
     * @param failure makes the runtime's exception from a message and a cause (null but when interrupted)
     * @throws RuntimeException the one {@code failure} makes, if it does not run within {@code timeout}
     */
    public static void startAndAwait(KafkaStreams streams, CountDownLatch running, Duration timeout, String runtime,
                                     BiFunction<String, Throwable, ? extends RuntimeException> failure) {
        streams.start();
        try {
            if (!running.await(timeout.toMillis(), TimeUnit.MILLISECONDS) || streams.state() != KafkaStreams.State.RUNNING) {
                streams.close(Duration.ofSeconds(10));
                throw failure.apply(runtime + " did not reach RUNNING within " + timeout + " (state " + streams.state()
                        + "); check the broker, then see the log", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            streams.close(Duration.ofSeconds(10));
            throw failure.apply("interrupted while starting " + runtime, e);
        }
    }
}
