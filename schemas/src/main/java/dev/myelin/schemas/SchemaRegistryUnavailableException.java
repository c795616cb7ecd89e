package dev.myelin.schemas;

/**
 * Thrown when a registry call failed in a way that waiting may cure: the registry could not be
 * reached or timed out, answered HTTP 408, 429 or 5xx, answered with something other than its own
 * JSON (a proxy's or load balancer's page, even with status 404), redirected elsewhere, or the
 * call's deadline ({@link SchemaRegistryConfig#requestDeadline()}) passed. The call was retried
 * with exponential backoff first; schemas already in a client's cache keep working meanwhile.
 *
 * <p>Transient: hold the record and retry, never reject, skip or dead-letter it. The serdes pass it
 * on unwrapped so that callers can tell it from a poison record. Its subclass
 * {@link SchemaRegistryAccessDeniedException} (refused credentials) is held the same way.
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
