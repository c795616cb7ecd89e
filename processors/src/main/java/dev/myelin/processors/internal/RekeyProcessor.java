package dev.myelin.processors.internal;

import java.util.Optional;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;

import dev.myelin.eventstore.internal.Faults;
import dev.myelin.eventstore.internal.Holds;
import dev.myelin.eventstore.internal.Telemetry;
import dev.myelin.processors.DeadLetter;
import dev.myelin.schemas.RecordOrigin;

/**
 * Routes each event of a re-keyed projection to the partition of its view key: it forwards the
 * original bytes under the serialized view key, with the event's origin in headers so that a later
 * dead letter can still point at the events topic. Events without a handler are dropped here, so they
 * cost no repartition traffic. A view key its serde cannot write dead-letters the event.
 */
final class RekeyProcessor<K, E, V> extends EventProcessor<K, E, V> {

    RekeyProcessor(ProjectionDefinition<K, E, V> definition, Holds holds, int maxRequestSize, Telemetry telemetry) {
        super(definition, holds, maxRequestSize, telemetry);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        rekey(record);
        processed();
    }

    private void rekey(Record<byte[], byte[]> record) {
        RecordOrigin origin = originOf(record);
        Optional<Routable<K, V, E>> routable = route(record, origin);
        if (routable.isEmpty()) {
            return;
        }
        K key = routable.get().key();
        byte[] keyBytes;
        try {
            keyBytes = holdingOnOutage(origin, () -> definition.keySerde().serializer().serialize(definition.name() + "-rekey", key));
            if (keyBytes == null) {
                throw new IllegalStateException("the key serde of projection " + definition.name() + " wrote null for " + key);
            }
        } catch (RuntimeException e) {
            if (Faults.isKafkas(e)) {
                throw e;
            }
            fail(record, origin, DeadLetter.Reason.VIEW_FAILED, Faults.unwrap(e), 1);
            return;
        }
        Headers headers = new RecordHeaders(record.headers().toArray());
        DeadLetterCodec.carryOrigin(headers, origin);
        context.forward(new Record<Object, Routed>(keyBytes, new Routed.Pass(record.value()), record.timestamp(), headers));
    }
}
