package dev.myelin.schemas;

/**
 * Thrown when an {@link Upcaster} fails, returns nothing usable, or a chain of upcasters does not
 * come to an end.
 */
public class UpcastingException extends MyelinSchemaException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what went wrong, naming the event type
     * @param cause   the underlying failure, may be null
     */
    public UpcastingException(String message, Throwable cause) {
        super(message, cause);
    }
}
