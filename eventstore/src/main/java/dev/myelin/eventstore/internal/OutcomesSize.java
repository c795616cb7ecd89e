package dev.myelin.eventstore.internal;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;

/**
 * The size of an event store's deduplication store on this instance: the command outcomes it keeps,
 * over its tasks, to answer retries. Counted by reading the store through, since RocksDB's own
 * estimate of its keys was off by a factor of four on a handful of commands; one count serves the
 * gauge for {@link #FRESH_MILLIS}, so a scrape every few seconds costs one read of the store per
 * period. NaN while the store cannot be read (starting, rebalancing, closed).
 */
final class OutcomesSize {
    /** How long one count serves. */
    static final long FRESH_MILLIS = 30_000;

    private final KafkaStreams streams;
    private double size = Double.NaN;
    private long countedAt;
    private boolean counted;

    OutcomesSize(KafkaStreams streams) {
        this.streams = streams;
    }

    /** Returns the outcomes kept, counted at most {@link #FRESH_MILLIS} ago, or NaN when the store cannot be read. */
    synchronized double size() {
        long now = System.currentTimeMillis();
        if (!counted || now - countedAt >= FRESH_MILLIS || Double.isNaN(size)) {
            size = count();
            countedAt = now;
            counted = true;
        }
        return size;
    }

    private double count() {
        try (KeyValueIterator<Windowed<Bytes>, byte[]> all = streams.store(StoreQueryParameters.fromNameAndType(
                CommandTopology.OUTCOMES_STORE, QueryableStoreTypes.<Bytes, byte[]>windowStore())).all()) {
            long entries = 0;
            while (all.hasNext()) {
                all.next();
                entries++;
            }
            return entries;
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }
}
