package dev.myelin.schemas;

import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Where a record came from: its topic always, its partition and offset when the caller knows them.
 * Decoding errors carry one so that a dead-letter entry can point back at the original record.
 *
 * <pre>{@code
 * RecordOrigin origin = RecordOrigin.of(record.topic(), record.partition(), record.offset());
 * List<AccountEvent> events = deserializer.deserializeAll(origin, record.headers(), record.value());
 * }</pre>
 */
public final class RecordOrigin implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    /** The topic. */
    private final String topic;
    /** The partition, or -1 when unknown. */
    private final int partition;
    /** The offset, or -1 when unknown. */
    private final long offset;

    private RecordOrigin(String topic, int partition, long offset) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.partition = partition;
        this.offset = offset;
    }

    /**
     * Returns the origin of a record known only by its topic (what Kafka's {@code Deserializer} is told).
     *
     * @param topic the topic
     * @return the origin
     * @throws NullPointerException if {@code topic} is null
     */
    public static RecordOrigin topic(String topic) {
        return new RecordOrigin(topic, -1, -1);
    }

    /**
     * Returns the origin of a record at a known position.
     *
     * @param topic     the topic
     * @param partition the partition, 0 or more
     * @param offset    the offset, 0 or more
     * @return the origin
     * @throws NullPointerException     if {@code topic} is null
     * @throws IllegalArgumentException if {@code partition} or {@code offset} is negative
     */
    public static RecordOrigin of(String topic, int partition, long offset) {
        if (partition < 0) {
            throw new IllegalArgumentException("partition must not be negative: " + partition);
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative: " + offset);
        }
        return new RecordOrigin(topic, partition, offset);
    }

    /**
     * Returns the topic.
     *
     * @return the topic name
     */
    public String topic() {
        return topic;
    }

    /**
     * Returns the partition, when known.
     *
     * @return the partition or empty
     */
    public OptionalInt partition() {
        return partition < 0 ? OptionalInt.empty() : OptionalInt.of(partition);
    }

    /**
     * Returns the offset, when known.
     *
     * @return the offset or empty
     */
    public OptionalLong offset() {
        return offset < 0 ? OptionalLong.empty() : OptionalLong.of(offset);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RecordOrigin other && topic.equals(other.topic) && partition == other.partition
                && offset == other.offset;
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, partition, offset);
    }

    /** Returns e.g. {@code topic bank.account.events partition 3 offset 42}. */
    @Override
    public String toString() {
        return "topic " + topic + (partition < 0 ? "" : " partition " + partition) + (offset < 0 ? "" : " offset " + offset);
    }
}
