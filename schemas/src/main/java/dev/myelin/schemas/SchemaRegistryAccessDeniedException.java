package dev.myelin.schemas;

/**
 * Thrown when a schema registry refuses the configured credentials (HTTP 401) or what they may do
 * (HTTP 403). That is a configuration error, not a fault of the record being read or written, so
 * it extends {@link SchemaRegistryUnavailableException}: every caller that holds a record while
 * the registry is unavailable holds it here too, until the credentials are fixed, instead of
 * rejecting or dead-lettering records that are fine. The client logs it at ERROR about once a
 * minute, not once per record.
 *
 * <p>The fix is in {@link SchemaRegistryConfig#BASIC_AUTH_USER_INFO} or
 * {@link SchemaRegistryConfig#BEARER_TOKEN}, or in the rights the registry grants that principal.
 */
public class SchemaRegistryAccessDeniedException extends SchemaRegistryUnavailableException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message         what was refused and which settings to check
     * @param httpStatus      401 or 403
     * @param errorCode       the registry's {@code error_code}, or 0
     * @param registryMessage the registry's {@code message}, or an empty string
     */
    public SchemaRegistryAccessDeniedException(String message, int httpStatus, int errorCode, String registryMessage) {
        super(message, httpStatus, errorCode, registryMessage, null);
    }
}
