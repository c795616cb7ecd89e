package dev.myelin.schemas;

import java.util.Map;
import java.util.Objects;

import org.apache.kafka.common.serialization.Serde;

/**
 * A Kafka {@link Serde} pairing an {@link AvroSerializer} with an {@link AvroDeserializer}. Make one
 * with {@link AvroSerdes}, or name this class as a Kafka Streams default serde and configure it with
 * {@code myelin.*} properties.
 *
 * <pre>{@code
 * props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, AvroSerde.class);
 * props.put("myelin.schema.registry.url", registryUrl);
 * props.put("myelin.avro.specific.reader", "true");
 * }</pre>
 *
 * <p>Both halves {@code throws SchemaRegistryUnavailableException}: transient, hold the record and
 * retry. They never wrap it in {@link UndecodableRecordException} or {@link RecordEncodingException},
 * which mean the record itself is poison.
 *
 * @param <T> the record type
 */
public class AvroSerde<T> implements Serde<T> {

    private final AvroSerializer<T> serializer;
    private final AvroDeserializer<T> deserializer;

    /** Creates a serde to be configured by Kafka through {@link #configure(Map, boolean)}. */
    public AvroSerde() {
        this(new AvroSerializer<>(), new AvroDeserializer<>());
    }

    /**
     * Creates a serde of the given halves.
     *
     * @param serializer   the serializer
     * @param deserializer the deserializer
     */
    public AvroSerde(AvroSerializer<T> serializer, AvroDeserializer<T> deserializer) {
        this.serializer = Objects.requireNonNull(serializer, "serializer");
        this.deserializer = Objects.requireNonNull(deserializer, "deserializer");
    }

    /** Configures both halves; halves made with a configuration keep theirs. */
    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        serializer.configure(configs, isKey);
        deserializer.configure(configs, isKey);
    }

    @Override
    public AvroSerializer<T> serializer() {
        return serializer;
    }

    @Override
    public AvroDeserializer<T> deserializer() {
        return deserializer;
    }
}
