package dev.myelin.eventstore.internal;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.CommandTimeoutException;

/**
 * A gateway's meters, tagged with its aggregate type: commands sent and how each ended (accepted,
 * rejected, conflict, timeout, failed), the round trip of those that got a result, and its producer's
 * and result reader's own Kafka metrics.
 */
final class GatewayMeters {
    private final Meters meters;
    private final String aggregate;
    private final Meters.Count sent;
    private final Meters.Count accepted;
    private final Meters.Count rejected;
    private final Meters.Count conflicts;
    private final Meters.Count timeouts;
    private final Meters.Count failed;
    private final Meters.Latency latency;
    private final List<AutoCloseable> bound = new ArrayList<>();

    GatewayMeters(Meters meters, String aggregate) {
        this.meters = meters;
        this.aggregate = aggregate;
        this.sent = meters.counter(Meters.COMMANDS_SENT, "commands sent through the gateway", "aggregate", aggregate);
        this.accepted = meters.counter(Meters.COMMANDS_ACCEPTED, "commands the aggregate accepted", "aggregate", aggregate);
        this.rejected = meters.counter(Meters.COMMANDS_REJECTED, "commands the aggregate rejected", "aggregate", aggregate);
        this.conflicts = meters.counter(Meters.COMMANDS_CONFLICTS, "commands whose expected version did not match",
                "aggregate", aggregate);
        this.timeouts = meters.counter(Meters.COMMANDS_TIMEOUTS, "commands with no result within their timeout", "aggregate", aggregate);
        this.failed = meters.counter(Meters.COMMANDS_FAILED, "commands that failed without a result (not sent, gateway stopped)",
                "aggregate", aggregate);
        this.latency = meters.timer(Meters.COMMANDS_LATENCY, "from sending a command to reading its result", "aggregate", aggregate);
    }

    /** Binds the clients' own metrics. */
    void bind(Producer<?, ?> producer, Consumer<?, ?> consumer) {
        bound.add(meters.kafkaProducer(producer, "aggregate", aggregate));
        bound.add(meters.kafkaConsumer(consumer, "aggregate", aggregate));
    }

    /**
     * Counts a command sent.
     *
     * @return when, for {@link #completed}
     */
    long sent() {
        sent.increment();
        return System.nanoTime();
    }

    /** Counts how a command sent at {@code sentAt} ended: with {@code result}, or failed with {@code error}. */
    void completed(long sentAt, CommandResult<?> result, Throwable error) {
        if (result != null) {
            latency.record(System.nanoTime() - sentAt);
            if (result instanceof CommandResult.Accepted<?>) {
                accepted.increment();
            } else if (result instanceof CommandResult.Rejected<?>) {
                rejected.increment();
            } else {
                conflicts.increment();
            }
        } else if (error instanceof CommandTimeoutException) {
            timeouts.increment();
        } else {
            failed.increment();
        }
    }

    /** Unbinds the clients' metrics. */
    void close() {
        bound.forEach(Meters::release);
        bound.clear();
    }
}
