package dev.myelin.sagas.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.RetryPolicy;
import dev.myelin.eventstore.internal.RecordLimits;
import dev.myelin.sagas.SagaHeaders;
import dev.myelin.sagas.SagaStatus;
import dev.myelin.sagas.SagaTransition;

/**
 * The saga state machine, as a function of a saga's stored state and one input: it returns the saga's
 * next state and what has to follow from it, in order (commands, log entries, dead letters, changes to
 * the deadline index). It holds no state and touches no store or topic, so the same saga and input give
 * the same outcome; {@link SagaProcessor} reads the stores, calls it, and applies the outcome in the
 * input's transaction.
 * <p>
 * It runs the definition's functions and serdes, which may throw. A failure the saga can carry (a
 * command that cannot be made, a reply that cannot be read, an {@code onSuccess} that throws) is part
 * of the outcome; a schema registry outage is rethrown, so that the caller holds the input until the
 * registry answers rather than deciding without it; anything else propagates to the caller, which
 * marks the saga FAILED with a {@link Fault} input.
 *
 * @param <T> the trigger type
 * @param <D> the data type
 */
final class SagaMachine<T, D> {
    private static final Logger log = LoggerFactory.getLogger(SagaMachine.class);
    /** A failure reason is text for people; beyond this it is cut, so it cannot make the saga's state too large. */
    private static final int MAX_FAULT_CHARS = 2_000;

    private final DefaultSagaDefinition<T, D> definition;
    private final List<StepModel<D>> steps;
    private final List<String> stepNames;
    private final Duration retention;
    private final int maxRecordBytes;
    private final String inbox;

    /**
     * @param definition     the saga definition
     * @param retention      how long a finished saga is kept before its deadline removes it
     * @param maxRecordBytes the largest command the producer can send; a larger one fails its step
     * @param inbox          the saga's inbox, where participants that can are asked to answer
     */
    SagaMachine(DefaultSagaDefinition<T, D> definition, Duration retention, int maxRecordBytes, String inbox) {
        this.inbox = inbox;
        this.definition = definition;
        this.steps = definition.steps();
        this.stepNames = definition.stepNames();
        this.retention = retention;
        this.maxRecordBytes = maxRecordBytes;
    }

    // ---- inputs

    /** What happened to a saga. */
    sealed interface Input {
    }

    /**
     * A trigger event arrived for a saga that does not exist yet.
     *
     * @param sagaId  the saga id (the record's key)
     * @param headers the trigger record's headers
     * @param value   the trigger's bytes
     */
    record Trigger(String sagaId, Headers headers, byte[] value) implements Input {
    }

    /**
     * A participant answered a command.
     *
     * @param sagaId    the saga id (the record's key)
     * @param commandId the id of the command it answers
     * @param headers   the reply record's headers
     * @param value     the reply's bytes
     */
    record Reply(String sagaId, String commandId, Headers headers, byte[] value) implements Input {
    }

    /**
     * The saga's deadline passed.
     *
     * @param at        epoch millis of the check that found it passed
     * @param startedAt epoch millis when the task began running: deadlines that passed before then passed while no
     *                  instance ran the saga, so replies may be unread, and they are pushed back instead of fired
     */
    record DeadlineDue(long at, long startedAt) implements Input {
    }

    /**
     * Something outside the machine failed for the saga (an input that cannot be processed, a deadline that
     * cannot be handled): the saga is marked FAILED with the reason, unless it is final already.
     *
     * @param reason why, for the saga's failure reason and log (cut when long)
     */
    record Fault(String reason) implements Input {
    }

    // ---- outcome

    /**
     * What an input leads to.
     *
     * @param saga    the saga's new state to store, with its {@code deadline} set; empty when nothing is stored
     * @param effects what follows, to apply in order
     */
    record Outcome(Optional<StoredSaga> saga, List<Effect> effects) {
        Outcome {
            effects = List.copyOf(effects);
        }

        /** Returns the effects of one kind, in order. */
        <E extends Effect> List<E> effects(Class<E> kind) {
            return effects.stream().filter(kind::isInstance).map(kind::cast).toList();
        }
    }

    /** One thing that follows from an input. */
    sealed interface Effect {
    }

    /**
     * Send a step's command or compensation.
     *
     * @param step    the step's index
     * @param phase   its own command or its compensation
     * @param attempt the attempt this is
     * @param topic   the participant's command topic
     * @param key     the record's key (the step's target)
     * @param value   the encoded command
     * @param headers the record's headers (command id, correlation, attempt, ...)
     */
    record Send(int step, CommandIds.Phase phase, int attempt, String topic, String key, byte[] value, Headers headers)
            implements Effect {
    }

    /**
     * Write an entry to the saga log.
     *
     * @param entry the entry
     */
    record Log(SagaLogEntry entry) implements Effect {
    }

