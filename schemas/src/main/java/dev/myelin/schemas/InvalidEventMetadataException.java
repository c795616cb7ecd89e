package dev.myelin.schemas;

/**
 * Thrown when a record's Myelin metadata headers are missing or malformed.
 */
public class InvalidEventMetadataException extends MyelinSchemaException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, naming the header
     */
    public InvalidEventMetadataException(String message) {
        super(message);
    }
}
