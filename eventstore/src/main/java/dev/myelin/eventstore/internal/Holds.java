package dev.myelin.eventstore.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.TaskMigratedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.schemas.RecordOrigin;

/**
 * The input partitions of one running Kafka Streams runtime (a projection, a saga runtime) that are
 * held: their next record cannot be decoded or stored because the schema registry is unavailable, so
 * they wait, neither skipping the record nor dead-lettering it, until the registry answers again.
 * Shared by the processors of every stream thread (a replaced thread's processors see the same holds)
 * and read by the runtime for its health.
 * Logs a held partition at WARN when the hold begins, then at most once a minute while it lasts, and
 * at INFO when it ends, so an outage does not log once per record.
 */
public final class Holds {

    private static final Logger LOG = LoggerFactory.getLogger(Holds.class);
    /** A hold not renewed for this long is taken as gone: its partition moved to another instance. */
    private static final Duration STALE = Duration.ofMinutes(2);
    private static final Duration REMIND = Duration.ofMinutes(1);

    /**
     * One held partition.
     *
     * @param partition the input partition, as {@code topic-partition}
     * @param event     where the held record was read
     * @param cause     the outage, in words
     * @param since     when the hold began
     */
    public record Held(String partition, RecordOrigin event, String cause, Instant since) {
    }

    private record Entry(Held held, long renewedNanos, long loggedNanos) {
    }

    /** Why a partition is held; the cause of the {@link TaskMigratedException} a hold throws. */
    public static final class PartitionHeldException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PartitionHeldException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final String owner;
    private final Duration maxBlock;
    private final Map<String, Entry> held = new ConcurrentHashMap<>();
    private volatile boolean any;

    /**
     * Creates the holds of one runtime.
     *
     * @param owner    the runtime, for the log and the exception, such as "Projection balances"
     * @param maxBlock how long one {@code process} call may wait for the registry before it holds the partition
     */
    public Holds(String owner, Duration maxBlock) {
        this.owner = owner;
        this.maxBlock = maxBlock;
    }

    /**
     * Returns how long one {@code process} call may wait for the schema registry before it holds its
     * partition: 10 s at most, and no more than half the transaction timeout (Kafka Streams' default
     * 10 s), so that the broker never aborts a transaction for its age while a processor waits, nor
     * half of {@code max.poll.interval.ms}.
     *
     * @param producer   the runtime's producer configuration (as {@code StreamsConfig.getProducerConfigs} gives it)
     * @param properties the runtime's Kafka Streams properties
     * @return the budget
     */
    public static Duration maxBlock(Map<String, Object> producer, Map<?, ?> properties) {
        long transaction = number(producer.get(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), 60_000);
        long poll = number(properties.get(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG)),
                number(properties.get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG), 300_000));
        return Duration.ofMillis(Math.max(100, Math.min(10_000, Math.min(transaction / 2, poll / 2))));
    }

    /**
     * Reads a numeric configuration value given as a number or as text.
     *
     * @param value     the value, may be null
     * @param otherwise what to return for null or unparseable text
     * @return the number
     */
    public static long number(Object value, long otherwise) {
        if (value == null) {
            return otherwise;
        }
        try {
            return value instanceof Number n ? n.longValue() : Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            return otherwise; // Kafka's own config check names the bad value when the clients start
        }
    }

    /**
     * Returns how long one {@code process} call may wait for the registry.
     *
     * @return the budget
     */
    public Duration maxBlock() {
        return maxBlock;
    }

    /**
     * Records that {@code partition} is held at {@code event}, logs it when due, and returns the exception
     * to throw. It is a {@link TaskMigratedException}, which Kafka Streams handles as a fenced thread:
     * it closes the thread's tasks without committing anything (their open transaction aborts), leaves
     * the group and joins it again at once, and the tasks read again from their committed offsets. The
     * held event is read again, and nothing after it has been committed. Any other exception would end
     * the stream thread, and its replacement would wait out the old member's session timeout (45 s by
     * default) before the group gave it the partitions back.
     *
     * @param partition the held input partition, as {@code topic-partition}
     * @param event     where the held record was read
     * @param cause     the registry outage
     * @return the exception to throw from {@code process}
     */
    public TaskMigratedException hold(String partition, RecordOrigin event, Throwable cause) {
        long now = System.nanoTime();
        String reason = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        Entry before = held.get(partition);
        boolean fresh = before == null || now - before.renewedNanos() > STALE.toNanos();
        Held h = fresh ? new Held(partition, event, reason, Instant.now()) : new Held(partition, event, reason, before.held().since());
        boolean log = fresh || now - before.loggedNanos() > REMIND.toNanos();
        held.put(partition, new Entry(h, now, log ? now : before.loggedNanos()));
        any = true;
        if (log) {
            LOG.warn("{}: partition {} is held at the record at {} since {}: the schema registry is unavailable ({})."
                    + " Nothing is skipped or dead-lettered; the record is read again until the registry answers.",
                    owner, partition, event, h.since(), reason);
        }
        String message = owner + " holds partition " + partition + " at " + event
                + ": the schema registry is unavailable; it resumes by itself when the registry answers";
        return new TaskMigratedException(message, new PartitionHeldException(message, cause));
    }

    /**
     * Returns whether any partition may be held.
     *
     * @return true while a hold may be live
     */
    public boolean any() {
        return any;
    }

    /**
     * Ends the hold of {@code partition}, if any: a record of it was processed.
     *
     * @param partition the input partition, as {@code topic-partition}
     */
    public void release(String partition) {
        Entry ended = held.remove(partition);
        if (ended != null) {
            LOG.info("{}: partition {} resumed; it was held since {}", owner, partition, ended.held().since());
        }
        any = !held.isEmpty();
    }

    /**
     * Returns the partition held longest, among holds renewed lately.
     *
     * @return the oldest live hold, or empty
     */
    public Optional<Held> oldest() {
        long now = System.nanoTime();
        return held.values().stream()
                .filter(e -> now - e.renewedNanos() <= STALE.toNanos())
                .map(Entry::held)
                .min(Comparator.comparing(Held::since));
    }

    /**
     * Returns whether {@code error} or one of its causes is a hold.
     *
     * @param error an error
     * @return true for a hold
     */
    public static boolean isHold(Throwable error) {
        return Faults.find(error, PartitionHeldException.class) != null;
    }
}
