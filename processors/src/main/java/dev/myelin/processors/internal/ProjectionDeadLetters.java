package dev.myelin.processors.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.internal.AggregatePartitioner;
import dev.myelin.eventstore.internal.TopicScan;
import dev.myelin.processors.DeadLetter;
import dev.myelin.processors.MyelinProjectionException;
import dev.myelin.schemas.EventMetadata;

/**
 * A projection's dead letters: reads them from its dead-letter topic (which projections may share)
 * and re-drives the chosen ones into its re-drive topic, each to its aggregate's partition.
 */
final class ProjectionDeadLetters {
    private static final Logger LOG = LoggerFactory.getLogger(ProjectionDeadLetters.class);

    private final ProjectionDefinition<?, ?, ?> definition;
    private final String applicationId;
    private final Admin admin;
    private final Map<String, Object> clientProperties;

    ProjectionDeadLetters(ProjectionDefinition<?, ?, ?> definition, String applicationId, Admin admin, Map<String, Object> clientProperties) {
        this.definition = definition;
        this.applicationId = applicationId;
        this.admin = admin;
        this.clientProperties = clientProperties;
    }

    /** Returns the projection's dead letters, read to the topic's end within {@code timeout}. */
    List<DeadLetter> read(Duration timeout) {
        List<DeadLetter> letters = new ArrayList<>();
        read(timeout, (letter, record) -> letters.add(letter));
        return letters;
    }

    /** Re-drives the dead letters {@code which} selects; returns how many. */
    int redrive(Predicate<? super DeadLetter> which, Duration timeout) {
        Objects.requireNonNull(which, "which");
        List<ProducerRecord<byte[], byte[]>> redrive = new ArrayList<>();
        int partitions = partitionCount(definition.redriveTopic());
        read(timeout, (letter, record) -> {
            if (which.test(letter)) {
                Headers headers = DeadLetterCodec.redriveHeaders(record.headers(), letter.origin());
                redrive.add(new ProducerRecord<>(definition.redriveTopic(), redrivePartition(headers, partitions),
                        record.key(), record.value(), headers));
            }
        });
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.CLIENT_ID_CONFIG, applicationId + "-myelin-redrive");
        props.keySet().retainAll(ProducerConfig.configNames());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            List<Future<?>> sent = new ArrayList<>();
            redrive.forEach(record -> sent.add(producer.send(record)));
            producer.flush();
            for (Future<?> future : sent) {
                future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException | TimeoutException | InterruptedException | KafkaException e) {
            throw ProjectionAdmin.failure("re-drive dead letters of projection " + definition.name(), e);
        }
        LOG.info("Re-drove {} dead letter(s) into projection {}", redrive.size(), definition.name());
        return redrive.size();
    }

    /** Returns the partition of the re-drive topic for an event: its aggregate's, as on the events topic. */
    private static int redrivePartition(Headers headers, int partitions) {
        return EventMetadata.header(headers, EventMetadata.AGGREGATE_ID)
                .map(id -> AggregatePartitioner.partitionOf(id, partitions))
                .orElse(0);
    }

    private int partitionCount(String topic) {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(ProjectionAdmin.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topic).partitions().size();
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            throw ProjectionAdmin.failure("describe topic " + topic, e);
        }
    }

    private void read(Duration timeout, BiConsumer<DeadLetter, ConsumerRecord<byte[], byte[]>> each) {
        Map<String, Object> props = TopicScan.consumerProperties(clientProperties, applicationId + "-myelin-dead-letters");
        try {
            TopicScan.read(props, definition.deadLetterTopic(), timeout, record -> {
                DeadLetter letter = DeadLetterCodec.read(record.key(), record.value(), record.headers());
                if (letter.projection().equals(definition.name())) {
                    each.accept(letter, record);
                }
            });
        } catch (IllegalStateException | KafkaException e) {
            throw new MyelinProjectionException("could not read dead-letter topic " + definition.deadLetterTopic() + ": " + e.getMessage(), e);
        }
    }
}
