package dev.myelin.schemas;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

import dev.myelin.schemas.internal.WireFormat;

/**
 * A Kafka deserializer for Avro records in the Confluent wire format. It reads the schema id from the
 * header, fetches the writer's schema from the registry once (clients cache it for good, so a known
 * schema costs no request), and decodes with Avro schema resolution into:
 * <ul>
 * <li>a generated class ({@link #specific(Class, AvroSerdeConfig)}): old events decode into the
 *     current class, new fields taking their defaults;</li>
 * <li>the generated class the writer's schema names ({@link #specific(AvroSerdeConfig)}), within the
 *     trusted packages;</li>
 * <li>a {@link GenericRecord} in the writer's schema, or in a reader schema of your choice
 *     ({@link #generic(Schema, AvroSerdeConfig)}).</li>
 * </ul>
 * One datum reader is kept per writer schema id. Events an {@link UpcasterChain} handles are decoded
 * with the writer's schema, upcast, then resolved into the reader's form.
 *
 * <pre>{@code
 * AvroDeserializer<AccountOpened> deserializer =
 *         AvroDeserializer.specific(AccountOpened.class, AvroSerdeConfig.builder(registry).build());
 * AccountOpened event = deserializer.deserialize("bank.account.events", bytes);
 * // with the record's position, for dead letters, and with upcasters that may split an event:
 * List<AccountOpened> events = deserializer.deserializeAll(
 *         RecordOrigin.of(record.topic(), record.partition(), record.offset()), record.value());
 * }</pre>
 *
 * <p>Bad records raise an {@link UndecodableRecordException} naming their origin:
 * {@link WireFormatException} (not the wire format, truncated, null with tombstones off),
 * {@link UnknownSchemaIdException} (the registry itself says it has no such id),
 * {@link UntrustedClassException}, or the base type when the writer's schema cannot be resolved
 * into the reader's. Those are poison: retrying cannot help.
 *
 * <p>{@link SchemaRegistryUnavailableException} (its subclass
 * {@link SchemaRegistryAccessDeniedException} included) is never wrapped in those:
 * throws SchemaRegistryUnavailableException: transient, hold the record and retry. It comes only for a schema id the client has not cached, when
 * the registry cannot be reached, times out, answers 408, 429 or 5xx, answers with a proxy's page,
 * or refuses the credentials.
 *
 * @param <T> the type of the decoded values
 */
public class AvroDeserializer<T> implements Deserializer<T> {

    private enum Mode { FIXED_CLASS, BY_WRITER_NAME, GENERIC }

    private volatile AvroSerdeConfig config;
    private volatile Mode mode;
    private final Class<?> type;
    private final Schema readerSchema;
    private final Map<Integer, Plan<T>> plans = new ConcurrentHashMap<>();
    private final Map<Schema, DatumReader<Object>> upcastReaders = new ConcurrentHashMap<>();

    /**
     * Creates a deserializer to be configured by Kafka through {@link #configure(Map, boolean)}: it
     * returns {@link GenericRecord}s, or generated classes when {@value AvroSerdeConfig#SPECIFIC_READER}
     * is true.
     */
    public AvroDeserializer() {
        this(null, null, null, null);
    }

    private AvroDeserializer(AvroSerdeConfig config, Mode mode, Class<?> type, Schema readerSchema) {
        this.config = config;
        this.mode = mode;
        this.type = type;
        this.readerSchema = readerSchema;
    }

