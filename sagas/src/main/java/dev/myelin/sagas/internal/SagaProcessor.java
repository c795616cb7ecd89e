package dev.myelin.sagas.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

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
import dev.myelin.eventstore.internal.Faults;
import dev.myelin.sagas.RetryPolicy;
import dev.myelin.sagas.SagaHeaders;
import dev.myelin.sagas.SagaStatus;
import dev.myelin.sagas.SagaTransition;
import dev.myelin.schemas.EventMetadata;
import dev.myelin.schemas.SchemaRegistryUnavailableException;

/**
 * The saga state machine. Every input (a trigger, a reply, a passed deadline) loads one saga, decides
 * its next state, forwards the commands and log entries that follow and stores the state; Kafka
 * Streams commits all of it with the input's offset in one transaction, so a saga never sends a
 * command without recording it, nor records a step it did not send.
 */
final class SagaProcessor<T, D> implements Processor<String, byte[], String, byte[]> {
    private static final Logger log = LoggerFactory.getLogger(SagaProcessor.class);
    private static final byte[] NOTHING = new byte[0];

    private final DefaultSagaDefinition<T, D> definition;
    private final List<StepModel<D>> steps;
    private final List<String> stepNames;
    private final Duration tick;
    private final Duration retention;
    private final int deadlinesPerCheck;
    private final RecordFaults faults;
    /** Sagas this definition cannot read (they name a removed step), reported once per task. */
    private final Set<String> unreadable = new HashSet<>();
    /** When this task began running (init follows the restore of its stores). */
    private long startedAt;
    /** The context, keeping a record's forwards back until it is processed whole (see {@link #process}). */
    private ProcessorContext<String, byte[]> context;
    private BufferedContext<String, byte[]> buffered;
    private KeyValueStore<String, byte[]> sagas;
    private KeyValueStore<Bytes, byte[]> deadlines;

