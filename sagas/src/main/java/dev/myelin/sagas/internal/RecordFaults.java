package dev.myelin.sagas.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.internal.DeadLetterHeaders;
import dev.myelin.eventstore.internal.Faults;
import dev.myelin.eventstore.internal.Holds;
import dev.myelin.eventstore.internal.Meters;
import dev.myelin.sagas.SagaHeaders;
import dev.myelin.schemas.RecordOrigin;
import dev.myelin.schemas.SchemaRegistryUnavailableException;

/**
 * What the saga runtime's processors do with a record they cannot process: hold its partition while
 * the schema registry is unavailable (a transient fault never skips, dead-letters or fails anything),
 * and send it to the saga's dead-letter topic when retrying cannot help and no saga can carry the
 * failure. Shared by the trigger router and the saga processor.
 */
final class RecordFaults {
    /** The trigger router's sink node of the saga's dead-letter topic. */
    static final String ROUTER_DEAD_LETTERS = "dead-letters";
    /** The saga processor's sink node of the dead-letter topic: a sink shared by both would join their sub-topologies. */
    static final String SAGA_DEAD_LETTERS = "dead-letters-of-sagas";

    /** Why a record became a saga dead letter; the value of the {@code myelin.dead-letter.reason} header. */
    enum Reason {
        /** Its bytes cannot be read as a trigger or as the reply of the step's participant. */
        UNDECODABLE,
        /** A function of the saga definition (its saga id, its initial data) threw for it, or the data cannot be written. */
        HANDLER_FAILED,
        /** Anything else failed while processing it, and no saga exists to be marked FAILED instead. */
        UNPROCESSABLE
    }

    private static final Logger log = LoggerFactory.getLogger(RecordFaults.class);
    /** A pause before a held task is given up: an outage costs one retry a second, not a busy loop. */
    private static final Duration HOLD_BACKOFF = Duration.ofSeconds(1);
    /** The producer's default max.request.size; a dead letter's headers are cut to fit under it with the record. */
    private static final int MAX_REQUEST_SIZE = 1_048_576;
    private static final int RECORD_OVERHEAD = 512;

    private final String saga;
    private final Holds holds;
    private final String sink;
    private final Meters.Count deadLetters;

    /**
     * Creates the faults of one processor.
     *
     * @param saga        the saga's name
     * @param holds       the runtime's holds
     * @param sink        the processor's sink node of the dead-letter topic
     * @param deadLetters counts the records sent to the dead-letter topic
     */
    RecordFaults(String saga, Holds holds, String sink, Meters.Count deadLetters) {
        this.saga = saga;
        this.holds = holds;
        this.sink = sink;
        this.deadLetters = deadLetters;
    }

    /** Returns the registry outage behind {@code error}, or null when it is not one (or is a hold already). */
    static SchemaRegistryUnavailableException outage(Throwable error) {
        return Holds.isHold(error) ? null : Faults.registryOutage(error);
    }

    /**
     * Returns the exception that holds the current record's partition for a registry outage, after a
     * short pause: a {@code TaskMigratedException}, which aborts the transaction and reads the record
     * again from the committed offset (see {@link Holds#hold}). The registry call that failed is bounded
     * by the client's request deadline (4 s by default), so a call plus this pause stays well under
     * the transaction timeout.
     */
    RuntimeException hold(ProcessorContext<?, ?> context, Headers headers, SchemaRegistryUnavailableException outage) {
        pause();
        return holds.hold(partition(context), origin(context, headers), outage);
    }

    /** Returns the exception that holds the current task for a registry outage met outside a record (a punctuation). */
    RuntimeException holdTask(ProcessorContext<?, ?> context, SchemaRegistryUnavailableException outage) {
        pause();
        return holds.hold("task " + context.taskId(), RecordOrigin.topic("deadlines of task " + context.taskId()), outage);
    }

    /** Ends a hold of the current task's deadlines, if any: a punctuation went through. */
    void punctuated(ProcessorContext<?, ?> context) {
        if (holds.any()) {
            holds.release("task " + context.taskId());
        }
    }

    private void pause() {
        Duration pause = HOLD_BACKOFF.compareTo(holds.maxBlock()) < 0 ? HOLD_BACKOFF : holds.maxBlock();
        LockSupport.parkNanos(pause.toNanos());
    }

    /** Ends a hold of the current record's partition, if any: one of its records went through. */
    void processed(ProcessorContext<?, ?> context) {
        if (holds.any()) {
            holds.release(partition(context));
        }
    }

    /**
     * Sends {@code record} as it was read, with the {@code myelin.dead-letter.*} headers, to the dead-letter topic.
     */
    void deadLetter(ProcessorContext<String, byte[]> context, Record<String, byte[]> record, Reason reason, Throwable error) {
        RecordOrigin origin = origin(context, record.headers());
        log.warn("saga {}: dead-lettering the record at {} (key {}): {}: {}", saga, origin, record.key(), reason, error.toString());
        int room = MAX_REQUEST_SIZE - RECORD_OVERHEAD - (record.value() == null ? 0 : record.value().length)
                - (record.key() == null ? 0 : record.key().length() * 3);
        Headers headers = DeadLetterHeaders.with(record.headers(), SagaHeaders.DEAD_LETTER_SAGA, saga, reason.name(), error, origin, 1,
                Instant.ofEpochMilli(context.currentSystemTimeMs()), room);
        context.forward(new Record<>(record.key(), record.value(), record.timestamp(), headers), sink);
        deadLetters.increment();
    }

    /** Returns where a record was first read: the origin its router carried, or where this processor read it. */
    static RecordOrigin origin(ProcessorContext<?, ?> context, Headers headers) {
        Optional<RecordOrigin> carried;
        try {
            carried = DeadLetterHeaders.carriedOrigin(headers);
        } catch (RuntimeException e) {
            carried = Optional.empty(); // written to the inbox by something else, with a malformed origin: where it was read will do
        }
        return carried.orElseGet(() -> read(context));
    }

    /** Returns where the current record was read. */
    static RecordOrigin read(ProcessorContext<?, ?> context) {
        Optional<RecordMetadata> metadata = context.recordMetadata();
        if (metadata.isEmpty()) {
            return RecordOrigin.topic("unknown");
        }
        RecordMetadata m = metadata.get();
        return m.partition() < 0 || m.offset() < 0 ? RecordOrigin.topic(m.topic()) : RecordOrigin.of(m.topic(), m.partition(), m.offset());
    }

    private static String partition(ProcessorContext<?, ?> context) {
        return context.recordMetadata().map(m -> m.topic() + "-" + m.partition()).orElse("unknown");
    }
}
