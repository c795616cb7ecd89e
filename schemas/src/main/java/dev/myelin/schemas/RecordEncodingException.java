package dev.myelin.schemas;

/**
 * Thrown when a serializer cannot encode a value: it is not an Avro record, or a field holds a value
 * its schema does not allow (for example null in a non-nullable field). Nothing was written.
 */
public class RecordEncodingException extends MyelinSchemaException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, naming the topic
     * @param cause   the underlying failure, may be null
     */
    public RecordEncodingException(String message, Throwable cause) {
        super(message, cause);
    }
}
