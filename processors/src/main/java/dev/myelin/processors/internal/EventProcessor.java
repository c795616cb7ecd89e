package dev.myelin.processors.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.processors.DeadLetter;
import dev.myelin.processors.ErrorPolicy;
import dev.myelin.processors.EventHandler;
import dev.myelin.processors.ProjectionFailedException;
import dev.myelin.processors.RetryPolicy;
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

    final ProjectionDefinition<K, E, V> definition;
    ProcessorContext<Object, Routed> context;

    EventProcessor(ProjectionDefinition<K, E, V> definition) {
        this.definition = definition;
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
        Optional<RecordOrigin> carried = DeadLetterCodec.carriedOrigin(record.headers());
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
     * Decodes a non-null record value. An unreachable schema registry is not the record's fault, so it
     * is retried and then thrown, which stops the projection rather than dead-lettering good events.
     */
    Decoded<E> decode(Record<byte[], byte[]> record, RecordOrigin origin) throws UndecodableEvent {
        EventMetadata metadata;
        try {
            metadata = EventMetadata.readFrom(record.headers());
        } catch (RuntimeException e) {
            throw new UndecodableEvent(e);
        }
        RetryPolicy retry = definition.retryPolicy();
        for (int attempt = 1; ; attempt++) {
            try {
                E event = definition.eventSerde().deserializer().deserialize(origin.topic(), record.headers(), record.value());
                if (event == null) {
                    throw new IllegalStateException("the event deserializer returned null for a non-null value");
                }
                return new Decoded<>(event, metadata);
            } catch (SchemaRegistryUnavailableException e) {
                if (attempt >= retry.maxAttempts()) {
                    throw e;
                }
                LOG.warn("Projection {}: schema registry unavailable decoding {} (try {} of {}): {}",
                        definition.name(), origin, attempt, retry.maxAttempts(), e.getMessage());
                pause(retry.backoffAfter(attempt));
            } catch (RuntimeException e) {
                throw new UndecodableEvent(e);
            }
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

    /** Sends {@code record} to the dead-letter topic, or stops the projection under fail-fast. */
    void fail(Record<byte[], byte[]> record, RecordOrigin origin, DeadLetter.Reason reason, Throwable error, int attempts) {
        if (definition.errorPolicy() == ErrorPolicy.FAIL_FAST) {
            throw new ProjectionFailedException(definition.name(), origin, error);
        }
        LOG.warn("Projection {}: dead-lettering the event at {} ({}): {}", definition.name(), origin, reason, error.toString());
        Headers headers = DeadLetterCodec.withDeadLetterHeaders(record.headers(), definition.name(), reason, error,
                origin, attempts, Instant.ofEpochMilli(context.currentSystemTimeMs()));
        context.forward(new Record<Object, Routed>(record.key(), new Routed.Dead(record.value()), record.timestamp(), headers));
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
