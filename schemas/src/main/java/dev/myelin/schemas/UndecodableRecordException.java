package dev.myelin.schemas;

import java.util.Objects;

/**
 * Thrown when the bytes of one record cannot be turned into a value. The problem lies in that record
 * (or in how it was written), not in the reader's environment, so retrying will not help: Myelin's
 * processors send such a record to a dead-letter topic and go on. {@link #origin()} says where the
 * record came from.
 *
 * <p>A registry that cannot be reached is not this: it raises {@link SchemaRegistryUnavailableException},
 * which is worth retrying.
 */
public class UndecodableRecordException extends MyelinSchemaException {
    private static final long serialVersionUID = 1L;

    /** Where the record came from. */
    private final RecordOrigin origin;

    /**
     * Creates the exception.
     *
     * @param origin  where the record came from
     * @param problem what is wrong with it; the origin is appended
     * @param cause   the underlying failure, may be null
     */
    public UndecodableRecordException(RecordOrigin origin, String problem, Throwable cause) {
        super(problem + " (" + Objects.requireNonNull(origin, "origin") + ")", cause);
        this.origin = origin;
    }

    /**
     * Returns where the undecodable record came from.
     *
     * @return its topic, and partition and offset when the caller supplied them
     */
    public RecordOrigin origin() {
        return origin;
    }
}
