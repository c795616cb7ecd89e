package dev.myelin.sagas.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.internal.RecordLimits;
import dev.myelin.eventstore.internal.Faults;
import dev.myelin.eventstore.internal.Tracing;
import dev.myelin.schemas.EventMetadata;
import dev.myelin.schemas.SchemaRegistryUnavailableException;

/**
 * The saga state machine's Kafka Streams side. Every input (a trigger, a reply, a passed deadline)
 * loads one saga, lets the {@link SagaMachine} decide its next state, forwards the commands and log
 * entries that follow and stores the state; Kafka Streams commits all of it with the input's offset
 * in one transaction, so a saga never sends a command without recording it, nor records a step it did
 * not send. What the machine cannot decide stays here: holding a partition while the schema registry
 * is away, dead letters, FAILED for an input that cannot be processed, and the size of what is stored.
 */
final class SagaProcessor<T, D> implements Processor<String, byte[], String, byte[]> {
    private static final Logger log = LoggerFactory.getLogger(SagaProcessor.class);
    private static final byte[] NOTHING = new byte[0];

    private final DefaultSagaDefinition<T, D> definition;
    private final List<String> stepNames;
    private final Duration tick;
    private final Duration retention;
    private final int deadlinesPerCheck;
    private final RecordFaults faults;
    /** Sagas this definition cannot read (they name a removed step), reported once per task. */
    private final Set<String> unreadable = new HashSet<>();
    /** When this task began running (init follows the restore of its stores). */
    private long startedAt;
    /**
     * The largest record the producer can send: a command over it fails its step (the machine checks), a saga state
     * over it fails the input (checked here), instead of either failing the transaction.
     */
    private int maxRecordBytes;
    private SagaMachine<T, D> machine;
    /** The context, keeping a record's forwards back until it is processed whole (see {@link #process}). */
    private ProcessorContext<String, byte[]> context;
    private final SagaMeters meters;
    private final String inbox;
    private final Tracing tracing;
    /** The span of the inbox record being processed, the parent of the commands it sends; null between records. */
    private Tracing.Span span;
    private BufferedContext<String, byte[]> buffered;
    private KeyValueStore<String, byte[]> sagas;
    private KeyValueStore<Bytes, byte[]> deadlines;

