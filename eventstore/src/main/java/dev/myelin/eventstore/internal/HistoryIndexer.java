package dev.myelin.eventstore.internal;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.schemas.EventMetadata;
import dev.myelin.schemas.InvalidEventMetadataException;

/**
 * Indexes the events topic into the history store by (aggregate id, sequence). The events topic is
 * the store's changelog (Kafka Streams restores the store from it), so an event is written once,
 * not a second time to a changelog of its own. The events are read committed, in the task that owns
 * their aggregates, shortly after the command that wrote them; a tombstone (an erased aggregate)
 * removes its entry. A record that is not an event Myelin wrote is skipped with a warning: the
 * index never stops the processor.
 */
final class HistoryIndexer implements Processor<String, byte[], Void, Void> {
    private static final Logger log = LoggerFactory.getLogger(HistoryIndexer.class);

    private final String runtime;
    private KeyValueStore<Bytes, byte[]> history;

    HistoryIndexer(String runtime) {
        this.runtime = runtime;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.history = context.getStateStore(CommandTopology.HISTORY_STORE);
    }

    @Override
    public void process(Record<String, byte[]> event) {
        String key = event.key();
        int at = key == null ? -1 : key.lastIndexOf('@');
        long sequence;
        try {
            sequence = at < 0 ? -1 : Long.parseLong(key.substring(at + 1));
        } catch (NumberFormatException e) {
            sequence = -1;
        }
        if (sequence < 1) {
            log.warn("{}: not indexing the events-topic record with key '{}': an event's key is <aggregate id>@<sequence>", runtime, key);
            return;
        }
        String aggregateId = key.substring(0, at);
        if (event.value() == null) {
            history.delete(HistoryCodec.key(aggregateId, sequence));
            return;
        }
        EventMetadata metadata;
        try {
            metadata = EventMetadata.readFrom(event.headers());
        } catch (InvalidEventMetadataException e) {
            log.warn("{}: not indexing event {}: {}", runtime, key, e.getMessage());
            return;
        }
        history.put(HistoryCodec.key(aggregateId, sequence), HistoryCodec.encode(metadata, event.value()));
    }
}
