package dev.myelin.schemas;

/**
 * Thrown when a registry has no schema with the given id, or a subject does not hold the given
 * schema (error code 40403).
 */
public class SchemaNotFoundException extends SchemaRegistryException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message         what went wrong, for people
     * @param httpStatus      the HTTP status of the registry's answer, or 0 when there was none
     * @param errorCode       the registry's {@code error_code}, or 0 when it gave none
     * @param registryMessage the registry's {@code message}, or an empty string
     */
    public SchemaNotFoundException(String message, int httpStatus, int errorCode, String registryMessage) {
        super(message, httpStatus, errorCode, registryMessage);
    }
}
