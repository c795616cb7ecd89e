package dev.myelin.sagas.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

import dev.myelin.schemas.AvroSerdes;
import dev.myelin.sagas.InvalidSagaDefinitionException;
import dev.myelin.sagas.Participant;
import dev.myelin.sagas.RetryPolicy;
import dev.myelin.sagas.SagaDefinition;

/**
 * The DSL's stages. The start stage collects the trigger; {@link Steps} collects step drafts; each
 * {@link Step} is a view on its draft that knows the step's command and reply types.
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
                    public <D> SagaDefinition.StepsStage<T, D> data(Serde<D> dataSerde, Function<? super T, ? extends D> init) {
                        Objects.requireNonNull(dataSerde, "serde");
                        Objects.requireNonNull(init, "init");
                        return new Steps<>(name, triggerType, topic, triggerSerde, sagaId::apply, dataSerde, init::apply);
                    }

                    @Override
                    public <D extends SpecificRecord> SagaDefinition.StepsStage<T, D> data(Class<D> type, Function<? super T, ? extends D> init) {
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
        ParticipantModel<Object, Object> participant;
        Function<D, String> target;
        Function<D, Object> command;
        Predicate<Object> success;
        BiFunction<D, Object, D> onSuccess;
        Function<D, Object> compensation;
        Duration timeout;
        RetryPolicy retry;

        Draft(String name) {
            this.name = name;
        }
    }

    /** The stage that collects steps; also the invoke stage of the step being started. */
    static final class Steps<T, D> implements SagaDefinition.StepsStage<T, D>, SagaDefinition.InvokeStage<T, D> {
        private final String name;
        private final Class<T> triggerType;
        private final String topic;
        private final Serde<Object> triggerSerde;
        private final Function<T, String> sagaId;
        private final Serde<D> dataSerde;
        private final Function<T, D> init;
        private final List<Draft<D>> drafts = new ArrayList<>();

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
        public SagaDefinition.InvokeStage<T, D> step(String stepName) {
            Objects.requireNonNull(stepName, "name");
            if (!NAME.matcher(stepName).matches()) {
                throw new IllegalArgumentException("step name must match " + NAME + " (it is part of command ids): '" + stepName
                        + "' (saga " + name + ")");
            }
            drafts.add(new Draft<>(stepName));
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <C, R> SagaDefinition.StepStage<T, D, C, R> invoke(Participant<C, R> participant, Function<? super D, String> target,
                                                                   Function<? super D, ? extends C> command) {
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(command, "command");
            Draft<D> draft = drafts.get(drafts.size() - 1);
            draft.participant = (ParticipantModel<Object, Object>) (ParticipantModel<?, ?>) ParticipantModel.of(participant);
            draft.target = target::apply;
            draft.command = command::apply;
            return new Step<>(this, draft);
        }

        SagaDefinition<T, D> build() {
            List<String> problems = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            List<StepModel<D>> steps = new ArrayList<>();
            for (int i = 0; i < drafts.size(); i++) {
                Draft<D> d = drafts.get(i);
                if (!seen.add(d.name)) {
                    problems.add("two steps are named '" + d.name + "'; step names must be unique, since the saga log and diagrams name steps");
                }
                if (i == drafts.size() - 1 && d.compensation != null && d.timeout == null) {
                    // with a timeout it can run: the last step's command may time out and still run late
                    problems.add("the last step '" + d.name + "' has a compensation, which could never run: nothing after the last step "
                            + "can fail, and without a timeout it cannot time out; remove compensate(...), add a timeout, or add the step "
                            + "that can fail after it");
                }
                Predicate<Object> success = d.success != null ? d.success : d.participant.defaultSuccess().orElse(null);
                if (success == null) {
                    problems.add("step '" + d.name + "' has no reply mapping: participant '" + d.participant.name()
                            + "' is a service, so say which of its replies are a success with successWhen(reply -> ...)");
                }
                RetryPolicy retry = d.retry == null ? RetryPolicy.none() : d.retry;
                if (retry.attempts() > 1 && d.timeout == null) {
                    problems.add("step '" + d.name + "' retries " + retry.attempts() + " times but has no timeout; a retry happens when "
                            + "the timeout passes without a reply, so add timeout(...)");
                }
                if (problems.isEmpty()) {
                    steps.add(new StepModel<>(d.name, d.participant, d.target, d.command, success,
                            d.onSuccess == null ? (data, reply) -> data : d.onSuccess, d.compensation,
                            d.timeout == null ? Duration.ZERO : d.timeout, retry));
                }
            }
            if (!problems.isEmpty()) {
                throw new InvalidSagaDefinitionException("saga '" + name + "' is not valid: " + String.join("; ", problems));
            }
            return new DefaultSagaDefinition<>(name, triggerType, topic, triggerSerde, sagaId, dataSerde, init, steps);
        }
    }

    /** The options stage of one step. */
    static final class Step<T, D, C, R> implements SagaDefinition.StepStage<T, D, C, R> {
        private final Steps<T, D> steps;
        private final Draft<D> draft;

        Step(Steps<T, D> steps, Draft<D> draft) {
            this.steps = steps;
            this.draft = draft;
        }

        @Override
        @SuppressWarnings("unchecked")
        public SagaDefinition.StepStage<T, D, C, R> successWhen(Predicate<? super R> success) {
            Objects.requireNonNull(success, "success");
            requireUnset(draft.success, "successWhen");
            draft.success = reply -> success.test((R) reply);
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public SagaDefinition.StepStage<T, D, C, R> onSuccess(BiFunction<? super D, ? super R, ? extends D> update) {
            Objects.requireNonNull(update, "update");
            requireUnset(draft.onSuccess, "onSuccess");
            draft.onSuccess = (data, reply) -> Objects.requireNonNull(update.apply(data, (R) reply),
                    () -> "onSuccess of step '" + draft.name + "' returned null; return the (possibly unchanged) data");
            return this;
        }

        @Override
        public SagaDefinition.StepStage<T, D, C, R> compensate(Function<? super D, ? extends C> compensation) {
            Objects.requireNonNull(compensation, "compensation");
            requireUnset(draft.compensation, "compensate");
            draft.compensation = compensation::apply;
            return this;
        }

        @Override
        public SagaDefinition.StepStage<T, D, C, R> timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            requireUnset(draft.timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout of step '" + draft.name + "' must be positive: " + timeout);
            }
            draft.timeout = timeout;
            return this;
        }

        @Override
        public SagaDefinition.StepStage<T, D, C, R> retry(RetryPolicy policy) {
            Objects.requireNonNull(policy, "policy");
            requireUnset(draft.retry, "retry");
            draft.retry = policy;
            return this;
        }

        @Override
        public SagaDefinition.InvokeStage<T, D> step(String name) {
            return steps.step(name);
        }

        @Override
        public SagaDefinition<T, D> build() {
            return steps.build();
        }

        private void requireUnset(Object current, String option) {
            if (current != null) {
                throw new IllegalStateException(option + " of step '" + draft.name + "' was already set to " + current);
            }
        }
    }
}
