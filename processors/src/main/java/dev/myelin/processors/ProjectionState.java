package dev.myelin.processors;

/**
 * Where a running projection is in its life.
 *
 * <pre>{@code
 * if (running.state() == ProjectionState.FAILED) {
 *     log.error("balances stopped", running.failure().orElseThrow());
 * }
 * }</pre>
 */
public enum ProjectionState {
    /** Starting or restoring its store; queries may fail with {@link ViewUnavailableException}. */
    STARTING,
    /** Processing events; the view is queryable. */
    RUNNING,
    /** Moving partitions between instances; queries may briefly fail. */
    REBALANCING,
    /** Stopped by an error; {@link RunningProjection#failure()} says which. */
    FAILED,
    /** Closed or closing. */
    STOPPED
}