    SagaProcessor(DefaultSagaDefinition<T, D> definition, String inbox, Duration tick, Duration retention, int deadlinesPerCheck,
                  RecordFaults faults, SagaMeters meters, Tracing tracing) {
        this.inbox = inbox;
        this.faults = faults;
        this.meters = meters;
        this.tracing = tracing;
        this.retention = retention;
        this.deadlinesPerCheck = deadlinesPerCheck;
        this.definition = definition;
        this.stepNames = definition.stepNames();
        this.tick = tick;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.buffered = new BufferedContext<>(context);
        this.context = buffered;
        this.sagas = context.getStateStore(SagaTopology.SAGAS_STORE);
        this.deadlines = context.getStateStore(SagaTopology.DEADLINES_STORE);
        this.startedAt = context.currentSystemTimeMs();
        this.maxRecordBytes = RecordLimits.maxRecordBytes(context.appConfigs());
        this.machine = new SagaMachine<>(definition, retention, maxRecordBytes, inbox);
        context.schedule(tick, PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    /**
     * Processes one inbox record, so that no record can stop the runtime: a registry outage holds the
     * partition (the transaction aborts and the record is read again until the registry answers);
     * Kafka's own failures go to Kafka Streams; anything else the record caused is dropped whole (the
     * commands and log entries it had forwarded are discarded) and its saga is marked FAILED with the
     * reason, or, with no saga to mark, the record goes to the dead-letter topic.
     */
    @Override
    public void process(Record<String, byte[]> record) {
        span = tracing.process(context.recordMetadata().map(m -> m.topic()).orElse(definition.name()), record.headers());
        try {
            span.run(() -> processTraced(record));
        } finally {
            span = null;
        }
    }

    private void processTraced(Record<String, byte[]> record) {
        markDirectReply(record.headers());
        buffered.begin();
        try {
            handle(record);
        } catch (RuntimeException e) {
            buffered.discard();
            SchemaRegistryUnavailableException outage = RecordFaults.outage(e);
            if (outage != null) {
                throw faults.hold(context, record.headers(), outage);
            }
            if (Faults.isKafkas(e)) {
                throw e;
            }
            buffered.begin();
            unprocessable(record, e);
        }
        buffered.flush();
        faults.processed(context);
    }

    /** Fires passed deadlines; a registry outage holds the task like a record's would. */
    private void punctuate(long now) {
        try {
            fireDeadlines(now);
            faults.punctuated(context);
        } catch (RuntimeException e) {
            SchemaRegistryUnavailableException outage = RecordFaults.outage(e);
            if (outage != null) {
                throw faults.holdTask(context, outage);
            }
            throw e;
        }
    }

    /** Marks the record's saga FAILED with what {@code error} says, or dead-letters the record when there is none to mark. */
    private void unprocessable(Record<String, byte[]> record, RuntimeException error) {
        String why = "the inbox record at " + RecordFaults.origin(context, record.headers()) + " could not be processed: " + error;
        Optional<StoredSaga> stored = Optional.empty();
        try {
            stored = record.key() == null ? Optional.empty() : load(record.key());
            if (stored.isPresent() && !stored.get().status().isFinal()) {
                apply(record, machine.apply(stored, new SagaMachine.Fault(why), context.currentSystemTimeMs()));
                log.error("saga {} {}: {}", definition.name(), record.key(), why, error);
                return;
            }
        } catch (RuntimeException again) {
            if (RecordFaults.outage(again) != null || Faults.isKafkas(again)) {
                throw again;
            }
            // the saga cannot even be stored as FAILED (its state is what fails): the record is kept instead
            buffered.discard();
            buffered.begin();
            error.addSuppressed(again);
        }
        log.error("saga {}: {}; {}", definition.name(), why, stored.isPresent() ? "its saga cannot be marked FAILED" : "no saga to mark FAILED",
                error);
        faults.deadLetter(context, record, RecordFaults.Reason.UNPROCESSABLE, error);
    }

    /**
     * A participant that answers on the inbox itself (a Myelin aggregate, told so by the command's
     * reply-to) writes the result as it is, with the command id in a header; it is marked as the reply
     * router marks the replies it forwards, so that it is handled, and dead-lettered, as theirs are.
     */
    private static void markDirectReply(Headers headers) {
        if (headers.lastHeader(SagaTopology.KIND) != null) {
            return;
        }
        Header commandId = headers.lastHeader(CommandHeaders.COMMAND_ID);
        if (commandId != null && commandId.value() != null) {
            headers.add(SagaTopology.KIND, SagaTopology.KIND_REPLY.getBytes(StandardCharsets.UTF_8));
            headers.add(SagaTopology.REPLY_COMMAND, commandId.value());
        }
    }

    private void handle(Record<String, byte[]> record) {
        if (record.key() == null) {
            // the routers always set the saga id as key, so this record was written to the inbox by something
            // else; a null key would throw in the sagas store and end the stream thread, stopping every saga
            log.warn("saga {}: skipping the inbox record at {}: it has no key (saga id)", definition.name(),
                    SagaTopology.origin(context));
            return;
        }
        String kind = EventMetadata.header(record.headers(), SagaTopology.KIND).orElse("");
        long now = context.currentSystemTimeMs();
        if (SagaTopology.KIND_TRIGGER.equals(kind)) {
            if (sagas.get(record.key()) != null) {
                // checked on the stored bytes: a saga this definition cannot read exists all the same
                log.info("saga {} {}: trigger seen again; a saga starts once", definition.name(), record.key());
                return;
            }
            apply(record, machine.apply(Optional.empty(), new SagaMachine.Trigger(record.key(), record.headers(), record.value()), now));
        } else if (SagaTopology.KIND_REPLY.equals(kind)) {
            String commandId = EventMetadata.header(record.headers(), SagaTopology.REPLY_COMMAND).orElse("");
            apply(record, machine.apply(load(record.key()), new SagaMachine.Reply(record.key(), commandId, record.headers(),
                    record.value()), now));
        } else {
            log.warn("saga {}: ignoring the inbox record at {} without a {} header (key {})", definition.name(),
                    SagaTopology.origin(context), SagaTopology.KIND, record.key());
        }
    }

    /**
     * Handles the deadlines that passed, earliest first, at most {@code deadlinesPerCheck} of them: a
     * mass timeout (a participant down for a while) is spread over several punctuations, so the commit
     * that follows each one stays small and replies keep being read between them.
     */
    private void fireDeadlines(long now) {
        List<KeyValue<Bytes, String>> due = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = deadlines.all()) {
            while (it.hasNext() && due.size() < deadlinesPerCheck) {
                Bytes key = it.next().key;
                long deadline = ByteBuffer.wrap(key.get()).getLong();
                if (deadline > now) {
                    break; // big-endian non-negative longs sort in time order
                }
                String sagaId = new String(key.get(), 8, key.get().length - 8, StandardCharsets.UTF_8);
                if (unreadable.contains(sagaId)) {
                    continue; // reported already; kept for when its definition can read it again
                }
                due.add(KeyValue.pair(key, sagaId));
            }
        }
        int deferred = 0;
        for (KeyValue<Bytes, String> entry : due) {
            // each saga's deadline is handled on its own: what one saga causes never stops the others' deadlines
            buffered.begin();
            try {
                deferred += fireDeadline(entry, now);
            } catch (RuntimeException e) {
                buffered.discard();
                if (RecordFaults.outage(e) != null || Faults.isKafkas(e)) {
                    throw e;
                }
                buffered.begin();
                deadlineFailed(entry, e);
            }
            buffered.flush();
        }
        if (deferred > 0) {
            log.info("saga {}: {} deadline(s) passed while this task was not running; each step waits one more timeout from "
                    + "the restart", definition.name(), deferred);
        }
    }

    /** Handles one passed deadline; returns 1 when it was deferred because it passed while the task was down. */
    private int fireDeadline(KeyValue<Bytes, String> entry, long now) {
        long deadline = ByteBuffer.wrap(entry.key.get()).getLong();
        byte[] bytes = sagas.get(entry.value);
        StoredSaga saga;
        try {
            saga = bytes == null ? null : StoredSaga.decode(bytes, stepNames);
        } catch (StoredSaga.UnknownStepException e) {
            // the definition lost a step this saga still names; its deadline stays, so that it fires once the step is back
            unreadable.add(entry.value);
            log.error("saga {}: {}; its deadline is kept and skipped until then", definition.name(), e.getMessage());
            return 0;
        }
        if (saga == null || saga.deadline() != deadline) {
            deadlines.delete(entry.key); // stale: the saga moved on
            return 0;
        }
        if (saga.status().isFinal()) {
            // retention is over: forget the saga, so the store (and its changelog) holds live sagas and recent ones only
            deadlines.delete(entry.key);
            sagas.delete(saga.sagaId());
            log.debug("saga {} {}: {} for {}, removed from the store", definition.name(), saga.sagaId(), saga.status(), retention);
            return 0;
        }
        return apply(null, machine.apply(Optional.of(saga), new SagaMachine.DeadlineDue(now, startedAt), context.currentSystemTimeMs()));
    }

    /**
     * Marks FAILED the saga whose deadline could not be handled (its data cannot be read, a user function
     * threw, ...), so the deadline does not fail again at every tick; a saga that cannot even be stored
     * as FAILED loses its deadline and is left as it is, with the reason at ERROR.
     */
    private void deadlineFailed(KeyValue<Bytes, String> entry, RuntimeException error) {
        String why = "its deadline could not be handled: " + error;
        try {
            Optional<StoredSaga> stored = load(entry.value);
            if (stored.isPresent() && !stored.get().status().isFinal()) {
                apply(null, machine.apply(stored, new SagaMachine.Fault(why), context.currentSystemTimeMs()));
                log.error("saga {} {}: {}", definition.name(), entry.value, why, error);
                return;
            }
        } catch (RuntimeException again) {
            if (RecordFaults.outage(again) != null || Faults.isKafkas(again)) {
                throw again;
            }
            buffered.discard();
            buffered.begin();
            error.addSuppressed(again);
        }
        deadlines.delete(entry.key);
        log.error("saga {} {}: {}; the saga cannot be marked FAILED, so its deadline is dropped and the saga left as it is",
                definition.name(), entry.value, why, error);
    }

    // ---- storage

    /**
     * Applies what the machine decided: forwards its commands, log entries and dead letters (of {@code input},
     * null for a deadline) in order, then updates the deadline index and stores the saga.
     *
     * @return how many deadlines were pushed back because they passed while the task was not running
     */
    private int apply(Record<String, byte[]> input, SagaMachine.Outcome outcome) {
        byte[] encoded = null;
        if (outcome.saga().isPresent()) {
            StoredSaga after = outcome.saga().get();
            encoded = after.encode(stepNames);
            long size = RecordLimits.size(after.sagaId(), encoded, null);
            if (size > maxRecordBytes) {
                // its changelog record would fail the transaction at every restart; thrown before anything is written, so
                // process() drops this attempt whole and marks the saga FAILED with the state it had (which fitted)
                throw new IllegalArgumentException("the saga's new state would be " + size + " bytes, over the " + maxRecordBytes
                        + " a record may have (the producer's max.request.size less overhead); keep the saga's data smaller, or raise "
                        + "max.request.size (producer) and max.message.bytes (the " + SagaTopology.SAGAS_STORE + " store's changelog)");
            }
        }
        int deferred = 0;
        for (SagaMachine.Effect effect : outcome.effects()) {
            if (effect instanceof SagaMachine.Send send) {
                if (span != null) {
                    // the next command continues the trace of the trigger or reply that caused it
                    span.inject(send.headers());
                }
                context.forward(new Record<>(send.key(), send.value(), context.currentSystemTimeMs(), send.headers()),
                        SagaTopology.commandSink(send.topic()));
            } else if (effect instanceof SagaMachine.Log logged) {
                forward(logged.entry());
            } else if (effect instanceof SagaMachine.DeadLetter dead) {
                faults.deadLetter(context, input, dead.reason(), dead.error());
            } else if (effect instanceof SagaMachine.ClearDeadline clear) {
                deadlines.delete(deadlineKey(clear.at(), clear.sagaId()));
            } else if (effect instanceof SagaMachine.SetDeadline set) {
                deadlines.put(deadlineKey(set.at(), set.sagaId()), NOTHING);
            } else if (effect instanceof SagaMachine.Failed failed) {
                log.error("saga {} {} FAILED and needs attention: {}", definition.name(),
                        outcome.saga().map(StoredSaga::sagaId).orElse("?"), failed.reason());
            } else if (effect instanceof SagaMachine.Deferred) {
                deferred++;
            }
        }
        if (encoded != null) {
            sagas.put(outcome.saga().get().sagaId(), encoded);
        }
        return deferred;
    }

    /** Loads a saga; one whose step was removed from the definition is reported and left alone. */
    private Optional<StoredSaga> load(String sagaId) {
        byte[] bytes = sagas.get(sagaId);
        if (bytes == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(StoredSaga.decode(bytes, stepNames));
        } catch (StoredSaga.UnknownStepException e) {
            log.error("saga {}: {}", definition.name(), e.getMessage());
            return Optional.empty();
        }
    }

    private static Bytes deadlineKey(long deadline, String sagaId) {
        byte[] id = utf8(sagaId);
        return Bytes.wrap(ByteBuffer.allocate(8 + id.length).putLong(deadline).put(id).array());
    }

    /** Writes an entry to the saga log topic. */
    private void forward(SagaLogEntry entry) {
        Headers headers = new RecordHeaders();
        headers.add("myelin.saga.transition", utf8(entry.transition().name()));
        context.forward(new Record<>(entry.sagaId(), entry.toJson(), entry.at().toEpochMilli(), headers), SagaTopology.LOG_SINK);
        meters.transition(entry.sagaId(), entry.transition(), entry.step(), entry.at());
        log.debug("saga {} {}: {} {} {}", definition.name(), entry.sagaId(), entry.transition(), entry.step(), entry.detail());
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
