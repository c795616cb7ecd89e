package dev.myelin.sagas.internal;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.myelin.sagas.SagaState;

/** Turns stored sagas into the public {@link SagaState}. */
public final class SagaStates {
    private SagaStates() {
    }

    /**
     * Decodes a value of the sagas store.
     *
     * @param definition the saga definition
     * @param bytes      the stored value
     * @param <D>        the data type
     * @return the state
     */
    public static <D> SagaState<D> decode(DefaultSagaDefinition<?, D> definition, byte[] bytes) {
        List<StepModel<D>> steps = definition.steps();
        StoredSaga saga = StoredSaga.decode(bytes, definition.stepNames());
        D data = definition.dataSerde().deserializer().deserialize(SagaTopology.SAGAS_STORE, saga.data());
        boolean waits = !saga.status().isFinal();
        return new SagaState<>(saga.sagaId(), saga.status(), steps.get(saga.step()).name(), saga.attempt(), data,
                saga.completed().stream().map(i -> steps.get(i).name()).toList(), saga.failureReason(),
                waits ? saga.inFlight().stream().map(b -> steps.get(b.step()).name()).toList() : List.of(),
                // a final saga's deadline is the end of its retention: housekeeping, not a deadline it waits for
                waits && saga.deadline() != 0 ? Optional.of(Instant.ofEpochMilli(saga.deadline())) : Optional.empty());
    }

    /**
     * Returns the steps whose command (or compensation) a stored saga waits for, in step order: one
     * step, the steps of a parallel group still in flight, or none when the saga is final.
     *
     * @param definition the saga definition
     * @param bytes      the stored value
     * @return the step names
     */
    public static List<String> inFlight(DefaultSagaDefinition<?, ?> definition, byte[] bytes) {
        StoredSaga saga = StoredSaga.decode(bytes, definition.stepNames());
        return saga.status().isFinal() ? List.of() : saga.inFlight().stream().map(b -> definition.stepNames().get(b.step())).toList();
    }
}
