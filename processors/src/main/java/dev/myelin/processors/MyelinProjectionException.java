package dev.myelin.processors;

/**
 * The root of the exceptions the processors module throws, so a caller can catch one type for any
 * projection problem.
 */
public class MyelinProjectionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what went wrong and how to fix it
     */
    public MyelinProjectionException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @param message what went wrong and how to fix it
     * @param cause   the underlying failure
     */
    public MyelinProjectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
