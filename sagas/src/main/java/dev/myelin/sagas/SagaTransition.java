package dev.myelin.sagas;

/**
 * The kinds of entries on a saga's log topic ({@code <application>.saga.<name>.log}), one per
 * transition, keyed by saga id. Each value is a small JSON object:
 * {@code {"saga":"place-order","id":"o-1","transition":"STEP_SENT","step":"reserve-credit","attempt":1,"status":"RUNNING","detail":"","at":"2026-01-01T00:00:00Z"}}.
 */
public enum SagaTransition {
    /** The trigger arrived and the saga was created. */
    STARTED,
    /** A step's command was sent (again, when {@code attempt} is above 1). */
    STEP_SENT,
    /** A step's participant answered with success. */
    STEP_SUCCEEDED,
    /**
     * A step's participant answered with failure, or the step timed out after its last attempt (or was
     * cut short: by the saga's time limit, or, in a parallel group, while waiting out a backoff when
     * another step of the group failed).
     */
    STEP_FAILED,
    /** A step's or a compensation's deadline passed without a reply, or the saga's {@code completeWithin} limit passed. */
    TIMED_OUT,
    /**
     * The saga is to be undone: the completed steps (and those that timed out after their last attempt)
     * are compensated, at once or, when steps of a parallel group are still in flight, once they have
     * answered or timed out (the detail names them).
     */
    COMPENSATING,
    /** A compensation command was sent; it carries the original's id in the {@code myelin.compensates} header. */
    COMPENSATION_SENT,
    /** A compensation's participant answered with success. */
    COMPENSATION_SUCCEEDED,
    /** Every completed step was compensated; final. */
    COMPENSATED,
    /** Every step succeeded; final. */
    COMPLETED,
    /** A compensation could not be completed; final. */
    FAILED
}
