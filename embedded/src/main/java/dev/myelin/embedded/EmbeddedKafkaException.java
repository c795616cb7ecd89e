package dev.myelin.embedded;

/**
 * Thrown when an embedded Kafka cluster cannot start, create a topic or read one in time.
 */
public class EmbeddedKafkaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what went wrong
     */
    public EmbeddedKafkaException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @param message what went wrong
     * @param cause   the underlying failure, may be null when there was none
     */
    public EmbeddedKafkaException(String message, Throwable cause) {
        super(message, cause);
    }
}
