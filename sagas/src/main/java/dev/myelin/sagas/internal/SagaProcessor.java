package dev.myelin.sagas.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
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
import dev.myelin.eventstore.internal.RecordLimits;
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
    /** The largest command the producer can send; a larger one fails its step instead of the transaction. */
    private int maxRecordBytes;
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
        this.maxRecordBytes = RecordLimits.maxRecordBytes(context.appConfigs());
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

    /** A new saga at its first stage; it keeps the overall limit the definition has now. */
    private StoredSaga created(String sagaId, byte[] data) {
        long expiresAt = definition.limit().isZero() ? 0 : context.currentSystemTimeMs() + definition.limit().toMillis();
        return new StoredSaga(sagaId, SagaStatus.RUNNING, 0, data, List.of(), "", List.of(), List.of(), expiresAt, 0);
    }

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
        StoredSaga saga = created(sagaId, data);
        logEntry(saga, SagaTransition.STARTED, "");
        save(null, startStage(saga, 0));
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
        Optional<StoredSaga.Branch> awaited = saga.awaiting(stepNames.indexOf(parsed.get().step()), parsed.get().phase());
        if (awaited.isEmpty()) {
            // a duplicate, or an answer to a command the saga has moved past: nothing to do
            log.debug("saga {} {}: ignoring a reply to {}: it waits for {}", definition.name(), sagaId, commandId, saga.inFlight());
            return;
        }
        StepModel<D> step = steps.get(awaited.get().step());
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
        if (awaited.get().phase() == CommandIds.Phase.INVOKE) {
            stepAnswered(saga, awaited.get(), reply, success, reason);
        } else {
            compensationAnswered(saga, awaited.get(), success, reason);
        }
    }

    private void stepAnswered(StoredSaga saga, StoredSaga.Branch branch, Object reply, boolean success, String reason) {
        StepModel<D> step = steps.get(branch.step());
        StoredSaga answered = saga.answered(branch.step());
        if (!success) {
            logEntry(answered, branch.step(), branch.attempt(), SagaTransition.STEP_FAILED, reason);
            save(saga, stepFailed(answered, step.name() + " failed: " + reason));
            return;
        }
        List<Integer> completed = new ArrayList<>(saga.completed());
        completed.add(branch.step());
        Collections.sort(completed);
        StoredSaga next = answered.withCompleted(completed);
        try {
            D data = step.onSuccess().apply(decodeData(saga), reply);
            next = next.withData(encodeData(data));
        } catch (RuntimeException e) {
            rethrowOutage(e);
            // the participant did the step, so it counts as completed and is compensated with the others
            String why = "onSuccess of step '" + step.name() + "' threw " + e;
            logEntry(next, branch.step(), branch.attempt(), SagaTransition.STEP_FAILED, why);
            save(saga, stepFailed(next, why));
            return;
        }
        logEntry(next, branch.step(), branch.attempt(), SagaTransition.STEP_SUCCEEDED, "");
        save(saga, stepSettled(next));
    }

    /**
     * Goes on once no step of the current stage is in flight: to the next stage when all succeeded, to
     * the compensations when one failed; while steps of a parallel group are in flight, the saga waits.
     */
    private StoredSaga stepSettled(StoredSaga saga) {
        if (saga.invoking()) {
            return saga;
        }
        if (saga.status() == SagaStatus.COMPENSATING) {
            return compensateNext(saga);
        }
        int stage = steps.get(saga.step()).stage();
        if (stage + 1 == definition.stageCount()) {
            int last = definition.stage(stage).get(definition.stage(stage).size() - 1);
            StoredSaga done = saga.withStatus(SagaStatus.COMPLETED).atStep(last);
            logEntry(done, SagaTransition.COMPLETED, "");
            return done;
        }
        return startStage(saga, stage + 1);
    }

    /** Sends the commands of every step of a stage: one, or all of a parallel group at once. */
    private StoredSaga startStage(StoredSaga saga, int stage) {
        List<Integer> group = definition.stage(stage);
        StoredSaga next = saga.withStatus(SagaStatus.RUNNING).atStep(group.get(0));
        for (int index : group) {
            next = send(next, index, CommandIds.Phase.INVOKE, 1);
            if (next.status() != SagaStatus.RUNNING) {
                break; // a command could not be made: the saga is decided, and the rest of the group is not sent
            }
        }
        return next;
    }

    /**
     * A step failed (a no, a timeout after its last attempt, or a command or update that threw): the saga
     * will be undone. Steps of its parallel group that are still in flight are not retried any more (a retry
     * would only add work to undo); each is waited for until it answers or the deadline of its current
     * attempt passes, and a step waiting out a backoff counts as timed out at once.
     */
    private StoredSaga stepFailed(StoredSaga saga, String reason) {
        if (saga.status() != SagaStatus.RUNNING) {
            return stepSettled(saga); // decided already, by the first failure, whose reason the saga keeps
        }
        StoredSaga compensating = saga.withStatus(SagaStatus.COMPENSATING).withFailureReason(reason);
        List<Integer> waiting = new ArrayList<>();
        for (StoredSaga.Branch branch : saga.inFlight()) {
            if (branch.awaitingRetry()) {
                compensating = timedOut(compensating, branch, "not sent again: the saga is being undone, and step '"
                        + steps.get(branch.step()).name() + "' timed out before");
            } else {
                waiting.add(branch.step());
            }
        }
        logEntry(compensating, SagaTransition.COMPENSATING, waiting.isEmpty() ? reason : reason + "; waiting for "
                + waiting.stream().map(i -> "'" + steps.get(i).name() + "'").toList() + " in flight before undoing");
        return stepSettled(compensating);
    }

    /** Ends a step's command as timed out: it leaves the saga's flight, and it is undone if it can be. */
    private StoredSaga timedOut(StoredSaga saga, StoredSaga.Branch branch, String why) {
        StepModel<D> step = steps.get(branch.step());
        logEntry(saga, branch.step(), branch.attempt(), SagaTransition.STEP_FAILED, why);
        StoredSaga next = saga.answered(branch.step());
        if (step.hasCompensation()) {
            // no reply is not a no: the command may be queued at the participant and run after this, so the
            // step is undone like a completed one (its compensation must be safe when the command never ran)
            List<Integer> timedOut = new ArrayList<>(saga.timedOut());
            timedOut.add(branch.step());
            Collections.sort(timedOut);
            next = next.withTimedOut(timedOut);
        }
        return next;
    }

    private void compensationAnswered(StoredSaga saga, StoredSaga.Branch branch, boolean success, String reason) {
        if (!success) {
            save(saga, fail(saga, "compensation of step '" + steps.get(branch.step()).name() + "' failed: " + reason));
            return;
        }
        List<Integer> completed = new ArrayList<>(saga.completed());
        completed.remove(Integer.valueOf(branch.step()));
        List<Integer> timedOut = new ArrayList<>(saga.timedOut());
        timedOut.remove(Integer.valueOf(branch.step()));
        StoredSaga next = saga.answered(branch.step()).withCompleted(completed).withTimedOut(timedOut);
        logEntry(next, branch.step(), branch.attempt(), SagaTransition.COMPENSATION_SUCCEEDED, "");
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
        StoredSaga before = saga;
        if (saga.invoking() && saga.expiresAt() != 0 && saga.expiresAt() <= now) {
            if (saga.expiresAt() < startedAt) {
                // the limit passed while no instance ran this task: replies that came meanwhile are read first, as for a step
                save(before, saga.withExpiresAt(startedAt + limitGraceMillis()));
                return 1;
            }
            save(before, expired(saga));
            return 0;
        }
        int deferred = 0;
        for (StoredSaga.Branch branch : saga.inFlight()) {
            // the saga may have moved on while an earlier branch was handled (a decision, or the next stage)
            Optional<StoredSaga.Branch> current = saga.awaiting(branch.step(), branch.phase());
            if (current.isEmpty() || current.get().deadline() == 0 || current.get().deadline() > now) {
                continue;
            }
            if (!current.get().awaitingRetry() && current.get().deadline() < startedAt) {
                // the reply deadline passed while no instance ran this task: its reply may be in the inbox, or on its way
                // there, unread; the participant gets a full timeout from the restart before the step counts as timed out
                saga = saga.sending(current.get().withDeadline(startedAt + steps.get(branch.step()).timeout().toMillis(), false));
                deferred++;
                continue;
            }
            saga = deadlinePassed(saga, current.get(), now);
            if (saga.status().isFinal()) {
                break;
            }
        }
        save(before, saga);
        return deferred;
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
                save(stored.get(), fail(stored.get(), why.length() > 2_000 ? why.substring(0, 2_000) + " ... (cut)" : why));
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

    /**
     * How long a saga's overall limit that passed while its task was not running waits after the restart:
     * the longest timeout of its steps (what a step's own deadline gets), or the whole limit if no step has one.
     */
    private long limitGraceMillis() {
        long longest = steps.stream().mapToLong(step -> step.timeout().toMillis()).max().orElse(0);
        return longest > 0 ? longest : definition.limit().toMillis();
    }

    private StoredSaga deadlinePassed(StoredSaga saga, StoredSaga.Branch branch, long now) {
        StepModel<D> step = steps.get(branch.step());
        CommandIds.Phase phase = branch.phase();
        if (branch.awaitingRetry()) {
            return send(saga, branch.step(), phase, branch.attempt() + 1);
        }
        RetryPolicy retry = step.retry();
        logEntry(saga, branch.step(), branch.attempt(), SagaTransition.TIMED_OUT, "no reply within " + step.timeout() + " (attempt "
                + branch.attempt() + " of " + retry.attempts() + ")");
        // once the saga is decided to be undone, a step of the group still in flight is not sent again
        boolean goingOn = phase == CommandIds.Phase.COMPENSATE || saga.status() == SagaStatus.RUNNING;
        if (branch.attempt() < retry.attempts() && goingOn) {
            if (retry.backoff().isZero()) {
                return send(saga, branch.step(), phase, branch.attempt() + 1);
            }
            return saga.sending(branch.withDeadline(now + retry.backoff().toMillis(), true));
        }
        String why = (phase == CommandIds.Phase.INVOKE ? "step '" : "compensation of step '") + step.name() + "' timed out after "
                + branch.attempt() + " attempt(s)";
        if (phase == CommandIds.Phase.INVOKE) {
            return stepFailed(timedOut(saga, branch, why), why);
        }
        return fail(saga, why);
    }

    /**
     * The saga's overall limit passed while it was going forward: the steps in flight are cut short and count
     * as timed out (their commands may still run), and the saga is undone.
     */
    private StoredSaga expired(StoredSaga saga) {
        List<String> cut = saga.inFlight().stream().map(b -> "'" + steps.get(b.step()).name() + "'").toList();
        String why = "the saga did not complete within " + definition.limit() + " (completeWithin); " + cut
                + " in flight, undone like steps that timed out";
        logEntry(saga, SagaTransition.TIMED_OUT, why);
        StoredSaga next = saga;
        for (StoredSaga.Branch branch : saga.inFlight()) {
            next = timedOut(next, branch, why);
        }
        if (next.status() == SagaStatus.RUNNING) {
            next = next.withStatus(SagaStatus.COMPENSATING).withFailureReason(why);
        }
        // a saga that was waiting for its group after a failure keeps that failure's reason; the log says why it stopped waiting
        logEntry(next, SagaTransition.COMPENSATING, why);
        return compensateNext(next);
    }

    // ---- transitions

    /** Sends the step's command (or compensation) and sets its reply deadline. */
    private StoredSaga send(StoredSaga saga, int index, CommandIds.Phase phase, int attempt) {
        StepModel<D> step = steps.get(index);
        StoredSaga sending = phase == CommandIds.Phase.INVOKE ? saga : saga.withStatus(SagaStatus.COMPENSATING).atStep(index);
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
            long size = RecordLimits.size(key, value, headers);
            if (size > maxRecordBytes) {
                // sent anyway, it would fail the transaction, and the task would meet the same saga after every restart
                throw new IllegalArgumentException("the " + (phase == CommandIds.Phase.INVOKE ? "command" : "compensation") + " would be "
                        + size + " bytes, over the " + maxRecordBytes + " a record may have (the producer's max.request.size less "
                        + "overhead); keep the saga's data and commands smaller, or raise max.request.size (producer) and "
                        + "max.message.bytes (topic " + step.participant().commandTopic() + ")");
            }
        } catch (RuntimeException e) {
            rethrowOutage(e); // the registry is away: the command is made once it is back, not given up
            // the saga's own functions or serdes failed: the command cannot exist, so the step fails
            String why = "cannot make the " + (phase == CommandIds.Phase.INVOKE ? "command" : "compensation") + " of step '"
                    + step.name() + "': " + e;
            if (phase == CommandIds.Phase.INVOKE) {
                StoredSaga unsent = sending.answered(index);
                logEntry(unsent, index, attempt, SagaTransition.STEP_FAILED, why);
                return stepFailed(unsent, why);
            }
            return fail(sending, why);
        }
        context.forward(new Record<>(key, value, context.currentSystemTimeMs(), headers),
                SagaTopology.commandSink(step.participant().commandTopic()));
        logEntry(sending, index, attempt, phase == CommandIds.Phase.INVOKE ? SagaTransition.STEP_SENT : SagaTransition.COMPENSATION_SENT,
                commandId);
        long deadline = step.hasTimeout() ? context.currentSystemTimeMs() + step.timeout().toMillis() : 0;
        return sending.sending(new StoredSaga.Branch(index, phase, attempt, false, deadline));
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
        StoredSaga done = saga.withStatus(SagaStatus.COMPENSATED);
        logEntry(done, SagaTransition.COMPENSATED, saga.failureReason());
        return done;
    }

    private StoredSaga fail(StoredSaga saga, String reason) {
        // the command in flight stays recorded (with its attempt) for whoever looks; a final saga has no deadline but its retention
        StoredSaga failed = saga.withStatus(SagaStatus.FAILED).withFailureReason(reason);
        log.error("saga {} {} FAILED and needs attention: {}", definition.name(), saga.sagaId(), reason);
        logEntry(failed, SagaTransition.FAILED, reason);
        return failed;
    }

    // ---- storage

    private void save(StoredSaga before, StoredSaga given) {
        StoredSaga after;
        if (given.status().isFinal()) {
            // a finished saga's only deadline is the end of its retention
            after = before != null && before.status().isFinal() ? given
                    : given.withDeadline(context.currentSystemTimeMs() + retention.toMillis());
        } else {
            after = given.withDeadline(given.nextDeadline());
        }
        byte[] encoded = after.encode(stepNames);
        long size = RecordLimits.size(after.sagaId(), encoded, null);
        if (size > maxRecordBytes) {
            // its changelog record would fail the transaction at every restart; thrown before anything is written, so
            // process() drops this attempt whole and marks the saga FAILED with the state it had (which fitted)
            throw new IllegalArgumentException("the saga's new state would be " + size + " bytes, over the " + maxRecordBytes
                    + " a record may have (the producer's max.request.size less overhead); keep the saga's data smaller, or raise "
                    + "max.request.size (producer) and max.message.bytes (the " + SagaTopology.SAGAS_STORE + " store's changelog)");
        }
        long oldDeadline = before == null ? 0 : before.deadline();
        if (oldDeadline != 0 && oldDeadline != after.deadline()) {
            deadlines.delete(deadlineKey(oldDeadline, after.sagaId()));
        }
        if (after.deadline() != 0 && after.deadline() != oldDeadline) {
            deadlines.put(deadlineKey(after.deadline(), after.sagaId()), NOTHING);
        }
        sagas.put(after.sagaId(), encoded);
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

    /** Writes a log entry about the saga as a whole, naming its current step. */
    private void logEntry(StoredSaga saga, SagaTransition transition, String detail) {
        logEntry(saga, saga.step(), saga.attempt(), transition, detail);
    }

    /** Writes a log entry about one step's command. */
    private void logEntry(StoredSaga saga, int step, int attempt, SagaTransition transition, String detail) {
        long now = context.currentSystemTimeMs();
        SagaLogEntry entry = new SagaLogEntry(definition.name(), saga.sagaId(), transition, steps.get(step).name(), attempt,
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
