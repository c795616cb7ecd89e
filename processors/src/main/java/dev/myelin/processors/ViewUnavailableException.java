package dev.myelin.processors;

/**
 * Thrown when a view cannot be read right now: its projection is starting, restoring its store,
 * rebalancing or stopped. Retrying after a short wait usually succeeds.
 */
public class ViewUnavailableException extends MyelinProjectionException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is unavailable and why
     * @param cause   the Kafka Streams exception, may be null
     */
    public ViewUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
