package dev.myelin.processors.internal;

import java.util.Optional;

import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.internal.Faults;
import dev.myelin.eventstore.internal.Holds;
import dev.myelin.eventstore.internal.Meters;
import dev.myelin.eventstore.internal.Telemetry;
import dev.myelin.processors.DeadLetter;
import dev.myelin.processors.EventHandler;
import dev.myelin.eventstore.RetryPolicy;
import dev.myelin.schemas.RecordOrigin;

/**
 * Folds each event into its key's view in the store. Under exactly_once_v2 the store's changelog
 * write, any published view and any dead letter commit in one transaction with the input offset,
 * which is what makes each event count once.
 *
 * <p>No exception about one event escapes to Kafka Streams: a view that cannot be read, serialized
 * or stored dead-letters its event ({@link DeadLetter.Reason#VIEW_FAILED}), and an unavailable schema
 * registry holds the partition. Only Kafka Streams' own failures, and holds, leave {@code process}.
 */
final class FoldProcessor<K, E, V> extends EventProcessor<K, E, V> {

    private static final Logger LOG = LoggerFactory.getLogger(FoldProcessor.class);

    private final boolean publish;
    private final Meters.Count folded;
    private final FoldedUpTo foldedUpTo;
    private KeyValueStore<K, V> store;

    FoldProcessor(ProjectionDefinition<K, E, V> definition, Holds holds, int maxRequestSize, Telemetry telemetry,
                  FoldedUpTo foldedUpTo) {
        super(definition, holds, maxRequestSize, telemetry);
        this.foldedUpTo = foldedUpTo;
        this.publish = definition.publishTopic().isPresent();
        // counted as processed: a transaction that aborts and is processed again counts again
        this.folded = meters.counter(Meters.PROJECTION_FOLDED, "events the projection folded into its view",
                "projection", definition.name());
    }

    @Override
    public void init(ProcessorContext<Object, Routed> context) {
        super.init(context);
        store = context.getStateStore(definition.storeName());
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        // a child of the span that appended the event, named by the topic it came from
        tracing.process(context.recordMetadata().map(m -> m.topic()).orElse(definition.name()), record.headers())
                .run(() -> fold(record));
        processed();
        foldedUpTo.processed(record.timestamp());
    }

    private void fold(Record<byte[], byte[]> record) {
        RecordOrigin origin = originOf(record);
        Optional<Routable<K, V, E>> routable = route(record, origin);
        if (routable.isEmpty()) {
            return;
        }
        Decoded<E> decoded = routable.get().decoded();
        EventHandler<V, Object> handler = routable.get().handler();
        K key = routable.get().key();
        RetryPolicy retry = definition.retryPolicy();
        RuntimeException last = null;
        for (int attempt = 1; attempt <= retry.attempts(); attempt++) {
            // Read afresh for each try: the store hands out a new object, so a handler that changed
            // its input in place before throwing cannot leak that change into the retry.
            V current;
            try {
                current = holdingOnOutage(origin, () -> store.get(key));
            } catch (RuntimeException e) {
                viewFailed(record, origin, e, attempt - 1);
                return;
            }
            V next;
            try {
                next = handler.apply(current != null ? current : definition.initialView(), decoded.event(),
                        decoded.metadata());
                if (next == null) {
                    throw new NullPointerException("the handler of projection " + definition.name() + " for "
                            + decoded.event().getClass().getName() + " returned null; return the view, unchanged if need be");
                }
            } catch (RuntimeException e) {
                last = e;
                if (attempt < retry.attempts()) {
                    LOG.debug("Projection {}: handler failed at {} (try {} of {}): {}", definition.name(), origin,
                            attempt, retry.attempts(), e.toString());
                    pause(retry.backoffAfter(attempt));
                }
                continue;
            }
            // Published before it is stored: a view the publish sink cannot serialize is then
            // dead-lettered with the store untouched. The store's serde is the same, size check
            // included, so what the sink took the store takes too, registry outages aside, which hold.
            try {
                if (publish) {
                    V published = next;
                    holdingOnOutage(origin, () -> {
                        context.forward(new Record<Object, Routed>(key, new Routed.Update(key, published), record.timestamp()));
                        return null;
                    });
                }
                V stored = next;
                holdingOnOutage(origin, () -> {
                    store.put(key, stored);
                    return null;
                });
            } catch (RuntimeException e) {
                viewFailed(record, origin, e, attempt);
                return;
            }
            folded.increment();
            return;
        }
        fail(record, origin, DeadLetter.Reason.HANDLER_FAILED, last, retry.attempts());
    }

    /**
     * Dead-letters an event whose view could not be read or written, unless the failure is a hold or
     * Kafka Streams' own (a store that cannot be written, a fenced producer), which it must see.
     */
    private void viewFailed(Record<byte[], byte[]> record, RecordOrigin origin, RuntimeException e, int attempts) {
        if (Faults.isKafkas(e)) {
            throw e;
        }
        fail(record, origin, DeadLetter.Reason.VIEW_FAILED, Faults.unwrap(e), attempts);
    }
}
