package dev.myelin.eventstore.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs every restore of a store from its changelog: how many records, how long. A restore is the
 * time a task cannot serve after a failover or a crash; with transactional state stores an unclean
 * stop should cost only the writes since the last commit, and this line is how an operator (and the
 * crash tests) can tell.
 */
public final class RestoreLog implements StateRestoreListener {
    private static final Logger log = LoggerFactory.getLogger(RestoreLog.class);
    /** The word of the line logged when a restore ends; the crash tests look for it. */
    public static final String RESTORED = "restored";
    /**
     * The word of the line logged when a restore starts, followed by the store, the changelog
     * partition and the offsets it restores from and to; the crash tests look for it. A start past
     * offset 0 means the store kept its local state and replays only what it lacked.
     */
    public static final String RESTORING = "restoring";

    private final String runtime;
    private final Map<TopicPartition, Long> started = new ConcurrentHashMap<>();

    /**
     * Creates the listener.
     *
     * @param runtime the runtime's name, for the log line
     */
    public RestoreLog(String runtime) {
        this.runtime = runtime;
    }

    @Override
    public void onRestoreStart(TopicPartition partition, String storeName, long startingOffset, long endingOffset) {
        started.put(partition, System.nanoTime());
        log.info("{}: {} store {} from {} offsets {} to {}", runtime, RESTORING, storeName, partition, startingOffset, endingOffset);
    }

    @Override
    public void onBatchRestored(TopicPartition partition, String storeName, long batchEndOffset, long numRestored) {
        // the start and end lines say enough
    }

    @Override
    public void onRestoreEnd(TopicPartition partition, String storeName, long totalRestored) {
        Long start = started.remove(partition);
        long millis = start == null ? 0 : (System.nanoTime() - start) / 1_000_000;
        if (totalRestored > 0) {
            log.info("{}: {} {} records into store {} from {} in {} ms", runtime, RESTORED, totalRestored, storeName, partition, millis);
        } else {
            log.debug("{}: nothing to restore into store {} from {}", runtime, storeName, partition);
        }
    }
}
