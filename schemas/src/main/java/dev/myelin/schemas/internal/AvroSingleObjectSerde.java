package dev.myelin.schemas.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A registry-free serde for generated Avro records in Avro's single-object encoding (marker
 * {@code C3 01}, the schema's 8-byte CRC-64-AVRO fingerprint, then Avro binary). It is what the event
 * store derives for an Avro state: the bytes are self-describing, so a value written by one schema is
 * recognised later, and no registry call sits on the command path for local state.
 *
 * @param <T> the record type (a common supertype when several classes are known)
 */
public final class AvroSingleObjectSerde<T> implements Serde<T>, Serializer<T>, Deserializer<T> {

    private static final byte MARKER_0 = (byte) 0xC3;
    private static final byte MARKER_1 = (byte) 0x01;

    /**
     * What one record class needs, computed once: the fingerprint is a canonical-form hash of the
     * schema, far too costly to compute per record, and Avro's readers resolve their schema on
     * first use, so a reader made per record pays that resolution every time.
     */
    private record Codec(Schema schema, byte[] header, DatumWriter<SpecificRecord> writer, DatumReader<Object> reader) {
        static Codec of(Class<?> type, Schema schema) {
            long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
            byte[] header = ByteBuffer.allocate(HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN)
                    .put(MARKER_0).put(MARKER_1).putLong(fingerprint).array();
            SpecificData data = SpecificData.getForClass(type);
            return new Codec(schema, header, new SpecificDatumWriter<>(schema, data), new SpecificDatumReader<>(schema, schema, data));
        }

        long fingerprint() {
            return ByteBuffer.wrap(header, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }
    }

    private static final int HEADER_LENGTH = 10;
    /** Built before the serde is shared and never changed after: read without locks. */
    private final Map<Long, Codec> byFingerprint = new HashMap<>();
    private final Map<Class<?>, Codec> byClass = new HashMap<>();

    private AvroSingleObjectSerde() {
    }

    /**
     * Returns a serde that writes and reads records of {@code classes}.
     *
     * @param classes generated Avro record classes
     * @param <T>     a common supertype
     * @return the serde
     * @throws IllegalArgumentException if a class is not a generated Avro record
     */
    @SafeVarargs
    public static <T> AvroSingleObjectSerde<T> of(Class<? extends T>... classes) {
        AvroSingleObjectSerde<T> serde = new AvroSingleObjectSerde<>();
        for (Class<? extends T> c : classes) {
            if (!SpecificRecord.class.isAssignableFrom(c)) {
                throw new IllegalArgumentException(c.getName() + " is not a generated Avro record (SpecificRecord)");
            }
            Codec codec = Codec.of(c, SpecificData.get().getSchema(c));
            serde.byFingerprint.put(codec.fingerprint(), codec);
            serde.byClass.put(c, codec);
        }
        return serde;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        if (!(data instanceof SpecificRecord record)) {
            throw new SerializationException(data.getClass().getName() + " is not a generated Avro record");
        }
        Codec codec = byClass.get(record.getClass());
        if (codec == null) {
            // another class with one of the known schemas is still that schema: the slow path, by fingerprint
            Schema schema = record.getSchema();
            codec = byFingerprint.get(SchemaNormalization.parsingFingerprint64(schema));
            if (codec == null) {
                throw new SerializationException("schema " + schema.getFullName() + " is not one this serde was built for");
            }
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(64);
            out.writeBytes(codec.header());
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            codec.writer().write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot write " + codec.schema().getFullName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length < HEADER_LENGTH || data[0] != MARKER_0 || data[1] != MARKER_1) {
            throw new SerializationException("not Avro single-object encoded: missing the C3 01 marker");
        }
        long fingerprint = ByteBuffer.wrap(data, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Codec codec = byFingerprint.get(fingerprint);
        if (codec == null) {
            throw new SerializationException("unknown Avro schema fingerprint " + Long.toHexString(fingerprint));
        }
        try {
            return (T) codec.reader().read(null, DecoderFactory.get().binaryDecoder(data, HEADER_LENGTH, data.length - HEADER_LENGTH, null));
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot read " + codec.schema().getFullName() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }

    @Override
    public void close() {
        // nothing to release; Serde, Serializer and Deserializer all declare close()
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        // nothing to configure
    }
}
