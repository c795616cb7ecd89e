package dev.myelin.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

@MyelinKafka(brokers = 1)
class TransactionalProducerIT {

    @Test
    void readCommittedConsumerSeesExactlyTheCommittedRecordsAndNeverAnAbortedOne(EmbeddedKafkaCluster kafka) throws Exception {
        kafka.createTopic("tx-records", 3);
        Map<String, Object> config = kafka.clientProperties();
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-test");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        try (var producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            for (int batch = 0; batch < 10; batch++) {
                producer.beginTransaction();
                for (int i = 0; i < 100; i++) {
                    int n = batch * 100 + i;
                    producer.send(new ProducerRecord<>("tx-records", "key-" + (n % 17), "committed-" + n));
                }
                producer.commitTransaction();
            }
            producer.beginTransaction();
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>("tx-records", "key-" + i, "aborted-" + i));
            }
            producer.flush();
            producer.abortTransaction();
        }

        List<ConsumerRecord<String, String>> records = kafka.readAll("tx-records", new StringDeserializer(),
                new StringDeserializer(), Duration.ofSeconds(30));

        assertThat(records).extracting(ConsumerRecord::value)
                .hasSize(1000)
                .doesNotHaveDuplicates()
                .allMatch(value -> value.startsWith("committed-"))
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 1000).mapToObj(n -> "committed-" + n).toList());
    }
}
