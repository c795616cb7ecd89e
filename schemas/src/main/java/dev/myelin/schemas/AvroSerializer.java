package dev.myelin.schemas;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

import dev.myelin.schemas.internal.WireFormat;

/**
 * A Kafka serializer that writes Avro records ({@link SpecificRecord} or
 * {@link org.apache.avro.generic.GenericRecord}) in the Confluent wire format: magic byte 0, the
 * schema's registry id as 4 big-endian bytes, then Avro binary.
 *
 * <p>The schema is registered (or, with auto-registration off, looked up) under the subject the
 * {@link SubjectNameStrategy} names before anything is returned, so a schema the registry refuses
 * fails the send and nothing reaches the topic. Registry clients cache ids, so only the first record
 * of each schema costs a request.
 *
 * <pre>{@code
 * Properties props = new Properties();
 * props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
 * props.put("myelin.schema.registry.url", "http://localhost:8081");
 * // or, in code:
 * Serializer<AccountOpened> serializer = new AvroSerializer<>(AvroSerdeConfig.builder(registry).build());
 * }</pre>
 *
 * <p>A null value becomes a null record (a tombstone) unless tombstones are turned off.
 *
 * <p>A record that cannot be written raises {@link RecordEncodingException} (poison: retrying
 * cannot help); a schema the registry refuses raises its {@link SchemaRegistryException}.
 * {@link SchemaRegistryUnavailableException} (its subclass
 * {@link SchemaRegistryAccessDeniedException} included) is never wrapped:
 * throws SchemaRegistryUnavailableException: transient, hold the record and retry. It comes only for a schema the client has not cached yet.
 *
 * @param <T> the record type
 */
public class AvroSerializer<T> implements Serializer<T> {

    private volatile AvroSerdeConfig config;
    private volatile boolean isKey;
    private final Map<Object, DatumWriter<Object>> writers = new ConcurrentHashMap<>();

    /** Creates a serializer to be configured by Kafka through {@link #configure(Map, boolean)}. */
    public AvroSerializer() {
    }

    /**
     * Creates a serializer for record values.
     *
     * @param config the serde configuration
     */
    public AvroSerializer(AvroSerdeConfig config) {
        this(config, false);
    }

    /**
     * Creates a serializer.
     *
     * @param config the serde configuration
     * @param isKey  true to serialize record keys (subjects {@code <topic>-key} under the topic strategy)
     */
    public AvroSerializer(AvroSerdeConfig config, boolean isKey) {
        this.config = Objects.requireNonNull(config, "config");
        this.isKey = isKey;
    }

    /**
     * Configures a serializer made with the no-argument constructor from {@code myelin.*} properties
     * (see {@link AvroSerdeConfig#fromProperties(Map)}). A serializer made with a configuration keeps it
     * and ignores this call.
     *
     * @throws IllegalArgumentException if a property is unknown or malformed
     * @throws IllegalStateException    if no registry is configured
     */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (config == null) {
            this.config = AvroSerdeConfig.fromProperties(configs);
            this.isKey = isKey;
        }
    }

    /**
     * Encodes one record, registering (or looking up) its schema first unless the client has cached it.
     *
     * @throws RecordEncodingException            if the value is not an Avro record or does not fit its
     *                                            schema, or is null with tombstones off
     * @throws SchemaNotRegisteredException       if auto-registration is off and the schema is not registered
     * @throws SchemaRegistryUnavailableException if the registry is unavailable: transient, hold the record
     *                                            and retry
     */
    @Override
    public byte[] serialize(String topic, T data) {
        return encode(topic, data);
    }

    /**
     * Encodes one record, as {@link #serialize(String, Object)}; headers are not used.
     *
     * @throws RecordEncodingException            if the value cannot be encoded
     * @throws SchemaRegistryUnavailableException if the registry is unavailable: transient, hold the record
     *                                            and retry
     */
    @Override
    public byte[] serialize(String topic, Headers headers, T data) {
        return encode(topic, data);
    }

    private byte[] encode(String topic, T data) {
        AvroSerdeConfig cfg = requireConfigured();
        if (data == null) {
            if (cfg.tombstones()) {
                return null;
            }
            throw new RecordEncodingException("null " + (isKey ? "key" : "value") + " for topic " + topic
                    + " and tombstones are off (" + AvroSerdeConfig.TOMBSTONES + "=false)", null);
        }
        if (!(data instanceof GenericContainer container)) {
            throw new RecordEncodingException("AvroSerializer writes Avro records (SpecificRecord or GenericRecord), not "
                    + data.getClass().getName() + " (topic " + topic + ")", null);
        }
        Schema schema = container.getSchema();
        String subject;
        try {
            subject = cfg.subjectNameStrategy().subjectName(topic, isKey, schema);
        } catch (IllegalArgumentException e) {
            throw new RecordEncodingException(e.getMessage() + " (topic " + topic + ")", e);
        }
        // Outside every try: SchemaRegistryUnavailableException must reach the caller unwrapped.
        int id = cfg.autoRegister() ? cfg.registry().register(subject, schema)
                : cfg.registry().lookup(subject, schema).map(RegisteredSchema::id)
                        .orElseThrow(() -> new SchemaNotRegisteredException(subject, schema.getFullName(), topic));
        DatumWriter<Object> writer = writers.computeIfAbsent(data instanceof SpecificRecord ? data.getClass() : schema,
                key -> data instanceof SpecificRecord
                        ? new SpecificDatumWriter<>(schema, SpecificData.getForClass(data.getClass()))
                        : new GenericDatumWriter<>(schema, GenericData.get()));
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        out.writeBytes(WireFormat.header(id));
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer.write(data, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            // Avro reports a bad field value as an NPE or ClassCastException naming the field.
            throw new RecordEncodingException("cannot encode " + schema.getFullName() + " for topic " + topic + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    private AvroSerdeConfig requireConfigured() {
        AvroSerdeConfig cfg = config;
        if (cfg == null) {
            throw new IllegalStateException("AvroSerializer is not configured: create it with an AvroSerdeConfig or"
                    + " call configure(Map, boolean) with myelin.schema.registry.url set");
        }
        return cfg;
    }
}
