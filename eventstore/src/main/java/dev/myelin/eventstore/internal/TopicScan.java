package dev.myelin.eventstore.internal;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a whole topic from its start to its end as it is when asked, committed records only, with a
 * consumer of no group: how the dead letters of an event store, a projection or the console's lists
 * are read.
 */
public final class TopicScan {

    private TopicScan() {
    }

    /**
     * Returns consumer settings for a scan: those of {@code clientProperties} a consumer knows
     * ({@code consumer.}-prefixed keys over plain ones), read_committed, no group, no auto-creation.
     *
     * @param clientProperties the application's client properties, with {@code bootstrap.servers}
     * @param clientId         the consumer's client id
     * @return the settings
     */
    public static Map<String, Object> consumerProperties(Map<String, ?> clientProperties, String clientId) {
        Map<String, Object> props = new HashMap<>();
        clientProperties.forEach((key, value) -> {
            if (ConsumerConfig.configNames().contains(key)) {
                props.put(key, value);
            }
        });
        // prefixed keys win over plain ones, as in Kafka Streams
        clientProperties.forEach((key, value) -> {
            if (key.startsWith("consumer.") && ConsumerConfig.configNames().contains(key.substring("consumer.".length()))) {
                props.put(key.substring("consumer.".length()), value);
            }
        });
        // a dead letter or an action is committed with its transaction: never show one that aborted
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // looking must not create: a topic asked for by a wrong name stays absent
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        // the application's group protocol may be Kafka Streams' "streams", which no plain consumer speaks
        props.remove(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        return props;
    }

    /**
     * Hands every committed record of {@code topic} to {@code each}, partition by partition as the
     * consumer fetches them, each partition oldest first.
     *
     * @param consumerProperties settings from {@link #consumerProperties}
     * @param topic              the topic
     * @param timeout            how long reading may take
     * @param each               receives the records
     * @return false if the topic does not exist, true once it was read to its end
     * @throws IllegalStateException              if the end is not reached within {@code timeout}
     * @throws org.apache.kafka.common.KafkaException if the cluster cannot be read
     */
    public static boolean read(Map<String, Object> consumerProperties, String topic, Duration timeout,
                               Consumer<ConsumerRecord<byte[], byte[]>> each) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                return false;
            }
            List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
            while (partitions.stream().anyMatch(p -> consumer.position(p, timeout) < ends.get(p))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("could not read " + topic + " to its end within " + timeout);
                }
                consumer.poll(Duration.ofNanos(Math.min(left, 200_000_000L))).forEach(each);
            }
            return true;
        }
    }
}
