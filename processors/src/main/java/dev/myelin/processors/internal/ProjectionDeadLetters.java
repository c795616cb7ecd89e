package dev.myelin.processors.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.DeadLetterStatus;
import dev.myelin.eventstore.internal.AggregatePartitioner;
import dev.myelin.eventstore.internal.DeadLetterActions;
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

    /**
     * Re-drives the dead letters {@code which} selects, only the pending ones if {@code pendingOnly}, and
     * records the action by {@code by}, in one transaction; returns how many.
     */
    int redrive(Predicate<? super DeadLetter> which, String by, boolean pendingOnly, Duration timeout) {
        return act(DeadLetterStatus.REDRIVEN, which, by, pendingOnly, timeout);
    }

    /** Records the pending dead letters {@code which} selects as skipped by {@code by}; returns how many. */
    int skip(Predicate<? super DeadLetter> which, String by, Duration timeout) {
        return act(DeadLetterStatus.SKIPPED, which, by, true, timeout);
    }

    private synchronized int act(DeadLetterStatus status, Predicate<? super DeadLetter> which, String by, boolean pendingOnly,
                                 Duration timeout) {
        Objects.requireNonNull(which, "which");
        DeadLetterActions.requireBy(by);
        int partitions = status == DeadLetterStatus.REDRIVEN ? partitionCount(definition.redriveTopic()) : 0;
        Instant now = Instant.now();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        int[] chosen = {0};
        read(timeout, (letter, record) -> {
            if ((!pendingOnly || letter.status() == DeadLetterStatus.PENDING) && which.test(letter)) {
                if (status == DeadLetterStatus.REDRIVEN) {
                    Headers headers = DeadLetterCodec.redriveHeaders(record.headers(), letter.origin());
                    records.add(new ProducerRecord<>(definition.redriveTopic(), redrivePartition(headers, partitions),
                            record.key(), record.value(), headers));
                }
                records.add(DeadLetterActions.record(record, status, by, now));
                chosen[0]++;
            }
        });
        if (chosen[0] == 0) {
            return 0;
        }
        Map<String, Object> props = DeadLetterActions.producerProperties(clientProperties, applicationId + "-myelin-dead-letter-actions");
        try {
            DeadLetterActions.sendInOneTransaction(props, records);
        } catch (KafkaException e) {
            throw ProjectionAdmin.failure((status == DeadLetterStatus.REDRIVEN ? "re-drive" : "skip") + " dead letters of projection "
                    + definition.name(), e);
        }
        // who and how many; never the payloads
        LOG.info("{} {} dead letter(s) of projection {}, by {}", status == DeadLetterStatus.REDRIVEN ? "Re-drove" : "Skipped",
                chosen[0], definition.name(), by);
        return chosen[0];
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
        List<DeadLetterActions.Letter> letters;
        try {
            letters = DeadLetterActions.readLetters(props, definition.deadLetterTopic(), timeout);
        } catch (IllegalStateException | KafkaException e) {
            throw new MyelinProjectionException("could not read dead-letter topic " + definition.deadLetterTopic() + ": " + e.getMessage(), e);
        }
        for (DeadLetterActions.Letter read : letters) {
            DeadLetter letter = DeadLetterCodec.read(read.record(), read.actions());
            if (letter.projection().equals(definition.name())) {
                each.accept(letter, read.record());
            }
        }
    }
}
