package dev.myelin.processors;

import java.util.Map;
import java.util.Objects;

import org.apache.kafka.common.TopicPartition;

/**
 * How far a projection is behind its events topics: for each source partition, the committed end
 * offset minus the projection's committed position. A projection that has never committed counts
 * from the start of each partition.
 *
 * <pre>{@code
 * ProjectionLag lag = running.lag();
 * if (lag.caughtUp()) { switchQueriesTo(running); }
 * }</pre>
 *
 * @param partitions the lag of each source partition, in records
 */
public record ProjectionLag(Map<TopicPartition, Long> partitions) {

    /**
     * Copies the map.
     *
     * @throws NullPointerException if {@code partitions} is null
     */
    public ProjectionLag {
        partitions = Map.copyOf(Objects.requireNonNull(partitions, "partitions"));
    }

    /**
     * Returns the total lag over all source partitions.
     *
     * @return records not yet processed
     */
    public long total() {
        return partitions.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Returns whether every source partition is fully processed.
     *
     * @return true when the total lag is 0
     */
    public boolean caughtUp() {
        return total() == 0;
    }
}
