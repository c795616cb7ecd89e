package dev.myelin.processors.internal;

import java.util.Optional;

import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.processors.DeadLetter;
import dev.myelin.processors.EventHandler;
import dev.myelin.processors.RetryPolicy;
import dev.myelin.schemas.RecordOrigin;

/**
 * Folds each event into its key's view in the store. Under exactly_once_v2 the store's changelog
 * write, any published view and any dead letter commit in one transaction with the input offset,
 * which is what makes each event count once.
 */
final class FoldProcessor<K, E, V> extends EventProcessor<K, E, V> {

    private static final Logger LOG = LoggerFactory.getLogger(FoldProcessor.class);

    private final boolean publish;
    private KeyValueStore<K, V> store;

    FoldProcessor(ProjectionDefinition<K, E, V> definition) {
        super(definition);
        this.publish = definition.publishTopic().isPresent();
    }

    @Override
    public void init(ProcessorContext<Object, Routed> context) {
        super.init(context);
        store = context.getStateStore(definition.storeName());
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
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
        for (int attempt = 1; attempt <= retry.maxAttempts(); attempt++) {
            // Read afresh for each try: the store hands out a new object, so a handler that changed
            // its input in place before throwing cannot leak that change into the retry.
            V current = store.get(key);
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
                if (attempt < retry.maxAttempts()) {
                    LOG.debug("Projection {}: handler failed at {} (try {} of {}): {}", definition.name(), origin,
                            attempt, retry.maxAttempts(), e.toString());
                    pause(retry.backoffAfter(attempt));
                }
                continue;
            }
            // Outside the try: a failing store write is Kafka Streams' business (it fails the task), not
            // the event's.
            store.put(key, next);
            if (publish) {
                context.forward(new Record<Object, Routed>(key, new Routed.Update(key, next), record.timestamp()));
            }
            return;
        }
        fail(record, origin, DeadLetter.Reason.HANDLER_FAILED, last, retry.maxAttempts());
    }
}
