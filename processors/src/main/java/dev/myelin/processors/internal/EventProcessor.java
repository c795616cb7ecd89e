package dev.myelin.processors.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.internal.Faults;
import dev.myelin.eventstore.internal.Holds;
import dev.myelin.eventstore.internal.Meters;
import dev.myelin.eventstore.internal.Telemetry;
import dev.myelin.eventstore.internal.Tracing;
import dev.myelin.processors.DeadLetter;
import dev.myelin.processors.ErrorPolicy;
import dev.myelin.processors.EventHandler;
import dev.myelin.processors.ProjectionFailedException;
import dev.myelin.schemas.EventMetadata;
import dev.myelin.schemas.RecordOrigin;
import dev.myelin.schemas.SchemaRegistryUnavailableException;

/**
 * What the re-keying and the folding processors share: decoding an event with its metadata, and
 * turning a failure into a dead letter (or a stop, under the fail-fast policy).
 *
 * @param <K> the view key type
 * @param <E> the event type
 * @param <V> the view type
 */
abstract class EventProcessor<K, E, V> implements Processor<byte[], byte[], Object, Routed> {

    private static final Logger LOG = LoggerFactory.getLogger(EventProcessor.class);

    /** The first wait for the registry; short, since most outages seen here are a restart or a blip. */
    private static final long FIRST_WAIT_MS = 50;
    private static final long MAX_WAIT_MS = 2_000;

    final ProjectionDefinition<K, E, V> definition;
    final Holds holds;
    private final int maxRequestSize;
    private final Meters.Count deadLettered;
    private final Meters.Count deadLetters;
    final Meters meters;
    final Tracing tracing;
    ProcessorContext<Object, Routed> context;

    EventProcessor(ProjectionDefinition<K, E, V> definition, Holds holds, int maxRequestSize, Telemetry telemetry) {
        this.definition = definition;
        this.holds = holds;
        this.maxRequestSize = maxRequestSize;
        this.meters = telemetry.meters();
        this.tracing = telemetry.tracing();
        this.deadLettered = meters.counter(Meters.PROJECTION_DEAD_LETTERS, "events the projection dead-lettered",
                "projection", definition.name());
        this.deadLetters = meters.counter(Meters.DEAD_LETTERS, "records written to a dead-letter topic",
                "topic", definition.deadLetterTopic(), "projection", definition.name());
    }

    @Override
    public void init(ProcessorContext<Object, Routed> context) {
        this.context = context;
    }

    /** An event and its metadata. */
    record Decoded<E>(E event, EventMetadata metadata) {
    }

    /** A record whose bytes or headers cannot be turned into an event: retrying cannot help. */
    static final class UndecodableEvent extends Exception {
        private static final long serialVersionUID = 1L;

        UndecodableEvent(RuntimeException cause) {
            super(cause);
        }
    }

    /** Returns where {@code record} first entered the projection. */
    RecordOrigin originOf(Record<byte[], byte[]> record) {
        Optional<RecordOrigin> carried;
        try {
            carried = DeadLetterCodec.carriedOrigin(record.headers());
        } catch (RuntimeException e) {
            // a record written to the re-drive topic by hand with a malformed origin: where it was read is the best origin left
            LOG.warn("Projection {}: ignoring a malformed origin header: {}", definition.name(), e.toString());
            carried = Optional.empty();
        }
        if (carried.isPresent()) {
            return carried.get();
        }
        Optional<RecordMetadata> metadata = context.recordMetadata();
        if (metadata.isEmpty()) {
            return RecordOrigin.topic("unknown");
        }
        RecordMetadata m = metadata.get();
        return m.partition() < 0 || m.offset() < 0 ? RecordOrigin.topic(m.topic())
                : RecordOrigin.of(m.topic(), m.partition(), m.offset());
    }

    /**
     * Decodes a non-null record value. An unavailable schema registry is not the record's fault: the
     * partition is held (see {@link #holdingOnOutage}) rather than the event dead-lettered.
     */
    Decoded<E> decode(Record<byte[], byte[]> record, RecordOrigin origin) throws UndecodableEvent {
        EventMetadata metadata;
        try {
            metadata = EventMetadata.readFrom(record.headers());
        } catch (RuntimeException e) {
            throw new UndecodableEvent(e);
        }
        E event;
        try {
            event = holdingOnOutage(origin,
                    () -> definition.eventSerde().deserializer().deserialize(origin.topic(), record.headers(), record.value()));
        } catch (RuntimeException e) {
            if (Holds.isHold(e)) {
                throw e;
            }
            throw new UndecodableEvent(e);
        }
        if (event == null) {
            throw new UndecodableEvent(new IllegalStateException("the event deserializer returned null for a non-null value"));
        }
        return new Decoded<>(event, metadata);
    }