    /**
     * Returns a deserializer that decodes into {@code type}, resolving older and newer writer schemas
     * into the class's schema.
     *
     * @param type   the generated class
     * @param config the serde configuration
     * @param <T>    the record type
     * @return the deserializer
     * @throws IllegalArgumentException if {@code type} lies outside the configured trusted packages
     */
    public static <T extends SpecificRecord> AvroDeserializer<T> specific(Class<T> type, AvroSerdeConfig config) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(config, "config");
        if (!config.trusts(type.getName())) {
            throw new IllegalArgumentException(type.getName() + " is not in a trusted package " + config.trustedPackages());
        }
        return new AvroDeserializer<>(config, Mode.FIXED_CLASS, type, SpecificData.getForClass(type).getSchema(type));
    }

    /**
     * Returns a deserializer that decodes each record into the generated class its writer's schema
     * names (for a topic carrying several event types), refusing classes outside the trusted packages.
     *
     * @param config the serde configuration
     * @return the deserializer
     */
    public static AvroDeserializer<SpecificRecord> specific(AvroSerdeConfig config) {
        return new AvroDeserializer<>(Objects.requireNonNull(config, "config"), Mode.BY_WRITER_NAME, null, null);
    }

    /**
     * Returns a deserializer that decodes into {@link GenericRecord}s in the writer's schema.
     *
     * @param config the serde configuration
     * @return the deserializer
     */
    public static AvroDeserializer<GenericRecord> generic(AvroSerdeConfig config) {
        return new AvroDeserializer<>(Objects.requireNonNull(config, "config"), Mode.GENERIC, null, null);
    }

    /**
     * Returns a deserializer that decodes into {@link GenericRecord}s in {@code readerSchema}, resolving
     * each writer's schema into it (to read newer events with an older schema, for example).
     *
     * @param readerSchema the schema of the returned records
     * @param config       the serde configuration
     * @return the deserializer
     */
    public static AvroDeserializer<GenericRecord> generic(Schema readerSchema, AvroSerdeConfig config) {
        return new AvroDeserializer<>(Objects.requireNonNull(config, "config"), Mode.GENERIC, null,
                Objects.requireNonNull(readerSchema, "readerSchema"));
    }

    /**
     * Configures a deserializer made with the no-argument constructor from {@code myelin.*} properties
     * (see {@link AvroSerdeConfig#fromProperties(Map)}). A deserializer made with a configuration keeps
     * it and ignores this call.
     *
     * @throws IllegalArgumentException if a property is unknown or malformed
     * @throws IllegalStateException    if no registry is configured
     */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (config == null) {
            AvroSerdeConfig cfg = AvroSerdeConfig.fromProperties(configs);
            mode = cfg.specificReader() ? Mode.BY_WRITER_NAME : Mode.GENERIC;
            config = cfg;
        }
    }

    /**
     * Decodes one record; a null value decodes to null (a tombstone) unless tombstones are off.
     *
     * @throws UndecodableRecordException         if the record cannot be decoded (see the class comment),
     *                                            or upcasting turned it into other than one event
     * @throws SchemaRegistryUnavailableException if the writer's schema is not cached and the registry is
     *                                            unavailable: transient, hold the record and retry
     */
    @Override
    public T deserialize(String topic, byte[] data) {
        return deserialize(RecordOrigin.topic(topic), data);
    }

    /**
     * Decodes one record, as {@link #deserialize(String, byte[])}; headers are not used.
     *
     * @throws UndecodableRecordException         if the record cannot be decoded
     * @throws SchemaRegistryUnavailableException if the writer's schema is not cached and the registry is
     *                                            unavailable: transient, hold the record and retry
     */
    @Override
    public T deserialize(String topic, Headers headers, byte[] data) {
        return deserialize(RecordOrigin.topic(topic), data);
    }

    /**
     * Decodes one record whose origin is known, so that errors name its partition and offset.
     *
     * @param origin where the record came from
     * @param data   the record's bytes
     * @return the value, or null for a null record when tombstones are on
     * @throws UndecodableRecordException         if the record cannot be decoded, or upcasting turned it
     *                                            into other than one event (use {@link #deserializeAll})
     * @throws SchemaRegistryUnavailableException if the writer's schema is not cached and the registry is
     *                                            unavailable: transient, hold the record and retry
     */
    public T deserialize(RecordOrigin origin, byte[] data) {
        Objects.requireNonNull(origin, "origin");
        if (data == null) {
            rejectNullUnlessTombstone(origin);
            return null;
        }
        List<T> values = decode(origin, data);
        if (values.size() != 1) {
            throw new UndecodableRecordException(origin, "upcasting turned the record into " + values.size()
                    + " events; read this topic with AvroDeserializer.deserializeAll", null);
        }
        return values.get(0);
    }

    /**
     * Decodes one record into all the events it stands for after upcasting: usually one, several when
     * an upcaster split it, none when one dropped it or for a tombstone.
     *
     * @param origin where the record came from
     * @param data   the record's bytes
     * @return the values
     * @throws UndecodableRecordException         if the record cannot be decoded
     * @throws SchemaRegistryUnavailableException if the writer's schema is not cached and the registry is
     *                                            unavailable, or an upcaster met it: transient, hold the
     *                                            record and retry
     */
    public List<T> deserializeAll(RecordOrigin origin, byte[] data) {
        Objects.requireNonNull(origin, "origin");
        if (data == null) {
            rejectNullUnlessTombstone(origin);
            return List.of();
        }
        return decode(origin, data);
    }

    private void rejectNullUnlessTombstone(RecordOrigin origin) {
        if (!requireConfigured().tombstones()) {
            throw new WireFormatException(origin, "record value is null (a tombstone) and tombstones are off ("
                    + AvroSerdeConfig.TOMBSTONES + "=false)", null);
        }
    }

    private List<T> decode(RecordOrigin origin, byte[] data) {
        AvroSerdeConfig cfg = requireConfigured();
        int id = WireFormat.schemaId(origin, data);
        Plan<T> plan = plans.get(id);
        if (plan == null) {
            plan = plan(cfg, origin, id);
            plans.putIfAbsent(id, plan);
        }
        return plan.decode(origin, data);
    }

    private Plan<T> plan(AvroSerdeConfig cfg, RecordOrigin origin, int id) {
        Schema writer;
        try {
            writer = cfg.registry().schemaById(id);
        } catch (SchemaNotFoundException e) {
            // Only the registry's own "no such id" is poison; SchemaRegistryUnavailableException passes on unwrapped.
            throw new UnknownSchemaIdException(origin, id, e);
        }
        if (cfg.upcasters().appliesTo(writer)) {
            DatumReader<Object> reader = new GenericDatumReader<>(writer, writer, GenericData.get());
            return (o, data) -> {
                GenericRecord old = (GenericRecord) read(reader, o, data, id);
                List<GenericRecord> upcast;
                try {
                    upcast = cfg.upcasters().apply(old);
                } catch (UpcastingException e) {
                    throw new UndecodableRecordException(o, e.getMessage(), e);
                }
                List<T> out = new ArrayList<>(upcast.size());
                for (GenericRecord r : upcast) {
                    out.add(convert(cfg, o, r));
                }
                return out;
            };
        }
        DatumReader<Object> reader = datumReader(cfg, origin, writer, id);
        return (o, data) -> List.of(cast(read(reader, o, data, id)));
    }

    /** Makes the reader for one writer schema in this deserializer's mode, checking resolution first. */
    private DatumReader<Object> datumReader(AvroSerdeConfig cfg, RecordOrigin origin, Schema writer, int id) {
        return switch (mode) {
            case FIXED_CLASS -> resolving(origin, writer, readerSchema, id, SpecificData.getForClass(type));
            case BY_WRITER_NAME -> {
                Class<?> cls = generatedClass(cfg, origin, writer);
                yield resolving(origin, writer, SpecificData.getForClass(cls).getSchema(cls), id, SpecificData.getForClass(cls));
            }
            case GENERIC -> resolving(origin, writer, readerSchema == null ? writer : readerSchema, id, GenericData.get());
        };
    }

    private DatumReader<Object> resolving(RecordOrigin origin, Schema writer, Schema reader, int id, GenericData model) {
        if (reader != writer) {
            CompatibilityResult result = CompatibilityChecker.canRead(reader, writer);
            if (!result.compatible()) {
                throw new UndecodableRecordException(origin, "record written with " + writer.getFullName() + " (schema id "
                        + id + ") cannot be read as " + reader.getFullName() + ": " + String.join("; ", result.messages()), null);
            }
        }
        return model instanceof SpecificData specific ? new SpecificDatumReader<>(writer, reader, specific)
                : new GenericDatumReader<>(writer, reader, model);
    }

    private Class<?> generatedClass(AvroSerdeConfig cfg, RecordOrigin origin, Schema schema) {
        if (schema.getType() != Schema.Type.RECORD) {
            throw new UndecodableRecordException(origin, "a specific reader decodes records, not " + schema.getType(), null);
        }
        String className = SpecificData.getClassName(schema);
        // Checked before loading so that an untrusted class is never initialised.
        if (!cfg.trusts(className)) {
            throw new UntrustedClassException(origin, className, cfg.trustedPackages());
        }
        Class<?> cls = SpecificData.get().getClass(schema);
        if (cls == null || !SpecificRecord.class.isAssignableFrom(cls)) {
            throw new UndecodableRecordException(origin, "no generated Avro class " + className
                    + " on the classpath; generate it or read with a generic deserializer", null);
        }
        return cls;
    }

    /** Resolves an upcast record into this deserializer's reader form through its binary encoding. */
    private T convert(AvroSerdeConfig cfg, RecordOrigin origin, GenericRecord record) {
        if (mode == Mode.GENERIC && readerSchema == null) {
            return cast(record);
        }
        Schema schema = record.getSchema();
        DatumReader<Object> reader = upcastReaders.get(schema);
        if (reader == null) {
            reader = datumReader(cfg, origin, schema, -1);
            upcastReaders.putIfAbsent(schema, reader);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(schema, GenericData.get()).write(record, encoder);
            encoder.flush();
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(out.toByteArray(), null);
            return cast(reader.read(null, decoder));
        } catch (IOException | RuntimeException e) {
            throw new UndecodableRecordException(origin, "upcast " + schema.getFullName() + " does not fit its own schema: "
                    + e.getMessage(), e);
        }
    }

    private static Object read(DatumReader<Object> reader, RecordOrigin origin, byte[] data, int id) {
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, WireFormat.HEADER_LENGTH,
                data.length - WireFormat.HEADER_LENGTH, null);
        Object value;
        try {
            value = reader.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            // EOFException for truncated bytes; AvroRuntimeException and index errors for corrupt ones.
            throw new WireFormatException(origin, "Avro body (schema id " + id + ") is truncated or corrupt: " + e, e);
        }
        try {
            if (!decoder.isEnd()) {
                throw new WireFormatException(origin, "bytes left over after the Avro body (schema id " + id
                        + "); the record is corrupt or names the wrong schema id", null);
            }
        } catch (IOException e) {
            throw new WireFormatException(origin, "Avro body (schema id " + id + ") is corrupt: " + e, e);
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    private T cast(Object value) {
        return (T) value;
    }

    private AvroSerdeConfig requireConfigured() {
        AvroSerdeConfig cfg = config;
        if (cfg == null) {
            throw new IllegalStateException("AvroDeserializer is not configured: create it with AvroDeserializer.specific"
                    + " or .generic, or call configure(Map, boolean) with myelin.schema.registry.url set");
        }
        return cfg;
    }

    /** How records of one writer schema id are decoded. */
    @FunctionalInterface
    private interface Plan<T> {
        List<T> decode(RecordOrigin origin, byte[] data);
    }
}
