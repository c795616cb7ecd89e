package dev.myelin.schemas;

/**
 * Thrown when a registry could not be reached, or answered with a server error, on every attempt
 * of a request. The request was retried with exponential backoff first; schemas already in a
 * client's cache keep working while the registry is down.
 */
public class SchemaRegistryUnavailableException extends SchemaRegistryException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message         what went wrong, naming the registry and the number of attempts
     * @param httpStatus      the HTTP status of the last answer, or 0 when none arrived
     * @param errorCode       the registry's last {@code error_code}, or 0
     * @param registryMessage the registry's last {@code message}, or an empty string
     * @param cause           the last I/O failure, may be null
     */
    public SchemaRegistryUnavailableException(String message, int httpStatus, int errorCode, String registryMessage,
            Throwable cause) {
        super(message, httpStatus, errorCode, registryMessage, cause);
    }
}
