package dev.myelin.eventstore.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import org.apache.kafka.streams.KafkaStreams;

import dev.myelin.eventstore.Health;

/**
 * The health of a Kafka Streams runtime, from what its state listener, its uncaught-exception handler
 * and its holds report: failed when Kafka Streams stopped without being closed; degraded while a
 * partition is held for the schema registry, while it starts or rebalances, for a minute after a
 * stream thread was replaced, and once closed; running otherwise. Thread-safe: Kafka Streams' threads
 * report, any thread reads.
 */
public final class StreamsHealth {
    /** How long a replaced stream thread keeps the runtime degraded. */
    private static final Duration RECENT = Duration.ofMinutes(1);

    private record Replaced(Throwable error, Instant at) {
    }

    private final String runtime;
    private final Holds holds;
    private final Function<String, ? extends RuntimeException> stopped;
    private volatile boolean everRunning;
    private volatile Instant stateSince = Instant.now();
    private volatile Replaced lastReplaced;
    private volatile Instant closedAt;
    private volatile Throwable failure;

    /**
     * Creates the health of one runtime.
     *
     * @param runtime the runtime, for the reasons, such as "saga runtime shop.saga.place-order"
     * @param holds   its held partitions
     * @param stopped makes the cause of a runtime found stopped with no failure recorded, from a message
     */
    public StreamsHealth(String runtime, Holds holds, Function<String, ? extends RuntimeException> stopped) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
        this.holds = Objects.requireNonNull(holds, "holds");
        this.stopped = Objects.requireNonNull(stopped, "stopped");
    }

    /**
     * Records a state change of Kafka Streams.
     *
     * @param now the new state
     */
    public void stateChanged(KafkaStreams.State now) {
        stateSince = Instant.now();
        if (now == KafkaStreams.State.RUNNING) {
            everRunning = true;
        }
    }

    /**
     * Records that a stream thread died of {@code error} and is replaced.
     *
     * @param error why it died
     */
    public void replaced(Throwable error) {
        lastReplaced = new Replaced(error, Instant.now());
    }

    /**
     * Records that the runtime stopped for good.
     *
     * @param cause why
     */
    public void failed(Throwable cause) {
        failure = Objects.requireNonNull(cause, "cause");
    }

    /** Records that the runtime's owner closed it; the first close counts. */
    public synchronized void closed() {
        if (closedAt == null) {
            closedAt = Instant.now();
        }
    }

    /**
     * Returns whether Kafka Streams has run at least once.
     *
     * @return true after the first RUNNING
     */
    public boolean everRunning() {
        return everRunning;
    }

    /**
     * Returns why the runtime stopped for good, if it did.
     *
     * @return the cause, or empty
     */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Returns the health, given Kafka Streams' state now.
     *
     * @param state    Kafka Streams' state
     * @param starting what the runtime does before it first runs, such as "restoring the saga store"
     * @return the health
     */
    public Health health(KafkaStreams.State state, String starting) {
        switch (state) {
            case PENDING_ERROR, ERROR:
                return Health.failed(failure != null ? failure : stopped.apply(runtime
                        + " is in Kafka Streams state " + state + "; see the log, then start it again"));
            case PENDING_SHUTDOWN, NOT_RUNNING:
                if (failure != null) {
                    return Health.failed(failure);
                }
                Instant closed = closedAt;
                if (closed != null) {
                    return Health.degraded("stopped: closed by its owner", closed);
                }
                return Health.failed(stopped.apply(runtime + " stopped without being closed (Kafka Streams state "
                        + state + "); see the log, then start it again"));
            default:
                break;
        }
        Optional<Holds.Held> held = holds.oldest();
        if (held.isPresent()) {
            Holds.Held h = held.get();
            return Health.degraded("partition " + h.partition() + " is held at the record at " + h.event()
                    + " because the schema registry is unavailable (" + h.cause() + "); it resumes by itself when the"
                    + " registry answers", h.since());
        }
        if (state == KafkaStreams.State.CREATED || state == KafkaStreams.State.REBALANCING) {
            return Health.degraded(everRunning ? "rebalancing: partitions are moving between instances" : "starting: " + starting,
                    stateSince);
        }
        Replaced replaced = lastReplaced;
        if (replaced != null && replaced.at().isAfter(Instant.now().minus(RECENT))) {
            return Health.degraded("a stream thread was replaced after " + replaced.error()
                    + "; its tasks read again from their last commit", replaced.at());
        }
        return Health.running();
    }
}
