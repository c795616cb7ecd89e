package dev.myelin.schemas;

/**
 * The root of every exception the schemas module throws: a caller can catch this one type to
 * handle any schema, registry or wire-format problem.
 */
public class MyelinSchemaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what went wrong and, where possible, how to fix it
     */
    public MyelinSchemaException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @param message what went wrong and, where possible, how to fix it
     * @param cause   the underlying failure
     */
    public MyelinSchemaException(String message, Throwable cause) {
        super(message, cause);
    }
}