    /**
     * Runs {@code step}, which reads or writes through a serde. While it fails because the schema
     * registry is unavailable, tries again with a growing wait, for at most the hold budget of one
     * {@code process} call (well below the transaction timeout); then holds the partition by throwing
     * what {@link Holds#hold} returns: the stream thread's transaction aborts, nothing after this event
     * is processed, and the event is read again from the committed offset.
     * Anything else {@code step} throws is thrown as it is.
     */
    <T> T holdingOnOutage(RecordOrigin origin, Supplier<T> step) {
        long start = System.nanoTime();
        long wait = FIRST_WAIT_MS;
        while (true) {
            try {
                return step.get();
            } catch (RuntimeException e) {
                SchemaRegistryUnavailableException outage = Faults.registryOutage(e);
                if (outage == null || Holds.isHold(e)) {
                    throw e;
                }
                long left = holds.maxBlock().toNanos() - (System.nanoTime() - start);
                if (left < TimeUnit.MILLISECONDS.toNanos(wait)) {
                    throw holds.hold(inputPartition(), origin, outage);
                }
                LOG.debug("Projection {}: schema registry unavailable at {}, trying again in {} ms: {}", definition.name(),
                        origin, wait, outage.getMessage());
                pause(Duration.ofMillis(wait));
                wait = Math.min(wait * 2, MAX_WAIT_MS);
            }
        }
    }

    /** Returns the task input partition of the current record, as {@code topic-partition}. */
    String inputPartition() {
        return context.recordMetadata().map(m -> m.topic() + "-" + m.partition()).orElse("unknown");
    }

    /** Ends any hold of the current record's partition: one of its events went through. */
    void processed() {
        if (holds.any()) { // read per record: the partition's name is only worth building during a hold
            holds.release(inputPartition());
        }
    }

    /** An event, its metadata, the handler that folds it and the view key it folds into. */
    record Routable<K, V, E>(Decoded<E> decoded, EventHandler<V, Object> handler, K key) {
    }

    /**
     * Decodes {@code record} and finds its handler and view key, or returns empty when there is
     * nothing to fold: a tombstone, an event no handler takes, or a record dead-lettered because it
     * could not be decoded or keyed.
     */
    Optional<Routable<K, V, E>> route(Record<byte[], byte[]> record, RecordOrigin origin) {
        if (record.value() == null) {
            return Optional.empty(); // a tombstone erases an event from the log; views are not rewound
        }
        Decoded<E> decoded;
        try {
            decoded = decode(record, origin);
        } catch (UndecodableEvent e) {
            fail(record, origin, DeadLetter.Reason.UNDECODABLE, e.getCause(), 0);
            return Optional.empty();
        }
        Optional<EventHandler<V, Object>> handler = definition.handlerFor(decoded.event(), decoded.metadata());
        if (handler.isEmpty()) {
            LOG.trace("Projection {} has no handler for {}", definition.name(), decoded.event().getClass().getName());
            return Optional.empty();
        }
        try {
            return Optional.of(new Routable<>(decoded, handler.get(), definition.keyOf(decoded.event(), decoded.metadata())));
        } catch (RuntimeException e) {
            fail(record, origin, DeadLetter.Reason.HANDLER_FAILED, e, 1);
            return Optional.empty();
        }
    }

    /**
     * Sends {@code record} to the dead-letter topic, or stops the projection under fail-fast. Only for
     * what retrying cannot mend; an unavailable registry holds the partition instead.
     */
    void fail(Record<byte[], byte[]> record, RecordOrigin origin, DeadLetter.Reason reason, Throwable error, int attempts) {
        if (definition.errorPolicy() == ErrorPolicy.FAIL_FAST) {
            throw new ProjectionFailedException(definition.name(), origin, error);
        }
        LOG.warn("Projection {}: dead-lettering the event at {} ({}): {}", definition.name(), origin, reason, error.toString());
        // room for the stack trace: what the original record and the other headers leave of a request
        int room = maxRequestSize - LimitedSerde.OVERHEAD - (record.value() == null ? 0 : record.value().length)
                - (record.key() == null ? 0 : record.key().length);
        Headers headers = DeadLetterCodec.withDeadLetterHeaders(record.headers(), definition.name(), reason, error,
                origin, attempts, Instant.ofEpochMilli(context.currentSystemTimeMs()), room);
        context.forward(new Record<Object, Routed>(record.key(), new Routed.Dead(record.value()), record.timestamp(), headers));
        deadLettered.increment();
        deadLetters.increment();
    }

    /** Waits between retries on the stream thread: bounded by the retry policy, and the point of a backoff. */
    static void pause(Duration wait) {
        if (wait.isZero()) {
            return;
        }
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while backing off before a retry", e);
        }
    }
}
