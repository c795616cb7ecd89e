package dev.myelin.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@MyelinKafka(brokers = 1)
class ExactlyOnceStreamsIT {

    @Test
    void exactlyOnceV2CountsPerKeyEqualWhatWasSent(EmbeddedKafkaCluster kafka, @TempDir Path stateDir) throws Exception {
        kafka.createTopic("words", 2);
        kafka.createTopic("word-counts", 2);
        Map<String, Long> sent = new HashMap<>();
        try (var producer = new KafkaProducer<>(producerConfig(kafka), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 3_000; i++) {
                String word = "word-" + (i * 7 % 23);
                sent.merge(word, 1L, Long::sum);
                producer.send(new ProducerRecord<>("words", word, word));
            }
        }

        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("words", Consumed.with(Serdes.String(), Serdes.String()))
                .groupByKey()
                .count()
                .toStream()
                .to("word-counts", Produced.with(Serdes.String(), Serdes.Long()));
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "eos-word-count");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        config.put(StreamsConfig.STATE_DIR_CONFIG, Files.createDirectories(stateDir.resolve("streams")).toString());
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 50);
        config.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);

        Map<String, Long> latest = new HashMap<>();
        try (KafkaStreams streams = new KafkaStreams(builder.build(), config)) {
            streams.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!latest.equals(sent) && System.nanoTime() < deadline) {
                List<ConsumerRecord<String, Long>> counts = kafka.readAll("word-counts", new StringDeserializer(), new LongDeserializer());
                counts.forEach(record -> latest.put(record.key(), record.value()));
            }
        }

        assertThat(latest).isEqualTo(sent);
    }

    private static Map<String, Object> producerConfig(EmbeddedKafkaCluster kafka) {
        Map<String, Object> config = kafka.clientProperties();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        return config;
    }
}
