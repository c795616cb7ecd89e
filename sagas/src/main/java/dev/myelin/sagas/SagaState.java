package dev.myelin.sagas;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

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
 * @param inFlightSteps  the steps whose command or compensation the saga waits for a reply to, in step order: one
 *                       step, or the steps of a parallel group still in flight; empty once the saga is final; immutable
 * @param nextDeadline   when the saga's next deadline passes (a step's timeout, the end of a retry's backoff, or the
 *                       saga's time limit), by the wall clock of the instance that set it; empty when it waits for
 *                       none (its steps have no timeout, or it is final)
 * @param <D>            the saga data type
 */
public record SagaState<D>(String sagaId, SagaStatus status, String step, int attempt, D data, List<String> completedSteps,
                           String failureReason, List<String> inFlightSteps, Optional<Instant> nextDeadline) {
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
        inFlightSteps = List.copyOf(inFlightSteps);
        Objects.requireNonNull(nextDeadline, "nextDeadline");
    }

    /**
     * Makes a state without the steps in flight and the next deadline.
     *
     * @param sagaId         the saga's id
     * @param status         where it is
     * @param step           the current or last step
     * @param attempt        the attempt of that step's command
     * @param data           the saga's data
     * @param completedSteps the steps that succeeded
     * @param failureReason  why it is undone, or empty
     * @throws NullPointerException if a component is null
     * @deprecated use the canonical constructor, which also takes {@code inFlightSteps} and {@code nextDeadline}
     */
    @Deprecated(forRemoval = false)
    public SagaState(String sagaId, SagaStatus status, String step, int attempt, D data, List<String> completedSteps,
                     String failureReason) {
        this(sagaId, status, step, attempt, data, completedSteps, failureReason, List.of(), Optional.empty());
    }
}
