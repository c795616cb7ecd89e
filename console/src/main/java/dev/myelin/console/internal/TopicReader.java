package dev.myelin.console.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import dev.myelin.eventstore.internal.TopicScan;

/**
 * Reads a whole topic, from its start to its end as it is when asked, committed records only, with a
 * consumer of no group.
 */
public final class TopicReader {
    private final Map<String, Object> properties;

    /**
     * Creates a reader with the application's client properties.
     *
     * @param clientProperties {@code bootstrap.servers} and the clients' other properties (security, ...)
     */
    public TopicReader(Map<String, Object> clientProperties) {
        // only what a consumer knows: the application's properties are also the Streams applications'
        this.properties = Map.copyOf(TopicScan.consumerProperties(clientProperties, "myelin-console"));
    }

    /**
     * Returns every committed record of {@code topic}, by partition, each oldest first.
     *
     * @param topic   the topic
     * @param timeout how long reading may take
     * @return the records; empty if the topic is empty or does not exist
     * @throws IllegalStateException if the end is not reached within {@code timeout}
     */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        TopicScan.read(properties, topic, timeout, records::add);
        return records;
    }
}
