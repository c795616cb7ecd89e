package dev.myelin.sagas.internal;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.IntStream;

import org.apache.kafka.common.serialization.Serde;

import dev.myelin.sagas.Participant;
import dev.myelin.sagas.SagaDefinition;

/** A checked, immutable saga definition: what the topology runs. */
public final class DefaultSagaDefinition<T, D> implements SagaDefinition<T, D> {
    private final String name;
    private final Class<T> triggerType;
    private final String triggerTopic;
    private final Serde<Object> triggerSerde;
    private final Function<T, String> sagaId;
    private final Serde<D> dataSerde;
    private final Function<T, D> init;
    private final List<StepModel<D>> steps;
    private final Duration limit;

    DefaultSagaDefinition(String name, Class<T> triggerType, String triggerTopic, Serde<Object> triggerSerde, Function<T, String> sagaId,
                          Serde<D> dataSerde, Function<T, D> init, List<StepModel<D>> steps, Duration limit) {
        this.name = name;
        this.triggerType = triggerType;
        this.triggerTopic = triggerTopic;
        this.triggerSerde = triggerSerde;
        this.sagaId = sagaId;
        this.dataSerde = dataSerde;
        this.init = init;
        this.steps = List.copyOf(steps);
        this.limit = limit;
    }

    /**
     * Returns the engine's view of a definition.
     *
     * @param definition a definition built by {@code SagaDefinition.named(...)...build()}
     * @param <T>        the trigger type
     * @param <D>        the data type
     * @return the model
     * @throws IllegalArgumentException if the definition was implemented elsewhere
     */
    public static <T, D> DefaultSagaDefinition<T, D> of(SagaDefinition<T, D> definition) {
        Objects.requireNonNull(definition, "definition");
        if (definition instanceof DefaultSagaDefinition<T, D> model) {
            return model;
        }
        throw new IllegalArgumentException(definition.getClass().getName()
                + " is not a Myelin saga definition; build definitions with SagaDefinition.named(...)");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Class<T> triggerType() {
        return triggerType;
    }

    @Override
    public String triggerTopic() {
        return triggerTopic;
    }

    @Override
    public List<String> stepNames() {
        return steps.stream().map(StepModel::name).toList();
    }

    @Override
    public String toMermaid() {
        return Mermaid.render(this);
    }

    @Override
    public Serde<Object> triggerSerde() {
        return triggerSerde;
    }

    @Override
    public String sagaId(T trigger) {
        Objects.requireNonNull(trigger, "trigger");
        String id = sagaId.apply(trigger);
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("saga " + name + ": sagaId(...) returned " + (id == null ? "null" : "a blank id")
                    + " for " + trigger);
        }
        return id;
    }

    /** Returns the data serde. */
    public Serde<D> dataSerde() {
        return dataSerde;
    }

    /** Returns the initial data for a trigger. */
    public D initialData(T trigger) {
        return Objects.requireNonNull(init.apply(trigger), () -> "saga " + name + ": data(...) returned null for " + trigger);
    }

    /** Returns the steps, in order. */
    public List<StepModel<D>> steps() {
        return steps;
    }

    /** Returns the indexes of the steps of stage {@code stage}, ascending (two or more for a parallel group). */
    public List<Integer> stage(int stage) {
        return IntStream.range(0, steps.size()).filter(i -> steps.get(i).stage() == stage).boxed().toList();
    }

    /** Returns how many stages the saga has. */
    public int stageCount() {
        return steps.isEmpty() ? 0 : steps.get(steps.size() - 1).stage() + 1;
    }

    /** Returns the overall limit ({@code completeWithin}), or {@link Duration#ZERO} for none. */
    public Duration limit() {
        return limit;
    }

    @Override
    public List<Participant<?, ?>> participants() {
        return List.copyOf(participantModels());
    }

    /** Returns the distinct participants, in step order, as the engine sees them. */
    public List<ParticipantModel<Object, Object>> participantModels() {
        return steps.stream().map(StepModel::participant).distinct().toList();
    }

    @Override
    public String toString() {
        List<String> stages = IntStream.range(0, stageCount()).mapToObj(k -> {
            List<String> names = stage(k).stream().map(i -> steps.get(i).name()).toList();
            return names.size() == 1 ? names.get(0) : "(" + String.join(" | ", names) + ")";
        }).toList();
        return "SagaDefinition[" + name + ": " + String.join(" -> ", stages) + "]";
    }
}
