package dev.myelin.processors.internal;

import java.util.Optional;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;

import dev.myelin.schemas.RecordOrigin;

/**
 * Routes each event of a re-keyed projection to the partition of its view key: it forwards the
 * original bytes under the serialized view key, with the event's origin in headers so that a later
 * dead letter can still point at the events topic. Events without a handler are dropped here, so they
 * cost no repartition traffic.
 */
final class RekeyProcessor<K, E, V> extends EventProcessor<K, E, V> {

    RekeyProcessor(ProjectionDefinition<K, E, V> definition) {
        super(definition);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordOrigin origin = originOf(record);
        Optional<Routable<K, V, E>> routable = route(record, origin);
        if (routable.isEmpty()) {
            return;
        }
        K key = routable.get().key();
        byte[] keyBytes = definition.keySerde().serializer().serialize(definition.name() + "-rekey", key);
        Headers headers = new RecordHeaders(record.headers().toArray());
        DeadLetterCodec.carryOrigin(headers, origin);
        context.forward(new Record<Object, Routed>(keyBytes, new Routed.Pass(record.value()), record.timestamp(), headers));
    }
}
