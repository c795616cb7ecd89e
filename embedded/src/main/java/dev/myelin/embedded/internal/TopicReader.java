package dev.myelin.embedded.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

import dev.myelin.embedded.EmbeddedKafkaException;

/**
 * Reads a whole topic from its beginning with a throw-away {@code read_committed} consumer, for
 * tests that check what was written.
 */
public final class TopicReader {

    private static final Duration POLL = Duration.ofMillis(100);

    private final Map<String, Object> clientProperties;

    /**
     * Creates a reader that connects with these client properties.
     *
     * @param clientProperties {@code bootstrap.servers} and security settings; copied
     */
    public TopicReader(Map<String, Object> clientProperties) {
        this.clientProperties = Map.copyOf(clientProperties);
    }

    /**
     * Reads every committed record from the beginning to the end as of this call.
     *
     * @param topic             the topic
     * @param keyDeserializer   decodes keys
     * @param valueDeserializer decodes values
     * @param timeout           how long to wait for the end
     * @param <K>               the key type
     * @param <V>               the value type
     * @return the records, in offset order within each partition
     * @throws EmbeddedKafkaException if the topic does not exist or the end is not reached in time
     */
    public <K, V> List<ConsumerRecord<K, V>> readToEnd(String topic, Deserializer<K> keyDeserializer,
                                                       Deserializer<V> valueDeserializer, Duration timeout) {
        return read(topic, keyDeserializer, valueDeserializer, timeout, (consumer, partitions) -> {
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
            return new Goal<>(records -> ends.entrySet().stream().allMatch(end -> consumer.position(end.getKey()) >= end.getValue()),
                    records -> "reading " + topic + " did not reach its end " + ends + " within " + timeout
                            + "; read " + records.size() + " records");
        });
    }

    /**
     * Reads from the beginning until at least {@code count} committed records have been seen.
     *
     * @param topic             the topic
     * @param count             how many records to wait for
     * @param keyDeserializer   decodes keys
     * @param valueDeserializer decodes values
     * @param timeout           how long to wait
     * @param <K>               the key type
     * @param <V>               the value type
     * @return every record read, at least {@code count}
     * @throws EmbeddedKafkaException if the topic does not exist or fewer records arrive in time
     */
    public <K, V> List<ConsumerRecord<K, V>> readAtLeast(String topic, int count, Deserializer<K> keyDeserializer,
                                                         Deserializer<V> valueDeserializer, Duration timeout) {
        return read(topic, keyDeserializer, valueDeserializer, timeout, (consumer, partitions) -> new Goal<>(
                records -> records.size() >= count,
                records -> "expected at least " + count + " records in " + topic + " within " + timeout + " but saw " + records.size()));
    }

    /** When reading may stop, and what to say if it cannot stop in time. */
    private record Goal<K, V>(Predicate<List<ConsumerRecord<K, V>>> reached,
                              Function<List<ConsumerRecord<K, V>>, String> shortfall) {
    }

    @FunctionalInterface
    private interface GoalFactory<K, V> {
        Goal<K, V> goal(KafkaConsumer<K, V> consumer, List<TopicPartition> partitions);
    }

    private <K, V> List<ConsumerRecord<K, V>> read(String topic, Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer,
                                                   Duration timeout, GoalFactory<K, V> goals) {
        try (KafkaConsumer<K, V> consumer = newConsumer(keyDeserializer, valueDeserializer)) {
            List<TopicPartition> partitions = partitionsOf(consumer, topic, timeout);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Goal<K, V> goal = goals.goal(consumer, partitions);
            List<ConsumerRecord<K, V>> records = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!goal.reached().test(records)) {
                if (System.nanoTime() > deadline) {
                    throw new EmbeddedKafkaException(goal.shortfall().apply(records));
                }
                consumer.poll(POLL).forEach(records::add);
            }
            return records;
        }
    }

    private <K, V> KafkaConsumer<K, V> newConsumer(Deserializer<K> keyDeserializer, Deserializer<V> valueDeserializer) {
        Map<String, Object> properties = new HashMap<>(clientProperties);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return new KafkaConsumer<>(properties, keyDeserializer, valueDeserializer);
    }

    private static List<TopicPartition> partitionsOf(KafkaConsumer<?, ?> consumer, String topic, Duration timeout) {
        var infos = consumer.partitionsFor(topic, timeout);
        if (infos == null || infos.isEmpty()) {
            throw new EmbeddedKafkaException("topic " + topic + " does not exist");
        }
        return infos.stream().map(info -> new TopicPartition(topic, info.partition())).toList();
    }
}
