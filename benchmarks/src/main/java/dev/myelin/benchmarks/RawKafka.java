package dev.myelin.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

import dev.myelin.embedded.EmbeddedKafkaCluster;

/**
 * The raw-Kafka baselines every Myelin figure is compared to: what the same broker does for a
 * plain idempotent producer, and for a plain Kafka Streams {@code exactly_once_v2} pass-through.
 */
final class RawKafka {

    private RawKafka() {
    }

    /** Sends {@code records} 1 KB records with acks=all and idempotence, and returns records/s. */
    static Measurement producerThroughput(EmbeddedKafkaCluster kafka, int records, int partitions) throws Exception {
        String topic = "raw-producer-" + System.nanoTime();
        kafka.createTopic(topic, partitions);
        byte[] value = new byte[1024];
        Arrays.fill(value, (byte) 'x');
        Map<String, Object> config = kafka.clientProperties();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        long started = System.nanoTime();
        try (var producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(topic, ("key-" + (i % 10_000)).getBytes(), value));
            }
            producer.flush();
        }
        double perSecond = records / seconds(started);
        return Measurement.of("raw idempotent producer", "records/s", perSecond,
                records + " x 1 KB, acks=all, " + partitions + " partitions");
    }

    /**
     * Fills topic A, then times a plain Kafka Streams exactly_once_v2 application copying A to B
     * until B has every record, and returns records/s.
     */
    static Measurement eosPassThroughThroughput(EmbeddedKafkaCluster kafka, int records, int partitions,
                                                int commitIntervalMs, Path stateDir) throws Exception {
        String suffix = Long.toString(System.nanoTime());
        String in = "raw-eos-in-" + suffix;
        String out = "raw-eos-out-" + suffix;
        kafka.createTopic(in, partitions);
        kafka.createTopic(out, partitions);
        byte[] value = new byte[200];
        Arrays.fill(value, (byte) 'x');
        Map<String, Object> config = kafka.clientProperties();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        try (var producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(in, ("key-" + (i % 10_000)).getBytes(), value));
            }
            producer.flush();
        }
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .to(out, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        long started;
        try (KafkaStreams streams = new KafkaStreams(builder.build(), streamsConfig(kafka, "raw-eos-" + suffix, commitIntervalMs, stateDir))) {
            started = startAndAwaitRunning(streams);
            awaitCommitted(kafka, out, records, Duration.ofMinutes(5));
        }
        double perSecond = records / seconds(started);
        return Measurement.of("raw Kafka Streams EOS v2 pass-through", "records/s", perSecond,
                records + " x 200 B, " + partitions + " partitions, commit.interval.ms=" + commitIntervalMs);
    }


    /**
     * Runs a plain exactly_once_v2 pass-through while a producer sends at a fixed rate, and returns
     * the p50/p99/p999 time from send to read_committed delivery on the output topic.
     */
    static List<Measurement> eosPassThroughLatency(EmbeddedKafkaCluster kafka, int perSecond, Duration duration,
                                                   int commitIntervalMs, String load, Path stateDir) throws Exception {
        String suffix = Long.toString(System.nanoTime());
        String in = "raw-latency-in-" + suffix;
        String out = "raw-latency-out-" + suffix;
        kafka.createTopic(in, 1);
        kafka.createTopic(out, 1);
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(in, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                .to(out, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
        Map<String, Object> producerConfig = kafka.clientProperties();
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        long total = perSecond * duration.toSeconds();
        Latencies latencies = new Latencies((int) total);
        try (KafkaStreams streams = new KafkaStreams(builder.build(), streamsConfig(kafka, "raw-latency-" + suffix, commitIntervalMs, stateDir));
             var producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
             var consumer = committedReader(kafka, out)) {
            streams.start();
            Thread reader = new Thread(() -> {
                long deadline = System.nanoTime() + duration.plusSeconds(60).toNanos();
                while (latencies.count() < total && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(50)).forEach(record ->
                            latencies.add(System.nanoTime() - java.nio.ByteBuffer.wrap(record.value()).getLong()));
                }
            }, "latency-reader");
            reader.start();
            // Latencies.percentiles drops the first tenth as warm-up: the first transactions pay
            // for producer ids, partition registration and JIT.
            FixedRate.run(perSecond, total, (i, due) -> producer.send(new ProducerRecord<>(in, ("k" + i % 100).getBytes(),
                    java.nio.ByteBuffer.allocate(8).putLong(due).array())));
            reader.join();
        }
        String note = perSecond + " records/s (" + load + ") for " + duration.toSeconds() + " s, commit.interval.ms=" + commitIntervalMs;
        return latencies.percentiles("raw Kafka Streams EOS v2 pass-through latency", note);
    }

    /**
     * Starts {@code streams} and returns the time it reached RUNNING: throughput is timed from
     * there, so that start-up and the first rebalance are not counted, for Myelin and raw alike.
     */
    static long startAndAwaitRunning(KafkaStreams streams) throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        streams.start();
        if (!running.await(2, TimeUnit.MINUTES)) {
            throw new IllegalStateException("Kafka Streams did not reach RUNNING within 2 minutes: " + streams.state());
        }
        return System.nanoTime();
    }

    static Properties streamsConfig(EmbeddedKafkaCluster kafka, String applicationId, int commitIntervalMs, Path stateDir) throws Exception {
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
        // the same short poll as Myelin's command processor, so the ratio measures Myelin, not tuning
        config.put(StreamsConfig.POLL_MS_CONFIG, 5);
        config.put(StreamsConfig.STATE_DIR_CONFIG, Files.createDirectories(stateDir.resolve(applicationId)).toString());
        config.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        return config;
    }

    /** Reads {@code topic} with read_committed until {@code count} records have arrived. */
    static void awaitCommitted(EmbeddedKafkaCluster kafka, String topic, long count, Duration timeout) {
        try (var consumer = committedReader(kafka, topic)) {
            long seen = 0;
            long deadline = System.nanoTime() + timeout.toNanos();
            while (seen < count) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(topic + " had " + seen + " of " + count + " records after " + timeout);
                }
                seen += consumer.poll(Duration.ofMillis(100)).count();
            }
        }
    }

    /** Returns a read_committed consumer assigned to every partition of {@code topic}, from the start. */
    static KafkaConsumer<byte[], byte[]> committedReader(EmbeddedKafkaCluster kafka, String topic) {
        return committedReader(kafka, topic, Map.of());
    }

    /** Returns {@link #committedReader(EmbeddedKafkaCluster, String)} with some consumer settings changed. */
    static KafkaConsumer<byte[], byte[]> committedReader(EmbeddedKafkaCluster kafka, String topic, Map<String, Object> overrides) {
        Map<String, Object> config = kafka.clientProperties();
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        config.putAll(overrides);
        var consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    static void sleepQuietly(Duration duration) {
        try {
            TimeUnit.NANOSECONDS.sleep(duration.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
