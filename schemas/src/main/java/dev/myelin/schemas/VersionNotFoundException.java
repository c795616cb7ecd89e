package dev.myelin.schemas;

/**
 * Thrown when a subject has no version of the given number (error code 40402).
 */
public class VersionNotFoundException extends SchemaRegistryException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message         what went wrong, for people
     * @param httpStatus      the HTTP status of the registry's answer, or 0 when there was none
     * @param errorCode       the registry's {@code error_code}, or 0 when it gave none
     * @param registryMessage the registry's {@code message}, or an empty string
     */
    public VersionNotFoundException(String message, int httpStatus, int errorCode, String registryMessage) {
        super(message, httpStatus, errorCode, registryMessage);
    }
}
