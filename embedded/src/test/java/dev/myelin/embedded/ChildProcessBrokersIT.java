package dev.myelin.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class ChildProcessBrokersIT {

    private static final String TOPIC = "child-ledger";
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    @Test
    void committedAndAcknowledgedRecordsSurviveASigkilledBrokerAndItsRestart() throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().brokers(3).inChildProcesses().start()) {
            assertThat(kafka.inChildProcesses()).isTrue();
            for (int broker : kafka.brokerIds()) {
                Path log = kafka.brokerLog(broker).orElseThrow();
                // the node's own JVM says it serves, in its own file: it is not this JVM's broker
                Await.until(DEADLINE, "broker " + broker + " logs its start", () -> contains(log, "Kafka Server started"));
            }
            kafka.createTopic(TOPIC, 3);
            TopicDescription topic = kafka.admin().describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
            assertThat(topic.partitions()).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
            assertThat(kafka.topicConfig(TOPIC).get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG).value()).isEqualTo("2");

            Map<String, Object> transactional = kafka.clientProperties();
            transactional.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "child-ledger-writer");
            try (var producer = new KafkaProducer<>(transactional, new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                IntStream.range(0, 100).forEach(n -> producer.send(new ProducerRecord<>(TOPIC, "k" + n % 7, "tx-" + n)));
                producer.commitTransaction();
            }
            assertThat(values(kafka, 100)).hasSize(100).allMatch(v -> v.startsWith("tx-"));

            kafka.killBroker(2);
            assertThat(kafka.runningBrokers()).containsExactly(1, 3);

            Map<String, Object> acksAll = kafka.clientProperties();
            acksAll.put(ProducerConfig.ACKS_CONFIG, "all");
            try (var producer = new KafkaProducer<>(acksAll, new StringSerializer(), new StringSerializer())) {
                for (int n = 0; n < 200; n++) {
                    // two in-sync replicas are left of three: min.insync.replicas=2 still lets acks=all through
                    producer.send(new ProducerRecord<>(TOPIC, "k" + n % 7, "acked-" + n)).get();
                }
            }

            kafka.startBroker(2);
            assertThat(kafka.runningBrokers()).containsExactly(1, 2, 3);
            Await.until(DEADLINE, "broker 2 back in sync on every partition of " + TOPIC,
                    () -> inSyncEverywhere(kafka, 2), () -> isr(kafka));
            Await.until(DEADLINE, "broker 2 holds every record of " + TOPIC + " again",
                    () -> caughtUp(kafka, 2, topic.partitions().size()));

            List<String> all = values(kafka, 300);
            assertThat(all.stream().filter(v -> v.startsWith("tx-"))).hasSize(100);
            assertThat(all.stream().filter(v -> v.startsWith("acked-")).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 200).mapToObj(n -> "acked-" + n).toList());
            assertThat(all).hasSize(300);
        }
    }

    /**
     * The topic's committed values once at least {@code expected} are readable: a commit returns before
     * its markers are on every leader, and until then a read_committed reader's end is before them.
     */
    private static List<String> values(EmbeddedKafkaCluster kafka, int expected) {
        return kafka.readAtLeast(TOPIC, expected, new StringDeserializer(), new StringDeserializer(), DEADLINE).stream()
                .map(ConsumerRecord::value).toList();
    }

    private static boolean inSyncEverywhere(EmbeddedKafkaCluster kafka, int broker) {
        return isr(kafka).values().stream().allMatch(isr -> isr.contains(broker));
    }

    private static Map<Integer, Set<Integer>> isr(EmbeddedKafkaCluster kafka) {
        try {
            TopicDescription topic = kafka.admin().describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
            return topic.partitions().stream().collect(Collectors.toMap(TopicPartitionInfo::partition,
                    p -> p.isr().stream().map(Node::id).collect(Collectors.toSet())));
        } catch (Exception e) {
            return Map.of(-1, Set.of());
        }
    }

    /** Every partition of the topic is on the broker's disk, not empty, and not behind its high watermark. */
    private static boolean caughtUp(EmbeddedKafkaCluster kafka, int broker, int partitions) {
        try {
            Map<String, LogDirDescription> dirs = kafka.admin().describeLogDirs(List.of(broker)).allDescriptions().get().get(broker);
            List<Map.Entry<TopicPartition, ReplicaInfo>> replicas = dirs.values().stream()
                    .flatMap(dir -> dir.replicaInfos().entrySet().stream())
                    .filter(e -> e.getKey().topic().equals(TOPIC) && !e.getValue().isFuture())
                    .toList();
            return replicas.size() == partitions
                    && replicas.stream().allMatch(e -> e.getValue().size() > 0 && e.getValue().offsetLag() == 0);
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean contains(Path log, String text) {
        try {
            return Files.exists(log) && Files.readString(log).contains(text);
        } catch (Exception e) {
            return false;
        }
    }
}
