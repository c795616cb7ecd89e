package dev.myelin.processors.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.processors.MyelinProjectionException;
import dev.myelin.processors.ProjectionLag;
import dev.myelin.processors.ProjectionState;
import dev.myelin.processors.RunningProjection;

/**
 * How far a projection is behind its inputs, from the brokers: the committed (read_committed) ends
 * of its input topics, and of its repartition topic when re-keyed, against its group's committed
 * positions.
 */
final class ProjectionLagReader implements CatchUp.Progress {
    private static final Logger LOG = LoggerFactory.getLogger(ProjectionLagReader.class);
    private static final long TIMEOUT_MS = ProjectionAdmin.TIMEOUT.toMillis();

    private final ProjectionDefinition<?, ?, ?> definition;
    private final String applicationId;
    private final Admin admin;

    ProjectionLagReader(ProjectionDefinition<?, ?, ?> definition, String applicationId, Admin admin) {
        this.definition = definition;
        this.applicationId = applicationId;
        this.admin = admin;
    }

    /** Returns the lag of each input partition now. */
    ProjectionLag lag() {
        Map<TopicPartition, Long> ends = committedEnds(lagTopics());
        Map<TopicPartition, Long> positions = positions(new ArrayList<>(ends.keySet()));
        Map<TopicPartition, Long> lag = new HashMap<>();
        ends.forEach((partition, end) -> lag.put(partition, Math.max(0, end - positions.get(partition))));
        return new ProjectionLag(lag);
    }

    /**
     * Waits until {@code projection} has processed the events committed before the call, logging its
     * progress every {@code progressInterval}; woken early by {@code stateChanged}.
     */
    void awaitCaughtUp(RunningProjection<?, ?> projection, Object stateChanged, Duration timeout, Duration progressInterval) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        // What "caught up" means is fixed when the call begins: the committed ends of the inputs then. Waiting for
        // zero lag instead would never return while events keep arriving. A re-keyed projection's events pass
        // through its repartition topic, whose end counts once the inputs are read up to their targets.
        Map<TopicPartition, Long> targets = committedEnds(definition.inputTopics());
        boolean repartitionCounted = !definition.rekeyed();
        long lastLog = start;
        long lastBehind = -1;
        while (true) {
            ProjectionState state = projection.state();
            if (state == ProjectionState.FAILED || state == ProjectionState.STOPPED) {
                throw new MyelinProjectionException("projection " + definition.name() + " is " + state
                        + " and will not catch up" + projection.failure().map(f -> ": " + f).orElse(""), projection.failure().orElse(null));
            }
            long behind = behind(targets);
            if (behind == 0 && !repartitionCounted) {
                targets.putAll(committedEnds(List.of(repartitionTopic())));
                repartitionCounted = true;
                behind = behind(targets);
            }
            long now = System.nanoTime();
            if (behind == 0 && projection.state() == ProjectionState.RUNNING) {
                LOG.info("Projection {} ({}) caught up after {} ms", definition.name(), applicationId,
                        TimeUnit.NANOSECONDS.toMillis(now - start));
                return;
            }
            if (now - lastLog >= progressInterval.toNanos()) {
                double seconds = (now - lastLog) / 1e9;
                long rate = lastBehind < 0 ? 0 : Math.max(0, Math.round((lastBehind - behind) / seconds));
                LOG.info("Projection {} ({}): {} events to go, {} events/s", definition.name(), applicationId, behind, rate);
                lastLog = now;
                lastBehind = behind;
            } else if (lastBehind < 0) {
                lastBehind = behind;
            }
            if (now > deadline) {
                throw new MyelinProjectionException("projection " + definition.name() + " still has " + behind
                        + " of the events committed before the wait began to process after " + timeout);
            }
            synchronized (stateChanged) {
                try {
                    // positions are read from the brokers; a commit interval or so between reads is plenty
                    stateChanged.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new MyelinProjectionException("interrupted while waiting for projection " + definition.name(), e);
                }
            }
        }
    }

    /** Returns the committed ends of the projection's source topics now: a target for {@link #behind}. */
    @Override
    public Map<TopicPartition, Long> sourceEnds() {
        return committedEnds(definition.inputTopics());
    }

    /** Returns how many of the events before {@code targets} the projection has not yet committed as processed. */
    @Override
    public long behind(Map<TopicPartition, Long> targets) {
        Map<TopicPartition, Long> positions = positions(new ArrayList<>(targets.keySet()));
        long behind = 0;
        for (Map.Entry<TopicPartition, Long> target : targets.entrySet()) {
            behind += Math.max(0, target.getValue() - positions.get(target.getKey()));
        }
        return behind;
    }

    /** Returns the committed (read_committed) end offset of every partition of {@code topics}. */
    private Map<TopicPartition, Long> committedEnds(List<String> topics) {
        return admin(() -> {
            List<TopicPartition> partitions = new ArrayList<>();
            for (Map.Entry<String, KafkaFuture<TopicDescription>> topic : admin.describeTopics(topics).topicNameValues().entrySet()) {
                try {
                    topic.getValue().get(TIMEOUT_MS, TimeUnit.MILLISECONDS).partitions()
                            .forEach(p -> partitions.add(new TopicPartition(topic.getKey(), p.partition())));
                } catch (ExecutionException e) {
                    // the repartition topic does not exist until Kafka Streams first starts; nothing waits in it then
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || !topic.getKey().equals(repartitionTopic())) {
                        throw e;
                    }
                }
            }
            Map<TopicPartition, Long> ends = new HashMap<>();
            offsets(partitions, OffsetSpec.latest()).forEach((p, info) -> ends.put(p, info.offset()));
            return ends;
        });
    }

    /**
     * Returns the projection's position in each partition: its committed offset, or the partition's
     * start where it has committed none yet (nothing before the start can be waited for).
     */
    private Map<TopicPartition, Long> positions(List<TopicPartition> partitions) {
        return admin(() -> {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = offsets(partitions, OffsetSpec.earliest());
            Map<TopicPartition, Long> positions = new HashMap<>();
            for (TopicPartition partition : partitions) {
                OffsetAndMetadata position = committed.get(partition);
                positions.put(partition, position == null ? starts.get(partition).offset() : position.offset());
            }
            return positions;
        });
    }

    private Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> offsets(List<TopicPartition> partitions, OffsetSpec spec)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(p -> request.put(p, spec));
        // read_committed: the end of what the projection can see, not counting open transactions
        return admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    /** An admin call that may fail with the checked exceptions of a future. */
    private interface AdminCall<T> {
        T call() throws InterruptedException, ExecutionException, TimeoutException;
    }

    private <T> T admin(AdminCall<T> call) {
        try {
            return call.call();
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            throw ProjectionAdmin.failure("read the offsets of projection " + definition.name(), e);
        }
    }

    /** Returns the repartition topic of a re-keyed projection (named by Kafka Streams from ours). */
    private String repartitionTopic() {
        return applicationId + "-myelin-rekey-repartition";
    }

    private List<String> lagTopics() {
        List<String> topics = new ArrayList<>(definition.inputTopics());
        if (definition.rekeyed()) {
            topics.add(repartitionTopic());
        }
        return topics;
    }
}