    /**
     * Send the input record, as it was read, to the dead-letter topic.
     *
     * @param reason why
     * @param error  what failed
     */
    record DeadLetter(RecordFaults.Reason reason, RuntimeException error) implements Effect {
    }

    /**
     * Add the saga to the deadline index at {@code at}.
     *
     * @param sagaId the saga id
     * @param at     epoch millis
     */
    record SetDeadline(String sagaId, long at) implements Effect {
    }

    /**
     * Remove the saga's entry at {@code at} from the deadline index.
     *
     * @param sagaId the saga id
     * @param at     epoch millis
     */
    record ClearDeadline(String sagaId, long at) implements Effect {
    }

    /**
     * The saga is FAILED and needs a person.
     *
     * @param reason why
     */
    record Failed(String reason) implements Effect {
    }

    /** A deadline that passed while no instance ran the saga was pushed back from the restart instead of fired. */
    record Deferred() implements Effect {
    }

    /**
     * Returns what {@code input} does to a saga.
     *
     * @param saga  the saga's stored state, or empty when there is none (or this definition cannot read it)
     * @param input what happened
     * @param now   the current time, epoch millis: of the commands and log entries, and the base of new deadlines
     * @return the outcome
     * @throws IllegalArgumentException if {@code input} needs a saga and there is none
     */
    Outcome apply(Optional<StoredSaga> saga, Input input, long now) {
        Run run = new Run(now);
        if (input instanceof Trigger trigger) {
            return run.start(saga, trigger);
        }
        if (input instanceof Reply reply) {
            return run.reply(saga, reply);
        }
        StoredSaga stored = saga.orElseThrow(() -> new IllegalArgumentException(input + " needs a saga"));
        if (input instanceof DeadlineDue due) {
            return run.deadlineDue(stored, due);
        }
        Fault fault = (Fault) input;
        if (stored.status().isFinal()) {
            return run.nothing();
        }
        String why = fault.reason().length() > MAX_FAULT_CHARS ? fault.reason().substring(0, MAX_FAULT_CHARS) + " ... (cut)" : fault.reason();
        return run.save(stored, run.fail(stored, why));
    }

    /** Rethrows {@code e} when it is a registry outage: that is no fault of the input, so it must reach the caller. */
    private static void rethrowOutage(RuntimeException e) {
        if (RecordFaults.outage(e) != null) {
            throw e;
        }
    }

