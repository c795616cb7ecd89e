package dev.myelin.sagas.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.RetryPolicy;
import dev.myelin.schemas.AvroSerdes;
import dev.myelin.sagas.InvalidSagaDefinitionException;
import dev.myelin.sagas.Participant;
import dev.myelin.sagas.SagaDefinition;

/**
 * The DSL's stages. The start stage collects the trigger; {@link Steps} collects step drafts, each
 * with the index of its stage (steps of a parallel group share one); each {@link Step} or
 * {@link GroupStep} is a view on its draft that knows the step's command and reply types.
 */
public final class DefinitionBuilder {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]*");

    private DefinitionBuilder() {
    }

    /**
     * Starts a definition; see {@link SagaDefinition#named}.
     *
     * @param name        the saga name
     * @param triggerType the trigger class
     * @param <T>         the trigger type
     * @return the first stage
     */
    public static <T> SagaDefinition.SourceStage<T> start(String name, Class<T> triggerType) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(triggerType, "triggerType");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("saga name must match " + NAME + " (it is part of topic names): '" + name + "'");
        }
        return (topic, serde) -> {
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(serde, "serde");
            if (topic.isBlank()) {
                throw new IllegalArgumentException("the trigger topic must not be blank");
            }
            @SuppressWarnings("unchecked")
            Serde<Object> triggerSerde = (Serde<Object>) (Serde<?>) serde;
            return sagaId -> {
                Objects.requireNonNull(sagaId, "sagaId");
                return new SagaDefinition.DataStage<T>() {
                    @Override
                    public <D> SagaDefinition.FirstStepStage<T, D> data(Serde<D> dataSerde, Function<? super T, ? extends D> init) {
                        Objects.requireNonNull(dataSerde, "serde");
                        Objects.requireNonNull(init, "init");
                        return new Steps<>(name, triggerType, topic, triggerSerde, sagaId::apply, dataSerde, init::apply);
                    }

                    @Override
                    public <D extends SpecificRecord> SagaDefinition.FirstStepStage<T, D> data(Class<D> type, Function<? super T, ? extends D> init) {
                        Objects.requireNonNull(type, "type");
                        return data(AvroSerdes.<D>singleObject(type), init);
                    }
                };
            };
        };
    }

    /** A step as the user is writing it. */
    private static final class Draft<D> {
        final String name;
        final int stage;
        ParticipantModel<Object, Object> participant;
        Function<D, String> target;
        Function<D, Object> command;
        Predicate<Object> success;
        BiFunction<D, Object, D> onSuccess;
        Function<D, Object> compensation;
        Duration timeout;
        RetryPolicy retry;
        /** onReply: the reply types that mean success, each with its update, in the order given. */
        final Map<Class<?>, BiFunction<D, Object, D>> replies = new LinkedHashMap<>();
        /** onEvent: the event types of an accepted result the saga reads, each with its update. */
        final Map<Class<?>, BiFunction<D, Object, D>> events = new LinkedHashMap<>();

        Draft(String name, int stage) {
            this.name = name;
            this.stage = stage;
        }

        @SuppressWarnings("unchecked")
        void invoke(Participant<?, ?> target, Function<? super D, String> key, Function<? super D, ?> make) {
            Objects.requireNonNull(key, "target");
            Objects.requireNonNull(make, "command");
            this.participant = (ParticipantModel<Object, Object>) (ParticipantModel<?, ?>) ParticipantModel.of(target);
            this.target = key::apply;
            this.command = make::apply;
        }
    }

    /** A parallel group as the user wrote it: its stage, and how many steps it got. */
    private record Group(int stage, String after, int size) {
    }

    /** The stage that collects steps; also the invoke stage of the step being started. */
    static final class Steps<T, D> implements SagaDefinition.FirstStepStage<T, D>, SagaDefinition.NextStage<T, D>,
            SagaDefinition.InvokeStage<T, D> {
        private final String name;
        private final Class<T> triggerType;
        private final String topic;
        private final Serde<Object> triggerSerde;
        private final Function<T, String> sagaId;
        private final Serde<D> dataSerde;
        private final Function<T, D> init;
        private final List<Draft<D>> drafts = new ArrayList<>();
        private final List<Group> groups = new ArrayList<>();
        private int stages;
        private Duration limit;

        Steps(String name, Class<T> triggerType, String topic, Serde<Object> triggerSerde, Function<T, String> sagaId, Serde<D> dataSerde,
              Function<T, D> init) {
            this.name = name;
            this.triggerType = triggerType;
            this.topic = topic;
            this.triggerSerde = triggerSerde;
            this.sagaId = sagaId;
            this.dataSerde = dataSerde;
            this.init = init;
        }

        @Override
        public SagaDefinition.StepsStage<T, D> completeWithin(Duration overall) {
            Objects.requireNonNull(overall, "limit");
            if (overall.isNegative() || overall.isZero()) {
                throw new IllegalArgumentException("the time limit of saga " + name + " must be positive: " + overall);
            }
            if (limit != null) {
                throw new IllegalStateException("completeWithin of saga " + name + " was already set to " + limit);
            }
            limit = overall;
            return this;
        }

        @Override
        public SagaDefinition.InvokeStage<T, D> step(String stepName) {
            drafts.add(new Draft<>(checkName(stepName), stages++));
            return this;
        }

        String checkName(String stepName) {
            Objects.requireNonNull(stepName, "name");
            if (!NAME.matcher(stepName).matches()) {
                throw new IllegalArgumentException("step name must match " + NAME + " (it is part of command ids): '" + stepName
                        + "' (saga " + name + ")");
            }
            return stepName;
        }

        @Override
        public SagaDefinition.NextStage<T, D> inParallel(Consumer<? super SagaDefinition.ParallelSteps<D>> steps) {
            Objects.requireNonNull(steps, "steps");
            int stage = stages++;
            String after = drafts.isEmpty() ? "the trigger" : "step '" + drafts.get(drafts.size() - 1).name + "'";
            int before = drafts.size();
            GroupSteps<T, D> group = new GroupSteps<>(this, stage);
            try {
                steps.accept(group);
            } finally {
                group.closed = true;
            }
            groups.add(new Group(stage, after, drafts.size() - before));
            return this;
        }

        @Override
        public <C, R> SagaDefinition.StepStage<T, D, C, R> invoke(Participant<C, R> participant, Function<? super D, String> target,
                                                                   Function<? super D, ? extends C> command) {
            Draft<D> draft = drafts.get(drafts.size() - 1);
            draft.invoke(participant, target, command);
            return new Step<>(this, draft);
        }

        @Override
        public SagaDefinition<T, D> build() {
            List<String> problems = new ArrayList<>();
            for (Group group : groups) {
                if (group.size() < 2) {
                    problems.add("the parallel group after " + group.after() + " has " + (group.size() == 0 ? "no steps" : "one step")
                            + "; a group runs two or more steps at the same time, so add them with .step(...) inside inParallel(...)"
                            + (group.size() == 1 ? " or make the one step a plain .step(...)" : ""));
                }
            }
            Set<String> seen = new HashSet<>();
            List<StepModel<D>> steps = new ArrayList<>();
            int lastStage = stages - 1;
            for (Draft<D> d : drafts) {
                boolean inGroup = groups.stream().anyMatch(g -> g.stage() == d.stage);
                if (!seen.add(d.name)) {
                    problems.add("two steps are named '" + d.name + "'; step names must be unique, since the saga log, command ids and "
                            + "diagrams name steps");
                }
                if (d.participant == null) {
                    problems.add("step '" + d.name + "' of a parallel group says nothing to do; follow .step(\"" + d.name
                            + "\") with .invoke(participant, target, command)");
                    continue;
                }
                if (d.stage == lastStage && !inGroup && d.compensation != null && d.timeout == null) {
                    // with a timeout it can run: the last step's command may time out and still run late
                    problems.add("the last step '" + d.name + "' has a compensation, which could never run: nothing after the last step "
                            + "can fail, and without a timeout it cannot time out; remove compensate(...), add a timeout, or add the step "
                            + "that can fail after it");
                }
                Predicate<Object> success = d.success != null ? d.success : d.participant.defaultSuccess().orElse(null);
                BiFunction<D, Object, D> onSuccess = d.onSuccess == null ? (data, reply) -> data : d.onSuccess;
                if (!d.replies.isEmpty()) {
                    List<String> mixed = new ArrayList<>();
                    if (d.success != null) {
                        mixed.add("successWhen(...)");
                    }
                    if (d.onSuccess != null) {
                        mixed.add("onSuccess(...)");
                    }
                    if (!d.events.isEmpty()) {
                        mixed.add("onEvent(...)");
                    }
                    if (!mixed.isEmpty()) {
                        problems.add("step '" + d.name + "' has onReply(...) and " + String.join(" and ", mixed) + "; onReply decides "
                                + "which replies are a success and updates the data itself, so use one or the other");
                    }
                    success = reply -> handlerOf(d.replies, reply) != null;
                    onSuccess = (data, reply) -> handlerOf(d.replies, reply).apply(data, reply);
                }
                if (!d.events.isEmpty()) {
                    if (d.onSuccess != null) {
                        problems.add("step '" + d.name + "' has onEvent(...) and onSuccess(...); say how the data changes with one of them");
                    }
                    if (!d.participant.repliesWithEvents()) {
                        problems.add("step '" + d.name + "' reads events with onEvent(...), but participant '" + d.participant.name()
                                + "' is a service, whose replies carry no events; use onReply(ReplyType.class, ...)");
                    }
                    onSuccess = (data, reply) -> applyEvents(d.events, data, reply);
                }
                if (success == null) {
                    problems.add("step '" + d.name + "' has no reply mapping: participant '" + d.participant.name()
                            + "' is a service, so say which of its replies are a success with onReply(ReplyType.class, ...) or successWhen(reply -> ...)");
                }
                RetryPolicy retry = d.retry == null ? RetryPolicy.none() : d.retry;
                if (retry.attempts() > 1 && d.timeout == null) {
                    problems.add("step '" + d.name + "' retries " + retry.attempts() + " times but has no timeout; a retry happens when "
                            + "the timeout passes without a reply, so add timeout(...)");
                }
                if (problems.isEmpty()) {
                    steps.add(new StepModel<>(d.name, d.participant, d.target, d.command, success, onSuccess, d.compensation,
                            d.timeout == null ? Duration.ZERO : d.timeout, retry, d.stage));
                }
            }
            if (!problems.isEmpty()) {
                throw new InvalidSagaDefinitionException("saga '" + name + "' is not valid: " + String.join("; ", problems));
            }
            return new DefaultSagaDefinition<>(name, triggerType, topic, triggerSerde, sagaId, dataSerde, init, renumber(steps),
                    limit == null ? Duration.ZERO : limit);
        }

        /** Returns the handler of the first type {@code value} is an instance of, or null. */
        private static <D> BiFunction<D, Object, D> handlerOf(Map<Class<?>, BiFunction<D, Object, D>> handlers, Object value) {
            for (Map.Entry<Class<?>, BiFunction<D, Object, D>> handler : handlers.entrySet()) {
                if (handler.getKey().isInstance(value)) {
                    return handler.getValue();
                }
            }
            return null;
        }

        /** Folds the events of an accepted result that have a handler into the data, in the aggregate's order. */
        private static <D> D applyEvents(Map<Class<?>, BiFunction<D, Object, D>> handlers, D data, Object reply) {
            if (!(reply instanceof CommandResult.Accepted<?> accepted)) {
                return data; // a successWhen that counts other results as a success: they carry no events
            }
            D next = data;
            for (Object event : accepted.events()) {
                BiFunction<D, Object, D> handler = handlerOf(handlers, event);
                if (handler != null) {
                    next = handler.apply(next, event);
                }
            }
            return next;
        }

        /** Numbers the stages 0, 1, 2, ... (an empty group, were it allowed, would leave a gap). */
        private static <D> List<StepModel<D>> renumber(List<StepModel<D>> steps) {
            List<StepModel<D>> numbered = new ArrayList<>(steps.size());
            int stage = -1;
            int previous = -1;
            for (StepModel<D> s : steps) {
                if (s.stage() != previous) {
                    stage++;
                    previous = s.stage();
                }
                numbered.add(new StepModel<>(s.name(), s.participant(), s.target(), s.command(), s.success(), s.onSuccess(),
                        s.compensation(), s.timeout(), s.retry(), stage));
            }
            return numbered;
        }

        private Draft<D> add(String stepName, int stage) {
            Draft<D> draft = new Draft<>(checkName(stepName), stage);
            drafts.add(draft);
            return draft;
        }
    }

    /** The steps of one parallel group, open while {@code inParallel}'s argument runs. */
    static final class GroupSteps<T, D> implements SagaDefinition.ParallelSteps<D> {
        private final Steps<T, D> steps;
        private final int stage;
        boolean closed;

        GroupSteps(Steps<T, D> steps, int stage) {
            this.steps = steps;
            this.stage = stage;
        }

        @Override
        public SagaDefinition.ParallelInvokeStage<D> step(String name) {
            if (closed) {
                throw new IllegalStateException("step '" + name + "' is added to a parallel group after inParallel(...) returned; "
                        + "add a group's steps inside the function given to inParallel(...)");
            }
            Draft<D> draft = steps.add(name, stage);
            return new SagaDefinition.ParallelInvokeStage<D>() {
                @Override
                public <C, R> SagaDefinition.ParallelStepStage<D, C, R> invoke(Participant<C, R> participant,
                                                                               Function<? super D, String> target,
                                                                               Function<? super D, ? extends C> command) {
                    draft.invoke(participant, target, command);
                    return new GroupStep<>(GroupSteps.this, draft);
                }
            };
        }
    }

    /** The options every step has, whichever stage it returns to. */
    abstract static class Options<D, C, R, S> implements SagaDefinition.StepOptions<D, C, R, S> {
        final Draft<D> draft;

        Options(Draft<D> draft) {
            this.draft = draft;
        }

        abstract S self();

        @Override
        @SuppressWarnings("unchecked")
        public S successWhen(Predicate<? super R> success) {
            Objects.requireNonNull(success, "success");
            requireUnset(draft.success, "successWhen");
            draft.success = reply -> success.test((R) reply);
            return self();
        }

        @Override
        @SuppressWarnings("unchecked")
        public S onSuccess(BiFunction<? super D, ? super R, ? extends D> update) {
            Objects.requireNonNull(update, "update");
            requireUnset(draft.onSuccess, "onSuccess");
            draft.onSuccess = (data, reply) -> Objects.requireNonNull(update.apply(data, (R) reply),
                    () -> "onSuccess of step '" + draft.name + "' returned null; return the (possibly unchanged) data");
            return self();
        }

        @Override
        public <X extends R> S onReply(Class<X> replyType, BiFunction<? super D, ? super X, ? extends D> update) {
            typed(draft.replies, replyType, update, "onReply");
            return self();
        }

        @Override
        public <X> S onEvent(Class<X> eventType, BiFunction<? super D, ? super X, ? extends D> update) {
            typed(draft.events, eventType, update, "onEvent");
            return self();
        }

        private <X> void typed(Map<Class<?>, BiFunction<D, Object, D>> handlers, Class<X> type,
                               BiFunction<? super D, ? super X, ? extends D> update, String option) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(update, "update");
            if (handlers.containsKey(type)) {
                throw new IllegalStateException(option + "(" + type.getSimpleName() + ".class, ...) of step '" + draft.name
                        + "' was already set to " + handlers.get(type));
            }
            handlers.put(type, (data, value) -> Objects.requireNonNull(update.apply(data, type.cast(value)),
                    () -> option + "(" + type.getSimpleName() + ".class, ...) of step '" + draft.name
                            + "' returned null; return the (possibly unchanged) data"));
        }

        @Override
        public S compensate(Function<? super D, ? extends C> compensation) {
            Objects.requireNonNull(compensation, "compensation");
            requireUnset(draft.compensation, "compensate");
            draft.compensation = compensation::apply;
            return self();
        }

        @Override
        public S timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            requireUnset(draft.timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout of step '" + draft.name + "' must be positive: " + timeout);
            }
            draft.timeout = timeout;
            return self();
        }

        @Override
        public S retry(RetryPolicy policy) {
            Objects.requireNonNull(policy, "policy");
            requireUnset(draft.retry, "retry");
            draft.retry = policy;
            return self();
        }

        @Override
        @SuppressWarnings("deprecation")
        public S retry(dev.myelin.sagas.RetryPolicy policy) {
            Objects.requireNonNull(policy, "policy");
            return retry(RetryPolicy.attempts(policy.attempts()).backoff(policy.backoff()));
        }

        private void requireUnset(Object current, String option) {
            if (current != null) {
                throw new IllegalStateException(option + " of step '" + draft.name + "' was already set to " + current);
            }
        }
    }

    /** The options stage of one step. */
    static final class Step<T, D, C, R> extends Options<D, C, R, SagaDefinition.StepStage<T, D, C, R>>
            implements SagaDefinition.StepStage<T, D, C, R> {
        private final Steps<T, D> steps;

        Step(Steps<T, D> steps, Draft<D> draft) {
            super(draft);
            this.steps = steps;
        }

        @Override
        SagaDefinition.StepStage<T, D, C, R> self() {
            return this;
        }

        @Override
        public SagaDefinition.InvokeStage<T, D> step(String name) {
            return steps.step(name);
        }

        @Override
        public SagaDefinition.NextStage<T, D> inParallel(Consumer<? super SagaDefinition.ParallelSteps<D>> group) {
            return steps.inParallel(group);
        }

        @Override
        public SagaDefinition<T, D> build() {
            return steps.build();
        }
    }

    /** The options stage of one step of a parallel group. */
    static final class GroupStep<T, D, C, R> extends Options<D, C, R, SagaDefinition.ParallelStepStage<D, C, R>>
            implements SagaDefinition.ParallelStepStage<D, C, R> {
        private final GroupSteps<T, D> group;

        GroupStep(GroupSteps<T, D> group, Draft<D> draft) {
            super(draft);
            this.group = group;
        }

        @Override
        SagaDefinition.ParallelStepStage<D, C, R> self() {
            return this;
        }

        @Override
        public SagaDefinition.ParallelInvokeStage<D> step(String name) {
            return group.step(name);
        }
    }
}
