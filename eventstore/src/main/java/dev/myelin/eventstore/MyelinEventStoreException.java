package dev.myelin.eventstore;

/**
 * The root of the exceptions the event store throws, so a caller can catch them all at once.
 */
public class MyelinEventStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what went wrong and how to fix it
     */
    public MyelinEventStoreException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @param message what went wrong and how to fix it
     * @param cause   the underlying failure
     */
    public MyelinEventStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
