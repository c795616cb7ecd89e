package dev.myelin.schemas;

/**
 * Thrown when a registry refuses a schema because it breaks the subject's compatibility rule
 * (HTTP 409). {@link #registryMessage()} holds the registry's reason, which usually names the field.
 * Nothing was registered; a serializer that sees this exception has written nothing.
 */
public class IncompatibleSchemaException extends SchemaRegistryException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message         what went wrong, for people
     * @param httpStatus      the HTTP status of the registry's answer, or 0 when there was none
     * @param errorCode       the registry's {@code error_code}, or 0 when it gave none
     * @param registryMessage the registry's {@code message}, or an empty string
     */
    public IncompatibleSchemaException(String message, int httpStatus, int errorCode, String registryMessage) {
        super(message, httpStatus, errorCode, registryMessage);
    }
}
