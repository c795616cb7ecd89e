package dev.myelin.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

@MyelinKafka(brokers = 3)
class BrokerFailoverIT {

    @Test
    void everyAcknowledgedRecordSurvivesABrokerStopAndRestartExactlyOnceAndInOrder(EmbeddedKafkaCluster kafka) throws Exception {
        kafka.createTopic("failover", 3, Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "2"));
        Map<String, Object> config = kafka.clientProperties();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);

        // Per partition, the sequence numbers of the records the broker acknowledged, in ack order.
        Map<Integer, List<Long>> acknowledged = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Exception> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicInteger acks = new AtomicInteger();
        Thread producerThread = new Thread(() -> {
            try (var producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
                long sequence = 0;
                while (producing.get()) {
                    long n = sequence++;
                    String key = "key-" + (n % 30);
                    producer.send(new ProducerRecord<>("failover", key, key + ":" + n), (metadata, error) -> {
                        if (error == null) {
                            acknowledged.computeIfAbsent(metadata.partition(), p -> Collections.synchronizedList(new ArrayList<>())).add(n);
                            acks.incrementAndGet();
                        } else {
                            failures.add(error);
                        }
                    });
                    if (n % 100 == 0) {
                        // about 2,000 records a second: enough to span the outage, few enough to check
                        producer.flush();
                        LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
                    }
                }
                producer.flush();
            }
        });
        producerThread.start();

        awaitAcks(acks, 2_000);
        kafka.stopBroker(2);
        assertThat(kafka.runningBrokers()).containsExactly(1, 3);
        awaitAcks(acks, acks.get() + 2_000);
        kafka.startBroker(2);
        assertThat(kafka.runningBrokers()).containsExactly(1, 2, 3);
        awaitAcks(acks, acks.get() + 2_000);
        producing.set(false);
        producerThread.join(Duration.ofSeconds(60).toMillis());

        List<ConsumerRecord<String, String>> records = kafka.readAll("failover", new StringDeserializer(), new StringDeserializer());
        Map<Integer, List<Long>> read = new TreeMap<>(records.stream().collect(Collectors.groupingBy(ConsumerRecord::partition,
                Collectors.mapping(r -> Long.parseLong(r.value().substring(r.value().indexOf(':') + 1)), Collectors.toList()))));

        long acknowledgedCount = acknowledged.values().stream().mapToLong(List::size).sum();
        assertThat(acknowledgedCount).isGreaterThanOrEqualTo(6_000);
        for (Map.Entry<Integer, List<Long>> partition : acknowledged.entrySet()) {
            List<Long> readHere = read.getOrDefault(partition.getKey(), List.of());
            Set<Long> distinct = new HashSet<>(readHere);
            assertThat(distinct).as("partition %s has no duplicates", partition.getKey()).hasSameSizeAs(readHere);
            List<Long> missing = partition.getValue().stream().filter(n -> !distinct.contains(n)).toList();
            assertThat(missing).as("acknowledged records missing from partition %s", partition.getKey()).isEmpty();
            assertThat(readHere).as("partition %s is in send order", partition.getKey()).isSorted();
        }
        assertThat(failures).as("idempotent producer with retries loses nothing while a replica is down").isEmpty();
    }

    private static void awaitAcks(AtomicInteger acks, int target) {
        Await.until(Duration.ofSeconds(60), target + " acknowledgements", () -> acks.get() >= target, acks::get);
    }
}