    /**
     * How long a saga's overall limit that passed while its task was not running waits after the restart:
     * the longest timeout of its steps (what a step's own deadline gets), or the whole limit if no step has one.
     */
    private long limitGraceMillis() {
        long longest = steps.stream().mapToLong(step -> step.timeout().toMillis()).max().orElse(0);
        return longest > 0 ? longest : definition.limit().toMillis();
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

    /** One input's run: the time it happens at, and the effects it has so far. */
    private final class Run {
        private final long now;
        private final List<Effect> effects = new ArrayList<>();

        Run(long now) {
            this.now = now;
        }

        Outcome nothing() {
            return new Outcome(Optional.empty(), effects);
        }

        // ---- inputs

        Outcome start(Optional<StoredSaga> existing, Trigger input) {
            String sagaId = input.sagaId();
            if (existing.isPresent()) {
                log.info("saga {} {}: trigger seen again; a saga starts once", definition.name(), sagaId);
                return nothing();
            }
            T trigger;
            try {
                trigger = definition.triggerType().cast(definition.triggerSerde().deserializer()
                        .deserialize(definition.triggerTopic(), input.headers(), input.value()));
            } catch (RuntimeException e) {
                rethrowOutage(e);
                effects.add(new DeadLetter(RecordFaults.Reason.UNDECODABLE, e));
                return nothing();
            }
            byte[] data;
            try {
                data = encodeData(definition.initialData(trigger));
            } catch (RuntimeException e) {
                rethrowOutage(e);
                // no saga exists to carry the failure: the trigger is kept where a person can see it and re-drive it
                effects.add(new DeadLetter(RecordFaults.Reason.HANDLER_FAILED, e));
                return nothing();
            }
            StoredSaga saga = created(sagaId, data);
            logEntry(saga, SagaTransition.STARTED, "");
            return save(null, startStage(saga, 0));
        }

        /** A new saga at its first stage; it keeps the overall limit the definition has now. */
        private StoredSaga created(String sagaId, byte[] data) {
            long expiresAt = definition.limit().isZero() ? 0 : now + definition.limit().toMillis();
            return new StoredSaga(sagaId, SagaStatus.RUNNING, 0, data, List.of(), "", List.of(), List.of(), expiresAt, 0);
        }

        Outcome reply(Optional<StoredSaga> stored, Reply input) {
            String sagaId = input.sagaId();
            String commandId = input.commandId();
            Optional<CommandIds.Parsed> parsed = CommandIds.parse(definition.name(), commandId);
            if (stored.isEmpty() || parsed.isEmpty()) {
                log.warn("saga {}: ignoring a reply to {}: no such saga", definition.name(), commandId);
                return nothing();
            }
            StoredSaga saga = stored.get();
            if (saga.status().isFinal()) {
                log.info("saga {} {}: ignoring a reply to {}: the saga is {}", definition.name(), sagaId, commandId, saga.status());
                return nothing();
            }
            Optional<StoredSaga.Branch> awaited = saga.awaiting(stepNames.indexOf(parsed.get().step()), parsed.get().phase());
            if (awaited.isEmpty()) {
                // a duplicate, or an answer to a command the saga has moved past: nothing to do
                log.debug("saga {} {}: ignoring a reply to {}: it waits for {}", definition.name(), sagaId, commandId, saga.inFlight());
                return nothing();
            }
            StepModel<D> step = steps.get(awaited.get().step());
            Object reply;
            try {
                reply = step.participant().decodeReply(input.headers(), input.value());
            } catch (RuntimeException e) {
                // an unavailable registry is no answer: the reply is held and read again once the registry is back
                rethrowOutage(e);
                // whether the participant did it is unknown: compensating could leave its effect in place and
                // going on could build on nothing, so the saga stops where a person can see it, and the reply is
                // kept on the dead-letter topic with its origin for whoever decides what to do
                effects.add(new DeadLetter(RecordFaults.Reason.UNDECODABLE, e));
                return save(saga, fail(saga, "the reply of " + step.participant().name() + " to " + commandId + " cannot be read (it is "
                        + "on the saga's dead-letter topic): " + e));
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
                return save(saga, stepAnswered(saga, awaited.get(), reply, success, reason));
            }
            return save(saga, compensationAnswered(saga, awaited.get(), success, reason));
        }

        Outcome deadlineDue(StoredSaga saga, DeadlineDue due) {
            long at = due.at();
            long startedAt = due.startedAt();
            StoredSaga before = saga;
            if (saga.invoking() && saga.expiresAt() != 0 && saga.expiresAt() <= at) {
                if (saga.expiresAt() < startedAt) {
                    // the limit passed while no instance ran this task: replies that came meanwhile are read first, as for a step
                    effects.add(new Deferred());
                    return save(before, saga.withExpiresAt(startedAt + limitGraceMillis()));
                }
                return save(before, expired(saga));
            }
            for (StoredSaga.Branch branch : saga.inFlight()) {
                // the saga may have moved on while an earlier branch was handled (a decision, or the next stage)
                Optional<StoredSaga.Branch> current = saga.awaiting(branch.step(), branch.phase());
                if (current.isEmpty() || current.get().deadline() == 0 || current.get().deadline() > at) {
                    continue;
                }
                if (!current.get().awaitingRetry() && current.get().deadline() < startedAt) {
                    // the reply deadline passed while no instance ran this task: its reply may be in the inbox, or on its way
                    // there, unread; the participant gets a full timeout from the restart before the step counts as timed out
                    saga = saga.sending(current.get().withDeadline(startedAt + steps.get(branch.step()).timeout().toMillis(), false));
                    effects.add(new Deferred());
                    continue;
                }
                saga = deadlinePassed(saga, current.get(), at);
                if (saga.status().isFinal()) {
                    break;
                }
            }
            return save(before, saga);
        }

        // ---- transitions

        private StoredSaga stepAnswered(StoredSaga saga, StoredSaga.Branch branch, Object reply, boolean success, String reason) {
            StepModel<D> step = steps.get(branch.step());
            StoredSaga answered = saga.answered(branch.step());
            if (!success) {
                logEntry(answered, branch.step(), branch.attempt(), SagaTransition.STEP_FAILED, reason);
                return stepFailed(answered, step.name() + " failed: " + reason);
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
                return stepFailed(next, why);
            }
            logEntry(next, branch.step(), branch.attempt(), SagaTransition.STEP_SUCCEEDED, "");
            return stepSettled(next);
        }

        private StoredSaga compensationAnswered(StoredSaga saga, StoredSaga.Branch branch, boolean success, String reason) {
            if (!success) {
                return fail(saga, "compensation of step '" + steps.get(branch.step()).name() + "' failed: " + reason);
            }
            List<Integer> completed = new ArrayList<>(saga.completed());
            completed.remove(Integer.valueOf(branch.step()));
            List<Integer> timedOut = new ArrayList<>(saga.timedOut());
            timedOut.remove(Integer.valueOf(branch.step()));
            StoredSaga next = saga.answered(branch.step()).withCompleted(completed).withTimedOut(timedOut);
            logEntry(next, branch.step(), branch.attempt(), SagaTransition.COMPENSATION_SUCCEEDED, "");
            return compensateNext(next);
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

        private StoredSaga deadlinePassed(StoredSaga saga, StoredSaga.Branch branch, long at) {
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
                Duration wait = retry.backoffAfter(branch.attempt());
                if (wait.isZero()) {
                    return send(saga, branch.step(), phase, branch.attempt() + 1);
                }
                return saga.sending(branch.withDeadline(at + wait.toMillis(), true));
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

        /** Sends the step's command (or compensation) and sets its reply deadline. */
        private StoredSaga send(StoredSaga saga, int index, CommandIds.Phase phase, int attempt) {
            StepModel<D> step = steps.get(index);
            StoredSaga sending = phase == CommandIds.Phase.INVOKE ? saga : saga.withStatus(SagaStatus.COMPENSATING).atStep(index);
            String key;
            byte[] value;
            Headers headers = new RecordHeaders();
            String commandId = CommandIds.of(definition.name(), saga.sagaId(), phase, step.name());
            headers.add(CommandHeaders.COMMAND_ID, utf8(commandId));
            if (step.participant().answersOnInbox()) {
                // straight back to this saga's task, no router in between (answered on its reply topic if the store will not)
                headers.add(CommandHeaders.REPLY_TO, utf8(inbox));
                headers.add(CommandHeaders.REPLY_KEY, utf8(saga.sagaId()));
            } else if (step.participant().wantsReplyToHeader()) {
                headers.add(CommandHeaders.REPLY_TO, utf8(step.participant().replyTopic()));
            }
            headers.add(CommandHeaders.CORRELATION_ID, utf8(saga.sagaId()));
            headers.add(SagaTopology.ATTEMPT, utf8(Integer.toString(attempt)));
            if (phase == CommandIds.Phase.COMPENSATE) {
                // a participant that sees this may refuse the original if it arrives after its undo
                headers.add(SagaHeaders.COMPENSATES, utf8(CommandIds.of(definition.name(), saga.sagaId(), CommandIds.Phase.INVOKE,
                        step.name())));
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
                    throw new IllegalArgumentException("the " + (phase == CommandIds.Phase.INVOKE ? "command" : "compensation")
                            + " would be " + size + " bytes, over the " + maxRecordBytes + " a record may have (the producer's "
                            + "max.request.size less overhead); keep the saga's data and commands smaller, or raise max.request.size "
                            + "(producer) and max.message.bytes (topic " + step.participant().commandTopic() + ")");
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
            effects.add(new Send(index, phase, attempt, step.participant().commandTopic(), key, value, headers));
            logEntry(sending, index, attempt, phase == CommandIds.Phase.INVOKE ? SagaTransition.STEP_SENT
                    : SagaTransition.COMPENSATION_SENT, commandId);
            long deadline = step.hasTimeout() ? now + step.timeout().toMillis() : 0;
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

        StoredSaga fail(StoredSaga saga, String reason) {
            // the command in flight stays recorded (with its attempt) for whoever looks; a final saga has no deadline but its retention
            StoredSaga failed = saga.withStatus(SagaStatus.FAILED).withFailureReason(reason);
            effects.add(new Failed(reason));
            logEntry(failed, SagaTransition.FAILED, reason);
            return failed;
        }

        // ---- outcome

        /**
         * Ends the run with {@code given} to store: its deadline is its earliest in-flight one, or the end of its
         * retention once final, and the deadline index follows.
         */
        Outcome save(StoredSaga before, StoredSaga given) {
            StoredSaga after;
            if (given.status().isFinal()) {
                // a finished saga's only deadline is the end of its retention
                after = before != null && before.status().isFinal() ? given : given.withDeadline(now + retention.toMillis());
            } else {
                after = given.withDeadline(given.nextDeadline());
            }
            long oldDeadline = before == null ? 0 : before.deadline();
            if (oldDeadline != 0 && oldDeadline != after.deadline()) {
                effects.add(new ClearDeadline(after.sagaId(), oldDeadline));
            }
            if (after.deadline() != 0 && after.deadline() != oldDeadline) {
                effects.add(new SetDeadline(after.sagaId(), after.deadline()));
            }
            return new Outcome(Optional.of(after), effects);
        }

        /** Writes a log entry about the saga as a whole, naming its current step. */
        private void logEntry(StoredSaga saga, SagaTransition transition, String detail) {
            logEntry(saga, saga.step(), saga.attempt(), transition, detail);
        }

        /** Writes a log entry about one step's command. */
        private void logEntry(StoredSaga saga, int step, int attempt, SagaTransition transition, String detail) {
            effects.add(new Log(new SagaLogEntry(definition.name(), saga.sagaId(), transition, steps.get(step).name(), attempt,
                    saga.status(), detail, Instant.ofEpochMilli(now))));
        }
    }
}
