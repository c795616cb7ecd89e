package dev.myelin.eventstore;

/**
 * Thrown by a read when the aggregate's partition is served by another instance of the application,
 * so this instance's stores do not hold it.
 */
public class AggregateNotLocalException extends MyelinEventStoreException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param aggregateId the aggregate asked for
     * @param partition   its partition
     */
    public AggregateNotLocalException(String aggregateId, int partition) {
        super("aggregate '" + aggregateId + "' is on partition " + partition + ", which another instance (or no instance, "
                + "during a rebalance) serves; read it there, or retry once the rebalance is over");
    }
}
