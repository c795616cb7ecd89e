package dev.myelin.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.myelin.embedded.EmbeddedKafkaCluster;

/**
 * The smallest real run: starts an embedded Kafka broker, writes one record in a transaction and
 * reads it back with a {@code read_committed} consumer, printing each step.
 */
public final class HelloKafka {

    private HelloKafka() {
    }

    /**
     * Runs the hello-world against a fresh embedded broker.
     *
     * @param out where to print what happens
     */
    public static void run(PrintStream out) throws Exception {
        long started = System.nanoTime();
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1)) {
            out.printf("Started a real Kafka %s broker (KRaft) at %s in %d ms%n",
                    EmbeddedKafkaCluster.kafkaVersion(), kafka.bootstrapServers(),
                    Duration.ofNanos(System.nanoTime() - started).toMillis());
            kafka.createCompactedTopic("hello.greeting.events", 1);
            out.println("Created compacted topic hello.greeting.events");

            Map<String, Object> config = kafka.clientProperties();
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "hello-kafka");
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            RecordMetadata written;
            try (var producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                written = producer.send(new ProducerRecord<>("hello.greeting.events", "greeting-1@1", "Hello, Myelin")).get();
                producer.commitTransaction();
            }
            out.printf("Wrote 'Hello, Myelin' in a committed transaction to partition %d at offset %d%n",
                    written.partition(), written.offset());

            List<ConsumerRecord<String, String>> read = kafka.readAll("hello.greeting.events",
                    new StringDeserializer(), new StringDeserializer());
            for (ConsumerRecord<String, String> record : read) {
                out.printf("Read back (read_committed): key=%s value='%s' offset=%d%n", record.key(), record.value(), record.offset());
            }
        }
        out.println("Stopped the broker and deleted its data.");
    }
}
