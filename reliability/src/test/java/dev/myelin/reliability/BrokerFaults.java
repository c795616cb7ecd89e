package dev.myelin.reliability;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import org.apache.kafka.clients.admin.TopicDescription;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;

/** What the broker-loss tests do to the cluster: find a partition's leader, stop a broker for a while, wait for full replication. */
final class BrokerFaults {
    private BrokerFaults() {
    }

    /**
     * One broker outage and what the workload did meanwhile.
     *
     * @param stopMillis how long the broker took to stop (its controlled shutdown)
     * @param downMillis from the stop's return to the restart's return
     * @param progress   how far the workload got from just before the stop to just before the restart
     */
    record Outage(long stopMillis, long downMillis, long progress) {
    }

    /**
     * Stops broker {@code brokerId}, lets the workload run on for {@code duration} (a bounded wait by
     * design, not a wait for Kafka), and starts the broker again.
     *
     * @param progress the workload's progress counter, such as accepted commands or placed orders
     */
    static Outage stopFor(EmbeddedKafkaCluster kafka, int brokerId, Duration duration, LongSupplier progress) {
        long before = progress.getAsLong();
        long stopping = System.nanoTime();
        kafka.stopBroker(brokerId);
        long stoppedAt = System.nanoTime();
        LockSupport.parkNanos(duration.toNanos());
        long during = progress.getAsLong() - before;
        kafka.startBroker(brokerId);
        return new Outage(TimeUnit.NANOSECONDS.toMillis(stoppedAt - stopping),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt), during);
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
        Await.until(Duration.ofSeconds(60), "every partition of " + topics + " has 3 in-sync replicas again", () -> {
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
