package dev.myelin.processors.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.streams.errors.TaskMigratedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.schemas.RecordOrigin;

/**
 * The input partitions of one running projection that are held: their next event cannot be decoded or
 * stored because the schema registry is unavailable, so they wait, neither skipping the event nor
 * dead-lettering it, until the registry answers again. Shared by the processors of every stream
 * thread (a replaced thread's processors see the same holds) and read by the runtime for its health.
 * Logs a held partition at WARN when the hold begins, then at most once a minute while it lasts, and
 * at INFO when it ends, so an outage does not log once per record.
 */
public final class Holds {

    private static final Logger LOG = LoggerFactory.getLogger(Holds.class);
    /** A hold not renewed for this long is taken as gone: its partition moved to another instance. */
    private static final Duration STALE = Duration.ofMinutes(2);
    private static final Duration REMIND = Duration.ofMinutes(1);

    /** One held partition. */
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

    private final String projection;
    private final Duration maxBlock;
    private final Map<String, Entry> held = new ConcurrentHashMap<>();
    private volatile boolean any;

    /**
     * Creates the holds of one projection.
     *
     * @param projection the projection's name, for the log
     * @param maxBlock   how long one {@code process} call may wait for the registry before it holds the partition
     */
    public Holds(String projection, Duration maxBlock) {
        this.projection = projection;
        this.maxBlock = maxBlock;
    }

    /** Returns how long one {@code process} call may wait for the registry. */
    Duration maxBlock() {
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
     */
    TaskMigratedException hold(String partition, RecordOrigin event, Throwable cause) {
        long now = System.nanoTime();
        String reason = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        Entry before = held.get(partition);
        boolean fresh = before == null || now - before.renewedNanos() > STALE.toNanos();
        Held h = fresh ? new Held(partition, event, reason, Instant.now()) : new Held(partition, event, reason, before.held().since());
        boolean log = fresh || now - before.loggedNanos() > REMIND.toNanos();
        held.put(partition, new Entry(h, now, log ? now : before.loggedNanos()));
        any = true;
        if (log) {
            LOG.warn("Projection {}: partition {} is held at the event at {} since {}: the schema registry is unavailable ({})."
                    + " Nothing is skipped or dead-lettered; the event is read again until the registry answers.",
                    projection, partition, event, h.since(), reason);
        }
        String message = "projection " + projection + " holds partition " + partition + " at " + event
                + ": the schema registry is unavailable; it resumes by itself when the registry answers";
        return new TaskMigratedException(message, new PartitionHeldException(message, cause));
    }

    /** Returns whether any partition may be held. */
    boolean any() {
        return any;
    }

    /** Ends the hold of {@code partition}, if any: an event of it was processed. */
    void release(String partition) {
        Entry ended = held.remove(partition);
        if (ended != null) {
            LOG.info("Projection {}: partition {} resumed; it was held since {}", projection, partition, ended.held().since());
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
