package dev.myelin.sagas;

import java.util.List;
import java.util.Objects;

/**
 * A saga as its runtime stores it, for queries and tests.
 *
 * @param sagaId         the saga's id
 * @param status         where it is
 * @param step           the step being run or compensated now (of a parallel group being run, its first step), or the
 *                       last one when final
 * @param attempt        which send of that step's current command this is (1 for the first, and when no command of
 *                       that step is in flight)
 * @param data           the saga's data as the successful steps left it
 * @param completedSteps the steps that succeeded (and were not yet compensated), in order; immutable
 * @param failureReason  why the saga is compensating, compensated or failed; empty otherwise
 * @param <D>            the saga data type
 */
public record SagaState<D>(String sagaId, SagaStatus status, String step, int attempt, D data, List<String> completedSteps,
                           String failureReason) {
    /**
     * Checks and copies the components.
     *
     * @throws NullPointerException if a component is null
     */
    public SagaState {
        Objects.requireNonNull(sagaId, "sagaId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(data, "data");
        completedSteps = List.copyOf(completedSteps);
        Objects.requireNonNull(failureReason, "failureReason");
    }
}
