package dev.myelin.schemas.internal;

import dev.myelin.schemas.RecordOrigin;
import dev.myelin.schemas.WireFormatException;

/**
 * The Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian int, then the Avro
 * binary encoding of the value.
 */
public final class WireFormat {

    /** The first byte of every record. */
    public static final byte MAGIC = 0;
    /** The length of magic byte plus schema id. */
    public static final int HEADER_LENGTH = 5;

    private WireFormat() {
    }

    /**
     * Returns the header for a schema id.
     *
     * @param schemaId the id
     * @return five bytes
     */
    public static byte[] header(int schemaId) {
        return new byte[] {MAGIC, (byte) (schemaId >>> 24), (byte) (schemaId >>> 16), (byte) (schemaId >>> 8),
                (byte) schemaId};
    }

    /**
     * Reads the schema id from a record's header.
     *
     * @param origin where the record came from, for the error
     * @param data   the record's bytes, not null
     * @return the schema id
     * @throws WireFormatException if the bytes are shorter than the header or do not start with 0
     */
    public static int schemaId(RecordOrigin origin, byte[] data) {
        if (data.length < HEADER_LENGTH) {
            throw new WireFormatException(origin, "record has " + data.length + " bytes, fewer than the " + HEADER_LENGTH
                    + "-byte Confluent wire-format header (magic byte 0 and schema id)", null);
        }
        if (data[0] != MAGIC) {
            throw new WireFormatException(origin, String.format("record starts with byte 0x%02x, not the magic byte 0"
                    + " of the Confluent wire format; it was not written by an Avro schema-registry serializer",
                    data[0] & 0xff), null);
        }
        return ((data[1] & 0xff) << 24) | ((data[2] & 0xff) << 16) | ((data[3] & 0xff) << 8) | (data[4] & 0xff);
    }
}
