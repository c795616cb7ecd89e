package dev.myelin.schemas;

import java.util.Objects;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;

/**
 * Makes Avro serdes in the Confluent wire format.
 *
 * <pre>{@code
 * SchemaRegistry registry = SchemaRegistry.connect(SchemaRegistryConfig.builder().url(url).build());
 * // one event type
 * Serde<AccountOpened> opened = AvroSerdes.specific(AccountOpened.class, registry);
 * // an events topic with several types, each its own subject (record name strategy)
 * Serde<SpecificRecord> events = AvroSerdes.specific(AvroSerdeConfig.builder(registry)
 *         .trustedPackages("com.example.bank.events")
 *         .build());
 * // no generated classes
 * Serde<GenericRecord> generic = AvroSerdes.generic(registry);
 * // in unit tests with TopologyTestDriver
 * Serde<AccountOpened> inMemory = AvroSerdes.specific(AccountOpened.class, new InMemorySchemaRegistry());
 * }</pre>
 *
 * <p>Serdes made here are for record values; pass {@code true} as {@code isKey} to the
 * {@link AvroSerializer}/{@link AvroDeserializer} constructors, or use {@link #specificKey}, for keys.
 */
public final class AvroSerdes {

    private AvroSerdes() {
    }

    /**
     * Returns a value serde for one generated class with default settings (record subject names,
     * auto-registration on).
     *
     * @param type     the generated class
     * @param registry the schema registry
     * @param <T>      the record type
     * @return the serde
     */
    public static <T extends SpecificRecord> AvroSerde<T> specific(Class<T> type, SchemaRegistry registry) {
        return specific(type, AvroSerdeConfig.builder(registry).build());
    }

    /**
     * Returns a value serde for one generated class.
     *
     * @param type   the generated class
     * @param config the serde configuration
     * @param <T>    the record type
     * @return the serde
     * @throws IllegalArgumentException if {@code type} lies outside the configured trusted packages
     */
    public static <T extends SpecificRecord> AvroSerde<T> specific(Class<T> type, AvroSerdeConfig config) {
        return new AvroSerde<>(new AvroSerializer<>(config), AvroDeserializer.specific(type, config));
    }

    /**
     * Returns a key serde for one generated class.
     *
     * @param type   the generated class
     * @param config the serde configuration
     * @param <T>    the record type
     * @return the serde
     * @throws IllegalArgumentException if {@code type} lies outside the configured trusted packages
     */
    public static <T extends SpecificRecord> AvroSerde<T> specificKey(Class<T> type, AvroSerdeConfig config) {
        return new AvroSerde<>(new AvroSerializer<>(config, true), AvroDeserializer.specific(type, config));
    }

    /**
     * Returns a value serde that decodes each record into the generated class its writer's schema
     * names: the serde for an events topic that carries several event types.
     *
     * @param config the serde configuration; set trusted packages to restrict the classes
     * @return the serde
     */
    public static AvroSerde<SpecificRecord> specific(AvroSerdeConfig config) {
        return new AvroSerde<>(new AvroSerializer<>(config), AvroDeserializer.specific(config));
    }

    /**
     * Returns a value serde for {@link GenericRecord}s with default settings; records decode in their
     * writer's schema.
     *
     * @param registry the schema registry
     * @return the serde
     */
    public static AvroSerde<GenericRecord> generic(SchemaRegistry registry) {
        return generic(AvroSerdeConfig.builder(registry).build());
    }

    /**
     * Returns a value serde for {@link GenericRecord}s; records decode in their writer's schema.
     *
     * @param config the serde configuration
     * @return the serde
     */
    public static AvroSerde<GenericRecord> generic(AvroSerdeConfig config) {
        return new AvroSerde<>(new AvroSerializer<>(config), AvroDeserializer.generic(config));
    }

    /**
     * Returns a value serde for {@link GenericRecord}s that decodes every record into
     * {@code readerSchema} by Avro schema resolution.
     *
     * @param readerSchema the schema of decoded records
     * @param config       the serde configuration
     * @return the serde
     */
    public static AvroSerde<GenericRecord> generic(Schema readerSchema, AvroSerdeConfig config) {
        Objects.requireNonNull(readerSchema, "readerSchema");
        return new AvroSerde<>(new AvroSerializer<>(config), AvroDeserializer.generic(readerSchema, config));
    }
}
