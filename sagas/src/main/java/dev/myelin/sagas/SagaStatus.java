package dev.myelin.sagas;

/**
 * Where a saga is in its life. {@link #COMPLETED}, {@link #COMPENSATED} and {@link #FAILED} are final.
 */
public enum SagaStatus {
    /** Steps are being sent and answered, first to last. */
    RUNNING,
    /** A step failed; the compensations of the completed steps are being sent, last to first. */
    COMPENSATING,
    /** Every step succeeded. */
    COMPLETED,
    /** A step failed and every completed step was compensated: the business transaction is undone. */
    COMPENSATED,
    /**
     * A compensation failed or timed out after its retries: the saga stopped half undone and needs a
     * person (its log and {@link SagaState#failureReason()} say where).
     */
    FAILED;

    /**
     * Returns whether the saga is over.
     *
     * @return true for {@link #COMPLETED}, {@link #COMPENSATED} and {@link #FAILED}
     */
    public boolean isFinal() {
        return this == COMPLETED || this == COMPENSATED || this == FAILED;
    }
}
