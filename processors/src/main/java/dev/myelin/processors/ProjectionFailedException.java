package dev.myelin.processors;

import dev.myelin.schemas.RecordOrigin;

/**
 * Thrown inside a projection with {@link ErrorPolicy#FAIL_FAST} when an event cannot be processed;
 * it stops the projection, and {@link RunningProjection#failure()} returns it. Fix the cause (deploy a
 * handler that copes, or an upcaster), then start the projection again: it resumes at this event.
 */
public class ProjectionFailedException extends MyelinProjectionException {
    private static final long serialVersionUID = 1L;

    /** Where the failed event came from. */
    private final RecordOrigin origin;

    /**
     * Creates the exception.
     *
     * @param projection the projection's name
     * @param origin     where the failed event came from
     * @param cause      why it failed
     */
    public ProjectionFailedException(String projection, RecordOrigin origin, Throwable cause) {
        super("projection " + projection + " stopped at the event at " + origin + " (fail-fast policy): " + cause,
                cause);
        this.origin = origin;
    }

    /**
     * Returns where the event that stopped the projection came from.
     *
     * @return its topic, partition and offset
     */
    public RecordOrigin origin() {
        return origin;
    }
}
