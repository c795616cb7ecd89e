package dev.myelin.eventstore.internal;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Partitions events keyed {@code aggregateId@sequence} by the aggregate id alone, hashing it exactly
 * as Kafka's default partitioner hashes a String key (murmur2 of the UTF-8 bytes, made positive,
 * modulo the partition count). So an aggregate's commands and its events have the same partition
 * number, and all its events stay in order in one partition.
 */
public final class AggregatePartitioner implements StreamPartitioner<String, byte[]> {

    /**
     * Returns the partition of {@code aggregateId} among {@code partitions}, as the default
     * partitioner computes it for a command keyed by that id.
     *
     * @param aggregateId the aggregate id
     * @param partitions  the partition count
     * @return the partition
     */
    public static int partitionOf(String aggregateId, int partitions) {
        return Utils.toPositive(Utils.murmur2(aggregateId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /**
     * Returns the aggregate id in an events-topic key.
     *
     * @param eventKey a key {@code aggregateId@sequence}
     * @return the aggregate id (everything before the last {@code @})
     */
    public static String aggregateIdOf(String eventKey) {
        int at = eventKey.lastIndexOf('@');
        return at < 0 ? eventKey : eventKey.substring(0, at);
    }

    /**
     * Returns the events-topic key of an event.
     *
     * @param aggregateId the aggregate id
     * @param sequence    the event's sequence
     * @return {@code aggregateId@sequence}
     */
    public static String eventKey(String aggregateId, long sequence) {
        return aggregateId + "@" + sequence;
    }

    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, byte[] value, int numPartitions) {
        return Optional.of(Set.of(partitionOf(aggregateIdOf(key), numPartitions)));
    }
}
