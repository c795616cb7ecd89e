package dev.myelin.console.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a whole topic, from its start to its end as it is when asked, committed records only, with a
 * consumer of no group: how the console lists the dead letters of an event store.
 */
public final class TopicReader {
    private final Map<String, Object> properties;

    /**
     * Creates a reader with the application's client properties.
     *
     * @param clientProperties {@code bootstrap.servers} and the clients' other properties (security, ...)
     */
    public TopicReader(Map<String, Object> clientProperties) {
        Map<String, Object> props = new HashMap<>();
        // only what a consumer knows: the application's properties are also the Streams applications'
        clientProperties.forEach((key, value) -> {
            String name = key.startsWith("consumer.") ? key.substring("consumer.".length()) : key;
            if (ConsumerConfig.configNames().contains(name)) {
                props.put(name, value);
            }
        });
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // looking must not create: a topic asked for by a wrong name stays absent
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "myelin-console");
        this.properties = Map.copyOf(props);
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
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                return List.of();
            }
            List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
            while (partitions.stream().anyMatch(p -> consumer.position(p, timeout) < ends.get(p))) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("could not read " + topic + " to its end within " + timeout);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
