package dev.myelin.processors.internal;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;

import dev.myelin.processors.DeadLetter;
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
        if (record.value() == null) {
            return; // a tombstone erases an event from the log; views are not rewound
        }
        RecordOrigin origin = originOf(record);
        Decoded<E> decoded;
        try {
            decoded = decode(record, origin);
        } catch (UndecodableEvent e) {
            fail(record, origin, DeadLetter.Reason.UNDECODABLE, e.getCause(), 0);
            return;
        }
        if (definition.handlerFor(decoded.event(), decoded.metadata()).isEmpty()) {
            return;
        }
        K key;
        try {
            key = definition.keyOf(decoded.event(), decoded.metadata());
        } catch (RuntimeException e) {
            fail(record, origin, DeadLetter.Reason.HANDLER_FAILED, e, 1);
            return;
        }
        byte[] keyBytes = definition.keySerde().serializer().serialize(definition.name() + "-rekey", key);
        Headers headers = new RecordHeaders(record.headers().toArray());
        DeadLetterCodec.carryOrigin(headers, origin);
        context.forward(new Record<Object, Routed>(keyBytes, new Routed.Pass(record.value()), record.timestamp(), headers));
    }
}
