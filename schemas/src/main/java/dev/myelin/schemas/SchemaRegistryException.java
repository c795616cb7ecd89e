package dev.myelin.schemas;

import java.util.OptionalInt;

/**
 * Thrown when a schema registry refuses a request or cannot be reached. Subclasses name the
 * common cases; this class covers the rest (for example a schema that is not Avro).
 * {@link SchemaRegistryUnavailableException} and its subclasses are transient; the others are the
 * registry's own answer and stay the same on retry.
 *
 * <p>{@link #registryMessage()} holds the registry's own words, so the reason a registry gave (an
 * incompatible field, a malformed schema) reaches the caller unchanged.
 */
public class SchemaRegistryException extends MyelinSchemaException {
    private static final long serialVersionUID = 1L;

    /** The HTTP status, or 0. */
    private final int httpStatus;
    /** The registry's error code, or 0. */
    private final int errorCode;
    /** The registry's message, or empty. */
    private final String registryMessage;

    /**
     * Creates the exception.
     *
     * @param message         what went wrong, for people
     * @param httpStatus      the HTTP status of the registry's answer, or 0 when there was none
     * @param errorCode       the registry's {@code error_code}, or 0 when it gave none
     * @param registryMessage the registry's {@code message}, or an empty string
     */
    public SchemaRegistryException(String message, int httpStatus, int errorCode, String registryMessage) {
        this(message, httpStatus, errorCode, registryMessage, null);
    }

    /**
     * Creates the exception with its cause.
     *
     * @param message         what went wrong, for people
     * @param httpStatus      the HTTP status of the registry's answer, or 0 when there was none
     * @param errorCode       the registry's {@code error_code}, or 0 when it gave none
     * @param registryMessage the registry's {@code message}, or an empty string
     * @param cause           the underlying failure, may be null
     */
    public SchemaRegistryException(String message, int httpStatus, int errorCode, String registryMessage,
            Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
        this.registryMessage = registryMessage == null ? "" : registryMessage;
    }

    /**
     * Returns the HTTP status of the registry's answer.
     *
     * @return the status, or empty when no answer arrived (an I/O failure)
     */
    public OptionalInt httpStatus() {
        return httpStatus == 0 ? OptionalInt.empty() : OptionalInt.of(httpStatus);
    }

    /**
     * Returns the registry's error code (Confluent protocol: 40401 subject not found, 409
     * incompatible, 42201 invalid schema, …).
     *
     * @return the code, or empty when the registry gave none
     */
    public OptionalInt errorCode() {
        return errorCode == 0 ? OptionalInt.empty() : OptionalInt.of(errorCode);
    }

    /**
     * Returns the registry's own explanation.
     *
     * @return the registry's message, empty when it gave none
     */
    public String registryMessage() {
        return registryMessage;
    }
}
