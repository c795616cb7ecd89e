package dev.myelin.schemas;

/**
 * Thrown when a record names a schema id that the registry does not know: it was written against
 * another registry, or its header is damaged.
 */
public class UnknownSchemaIdException extends UndecodableRecordException {
    private static final long serialVersionUID = 1L;

    /** The id the record named. */
    private final int schemaId;

    /**
     * Creates the exception.
     *
     * @param origin   where the record came from
     * @param schemaId the id in the record's header
     * @param cause    the registry's answer, may be null
     */
    public UnknownSchemaIdException(RecordOrigin origin, int schemaId, Throwable cause) {
        super(origin, "schema id " + schemaId + " is unknown to the schema registry; the record was written against"
                + " another registry or its header is damaged", cause);
        this.schemaId = schemaId;
    }

    /**
     * Returns the schema id the record named.
     *
     * @return the id
     */
    public int schemaId() {
        return schemaId;
    }
}
