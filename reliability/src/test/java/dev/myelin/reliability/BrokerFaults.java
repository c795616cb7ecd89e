package dev.myelin.reliability;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.kafka.clients.admin.TopicDescription;

import dev.myelin.embedded.EmbeddedKafkaCluster;

/** What the broker-loss tests do to the cluster: find a partition's leader, let a fault last, wait for full replication. */
final class BrokerFaults {
    private BrokerFaults() {
    }

    /** The workload runs on while the fault lasts: a bounded wait by design, not a wait for Kafka. */
    static void keepGoing(Duration duration) {
        LockSupport.parkNanos(duration.toNanos());
    }

    /** Returns the id of the broker that leads {@code partition} of {@code topic}. */
    static int leaderOf(EmbeddedKafkaCluster kafka, String topic, int partition) throws Exception {
        TopicDescription description = kafka.admin().describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
        return description.partitions().get(partition).leader().id();
    }

    /**
     * Waits until every partition of {@code topics} has 3 in-sync replicas again, so that the next
     * broker to stop leaves every partition with the 2 that {@code min.insync.replicas} asks for.
     */
    static void awaitInSync(EmbeddedKafkaCluster kafka, Collection<String> topics) {
        ReliabilityApp.eventually(Duration.ofSeconds(60), "every partition of " + topics + " has 3 in-sync replicas again", () -> {
            try {
                return kafka.admin().describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values().stream()
                        .flatMap(topic -> topic.partitions().stream()).allMatch(p -> p.isr().size() == 3);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Returns every topic of the cluster, Kafka's internal ones (offsets, transactions) included. */
    static Collection<String> allTopics(EmbeddedKafkaCluster kafka) throws Exception {
        return kafka.admin().listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true)).names()
                .get(30, TimeUnit.SECONDS);
    }
}
