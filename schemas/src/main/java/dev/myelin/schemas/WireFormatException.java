package dev.myelin.schemas;

/**
 * Thrown when a record's bytes are not in the Confluent wire format (magic byte 0, a 4-byte
 * big-endian schema id, then Avro binary): the first byte is not 0, the bytes are too short or
 * truncated, the value is null where a record was required, or the Avro body is corrupt.
 */
public class WireFormatException extends UndecodableRecordException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param origin  where the record came from
     * @param problem what is wrong with its bytes
     * @param cause   the underlying failure, may be null
     */
    public WireFormatException(RecordOrigin origin, String problem, Throwable cause) {
        super(origin, problem, cause);
    }
}