    SagaProcessor(DefaultSagaDefinition<T, D> definition, Duration tick, Duration retention, int deadlinesPerCheck,
                  RecordFaults faults) {
        this.faults = faults;
        this.retention = retention;
        this.deadlinesPerCheck = deadlinesPerCheck;
        this.definition = definition;
        this.steps = definition.steps();
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
                save(stored.get(), fail(stored.get(), why.length() > 2_000 ? why.substring(0, 2_000) + " ... (cut)" : why));
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

    /** Rethrows {@code e} when it is a registry outage: that is no fault of the record, so it must reach {@link #process}. */
    private static void rethrowOutage(RuntimeException e) {
        if (RecordFaults.outage(e) != null) {
            throw e;
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
        if (SagaTopology.KIND_TRIGGER.equals(kind)) {
            start(record);
        } else if (SagaTopology.KIND_REPLY.equals(kind)) {
            reply(record);
        } else {
            log.warn("saga {}: ignoring the inbox record at {} without a {} header (key {})", definition.name(),
                    SagaTopology.origin(context), SagaTopology.KIND, record.key());
        }
    }

    // ---- inputs

    private void start(Record<String, byte[]> record) {
        String sagaId = record.key();
        if (sagas.get(sagaId) != null) {
            log.info("saga {} {}: trigger seen again; a saga starts once", definition.name(), sagaId);
            return;
        }
        T trigger;
        try {
            trigger = definition.triggerType().cast(definition.triggerSerde().deserializer()
                    .deserialize(definition.triggerTopic(), record.headers(), record.value()));
        } catch (RuntimeException e) {
            rethrowOutage(e);
            faults.deadLetter(context, record, RecordFaults.Reason.UNDECODABLE, e);
            return;
        }
        byte[] data;
        try {
            data = encodeData(definition.initialData(trigger));
        } catch (RuntimeException e) {
            rethrowOutage(e);
            // no saga exists to carry the failure: the trigger is kept where a person can see it and re-drive it
            faults.deadLetter(context, record, RecordFaults.Reason.HANDLER_FAILED, e);
            return;
        }
        StoredSaga saga = new StoredSaga(sagaId, SagaStatus.RUNNING, 0, 0, false, 0, data, List.of(), "");
        logEntry(saga, SagaTransition.STARTED, "");
        save(null, send(saga, 0, CommandIds.Phase.INVOKE, 1));
    }

    private void reply(Record<String, byte[]> record) {
        String sagaId = record.key();
        String commandId = EventMetadata.header(record.headers(), SagaTopology.REPLY_COMMAND).orElse("");
        Optional<CommandIds.Parsed> parsed = CommandIds.parse(definition.name(), commandId);
        Optional<StoredSaga> stored = load(sagaId);
        if (stored.isEmpty() || parsed.isEmpty()) {
            log.warn("saga {}: ignoring a reply to {}: no such saga", definition.name(), commandId);
            return;
        }
        StoredSaga saga = stored.get();
        if (saga.status().isFinal()) {
            log.info("saga {} {}: ignoring a reply to {}: the saga is {}", definition.name(), sagaId, commandId, saga.status());
            return;
        }
        CommandIds.Phase expectedPhase = saga.status() == SagaStatus.RUNNING ? CommandIds.Phase.INVOKE : CommandIds.Phase.COMPENSATE;
        if (parsed.get().phase() != expectedPhase || !parsed.get().step().equals(stepNames.get(saga.step()))) {
            // a duplicate, or an answer to a command the saga has moved past: nothing to do
            log.debug("saga {} {}: ignoring a reply to {}: it waits for step {} ({})", definition.name(), sagaId, commandId,
                    saga.step(), expectedPhase);
            return;
        }
        StepModel<D> step = steps.get(saga.step());
        Object reply;
        try {
            reply = step.participant().decodeReply(record.headers(), record.value());
        } catch (RuntimeException e) {
            // an unavailable registry is no answer: the reply is held and read again once the registry is back
            rethrowOutage(e);
            // whether the participant did it is unknown: compensating could leave its effect in place and
            // going on could build on nothing, so the saga stops where a person can see it, and the reply is
            // kept on the dead-letter topic with its origin for whoever decides what to do
            faults.deadLetter(context, record, RecordFaults.Reason.UNDECODABLE, e);
            save(saga, fail(saga, "the reply of " + step.participant().name() + " to " + commandId + " cannot be read (it is on the "
                    + "saga's dead-letter topic): " + e));
            return;
        }
        boolean success;
        String reason = "";
        try {
            success = step.success().test(reply);
            if (!success) {
                reason = step.participant().failureReason(reply);
            }
        } catch (RuntimeException e) {
            success = false;
            reason = "successWhen of step '" + step.name() + "' threw " + e;
        }
        if (expectedPhase == CommandIds.Phase.INVOKE) {
            stepAnswered(saga, step, reply, success, reason);
        } else {
            compensationAnswered(saga, success, reason);
        }
    }

    private void stepAnswered(StoredSaga saga, StepModel<D> step, Object reply, boolean success, String reason) {
        if (!success) {
            logEntry(saga, SagaTransition.STEP_FAILED, reason);
            save(saga, compensate(saga, step.name() + " failed: " + reason));
            return;
        }
        List<Integer> completed = new ArrayList<>(saga.completed());
        completed.add(saga.step());
        StoredSaga next = saga.withCompleted(completed);
        try {
            D data = step.onSuccess().apply(decodeData(saga), reply);
            next = next.withData(encodeData(data));
        } catch (RuntimeException e) {
            rethrowOutage(e);
            // the participant did the step, so it counts as completed and is compensated with the others
            String why = "onSuccess of step '" + step.name() + "' threw " + e;
            logEntry(next, SagaTransition.STEP_FAILED, why);
            save(saga, compensate(next, why));
            return;
        }
        logEntry(next, SagaTransition.STEP_SUCCEEDED, "");
        if (saga.step() + 1 == steps.size()) {
            next = next.with(SagaStatus.COMPLETED, saga.step(), saga.attempt(), false, 0);
            logEntry(next, SagaTransition.COMPLETED, "");
            save(saga, next);
        } else {
            save(saga, send(next, saga.step() + 1, CommandIds.Phase.INVOKE, 1));
        }
    }

    private void compensationAnswered(StoredSaga saga, boolean success, String reason) {
        if (!success) {
            save(saga, fail(saga, "compensation of step '" + steps.get(saga.step()).name() + "' failed: " + reason));
            return;
        }
        List<Integer> completed = new ArrayList<>(saga.completed());
        completed.remove(Integer.valueOf(saga.step()));
        List<Integer> timedOut = new ArrayList<>(saga.timedOut());
        timedOut.remove(Integer.valueOf(saga.step()));
        StoredSaga next = saga.withCompleted(completed).withTimedOut(timedOut);
        logEntry(next, SagaTransition.COMPENSATION_SUCCEEDED, "");
        save(saga, compensateNext(next));
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
            long deadline = ByteBuffer.wrap(entry.key.get()).getLong();
            byte[] bytes = sagas.get(entry.value);
            StoredSaga saga;
            try {
                saga = bytes == null ? null : StoredSaga.decode(bytes, stepNames);
            } catch (StoredSaga.UnknownStepException e) {
                // the definition lost a step this saga still names; its deadline stays, so that it fires once the step is back
                unreadable.add(entry.value);
                log.error("saga {}: {}; its deadline is kept and skipped until then", definition.name(), e.getMessage());
                continue;
            }
            if (saga == null || saga.deadline() != deadline) {
                deadlines.delete(entry.key); // stale: the saga moved on
                continue;
            }
            if (saga.status().isFinal()) {
                // retention is over: forget the saga, so the store (and its changelog) holds live sagas and recent ones only
                deadlines.delete(entry.key);
                sagas.delete(saga.sagaId());
                log.debug("saga {} {}: {} for {}, removed from the store", definition.name(), saga.sagaId(), saga.status(), retention);
                continue;
            }
            if (!saga.awaitingRetry() && deadline < startedAt) {
                // the reply deadline passed while no instance ran this task: its reply may be in the inbox, or on its way
                // there, unread; the participant gets a full timeout from the restart before the step counts as timed out
                StepModel<D> step = steps.get(saga.step());
                save(saga, saga.with(saga.status(), saga.step(), saga.attempt(), false, startedAt + step.timeout().toMillis()));
                deferred++;
                continue;
            }
            save(saga, deadlinePassed(saga, now));
        }
        if (deferred > 0) {
            log.info("saga {}: {} reply deadline(s) passed while this task was not running; each step waits one more timeout from "
                    + "the restart", definition.name(), deferred);
        }
    }

    private StoredSaga deadlinePassed(StoredSaga saga, long now) {
        StepModel<D> step = steps.get(saga.step());
        CommandIds.Phase phase = saga.status() == SagaStatus.RUNNING ? CommandIds.Phase.INVOKE : CommandIds.Phase.COMPENSATE;
        if (saga.awaitingRetry()) {
            return send(saga, saga.step(), phase, saga.attempt() + 1);
        }
        RetryPolicy retry = step.retry();
        logEntry(saga, SagaTransition.TIMED_OUT, "no reply within " + step.timeout() + " (attempt " + saga.attempt() + " of "
                + retry.attempts() + ")");
        if (saga.attempt() < retry.attempts()) {
            if (retry.backoff().isZero()) {
                return send(saga, saga.step(), phase, saga.attempt() + 1);
            }
            return saga.with(saga.status(), saga.step(), saga.attempt(), true, now + retry.backoff().toMillis());
        }
        String why = (phase == CommandIds.Phase.INVOKE ? "step '" : "compensation of step '") + step.name() + "' timed out after "
                + saga.attempt() + " attempt(s)";
        if (phase == CommandIds.Phase.INVOKE) {
            logEntry(saga, SagaTransition.STEP_FAILED, why);
            // no reply is not a no: the command may be queued at the participant and run after this, so the
            // step is undone like a completed one (its compensation must be safe when the command never ran)
            StoredSaga undo = saga;
            if (step.hasCompensation()) {
                List<Integer> timedOut = new ArrayList<>(saga.timedOut());
                timedOut.add(saga.step());
                undo = saga.withTimedOut(timedOut);
            }
            return compensate(undo, why);
        }
        return fail(saga, why);
    }

    // ---- transitions

    /** Sends the step's command (or compensation) and sets the reply deadline. */
    private StoredSaga send(StoredSaga saga, int index, CommandIds.Phase phase, int attempt) {
        StepModel<D> step = steps.get(index);
        SagaStatus status = phase == CommandIds.Phase.INVOKE ? SagaStatus.RUNNING : SagaStatus.COMPENSATING;
        StoredSaga sending = saga.with(status, index, attempt, false, 0);
        String key;
        byte[] value;
        Headers headers = new RecordHeaders();
        String commandId = CommandIds.of(definition.name(), saga.sagaId(), phase, step.name());
        headers.add(CommandHeaders.COMMAND_ID, utf8(commandId));
        if (step.participant().wantsReplyToHeader()) {
            headers.add(CommandHeaders.REPLY_TO, utf8(step.participant().replyTopic()));
        }
        headers.add(CommandHeaders.CORRELATION_ID, utf8(saga.sagaId()));
        headers.add(SagaTopology.ATTEMPT, utf8(Integer.toString(attempt)));
        if (phase == CommandIds.Phase.COMPENSATE) {
            // a participant that sees this may refuse the original if it arrives after its undo
            headers.add(SagaHeaders.COMPENSATES, utf8(CommandIds.of(definition.name(), saga.sagaId(), CommandIds.Phase.INVOKE, step.name())));
        }
        try {
            D data = decodeData(saga);
            key = step.target().apply(data);
            if (key == null) {
                throw new NullPointerException("the target of step '" + step.name() + "' is null");
            }
            Object command = phase == CommandIds.Phase.INVOKE ? step.command().apply(data) : step.compensation().apply(data);
            value = step.participant().encodeCommand(headers, command);
        } catch (RuntimeException e) {
            rethrowOutage(e); // the registry is away: the command is made once it is back, not given up
            // the saga's own functions or serdes failed: the command cannot exist, so the step fails
            String why = "cannot make the " + (phase == CommandIds.Phase.INVOKE ? "command" : "compensation") + " of step '"
                    + step.name() + "': " + e;
            if (phase == CommandIds.Phase.INVOKE) {
                logEntry(sending, SagaTransition.STEP_FAILED, why);
                return compensate(sending, why);
            }
            return fail(sending, why);
        }
        context.forward(new Record<>(key, value, context.currentSystemTimeMs(), headers),
                SagaTopology.commandSink(step.participant().commandTopic()));
        logEntry(sending, phase == CommandIds.Phase.INVOKE ? SagaTransition.STEP_SENT : SagaTransition.COMPENSATION_SENT, commandId);
        long deadline = step.hasTimeout() ? context.currentSystemTimeMs() + step.timeout().toMillis() : 0;
        return sending.with(status, index, attempt, false, deadline);
    }

    /** Starts compensating the completed steps, last first. */
    private StoredSaga compensate(StoredSaga saga, String reason) {
        StoredSaga compensating = saga.with(SagaStatus.COMPENSATING, saga.step(), saga.attempt(), false, 0).withFailureReason(reason);
        logEntry(compensating, SagaTransition.COMPENSATING, reason);
        return compensateNext(compensating);
    }

    private StoredSaga compensateNext(StoredSaga saga) {
        // the completed steps and those that timed out, undone together from the last step back
        TreeSet<Integer> toUndo = new TreeSet<>(saga.completed());
        toUndo.addAll(saga.timedOut());
        for (int index : toUndo.descendingSet()) {
            if (steps.get(index).hasCompensation()) {
                return send(saga, index, CommandIds.Phase.COMPENSATE, 1);
            }
        }
        // what is left completed cannot be undone (read-only or pivot steps): the saga is rolled back as far as it goes
        StoredSaga done = saga.with(SagaStatus.COMPENSATED, saga.step(), saga.attempt(), false, 0);
        logEntry(done, SagaTransition.COMPENSATED, saga.failureReason());
        return done;
    }

    private StoredSaga fail(StoredSaga saga, String reason) {
        StoredSaga failed = saga.with(SagaStatus.FAILED, saga.step(), saga.attempt(), false, 0).withFailureReason(reason);
        log.error("saga {} {} FAILED and needs attention: {}", definition.name(), saga.sagaId(), reason);
        logEntry(failed, SagaTransition.FAILED, reason);
        return failed;
    }

    // ---- storage

    private void save(StoredSaga before, StoredSaga given) {
        StoredSaga after = given;
        if (after.status().isFinal() && after.deadline() == 0) {
            // a finished saga's only deadline is the end of its retention
            after = after.with(after.status(), after.step(), after.attempt(), false, context.currentSystemTimeMs() + retention.toMillis());
        }
        long oldDeadline = before == null ? 0 : before.deadline();
        if (oldDeadline != 0 && oldDeadline != after.deadline()) {
            deadlines.delete(deadlineKey(oldDeadline, after.sagaId()));
        }
        if (after.deadline() != 0 && after.deadline() != oldDeadline) {
            deadlines.put(deadlineKey(after.deadline(), after.sagaId()), NOTHING);
        }
        sagas.put(after.sagaId(), after.encode(stepNames));
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

    private void logEntry(StoredSaga saga, SagaTransition transition, String detail) {
        long now = context.currentSystemTimeMs();
        SagaLogEntry entry = new SagaLogEntry(definition.name(), saga.sagaId(), transition, steps.get(saga.step()).name(), saga.attempt(),
                saga.status(), detail, Instant.ofEpochMilli(now));
        Headers headers = new RecordHeaders();
        headers.add("myelin.saga.transition", utf8(transition.name()));
        context.forward(new Record<>(saga.sagaId(), entry.toJson(), now, headers), SagaTopology.LOG_SINK);
        log.debug("saga {} {}: {} {} {}", definition.name(), saga.sagaId(), transition, entry.step(), detail);
    }

    private D decodeData(StoredSaga saga) {
        return definition.dataSerde().deserializer().deserialize(SagaTopology.SAGAS_STORE, saga.data());
    }

    private byte[] encodeData(D data) {
        return definition.dataSerde().serializer().serialize(SagaTopology.SAGAS_STORE, data);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
