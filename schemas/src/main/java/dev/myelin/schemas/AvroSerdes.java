package dev.myelin.schemas;

import java.util.Objects;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

import dev.myelin.schemas.internal.AvroSingleObjectSerde;

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
 * <p>Every serde made here {@code throws SchemaRegistryUnavailableException} (and its subclass
 * {@link SchemaRegistryAccessDeniedException}): transient, hold the record and retry. It is never
 * wrapped in {@link UndecodableRecordException} or {@link RecordEncodingException}, which mean the
 * record itself is poison. The {@link #singleObject} serde needs no registry and never throws it.
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

    /**
     * Returns a serde for generated records in Avro's single-object encoding (marker {@code C3 01},
     * the schema's 64-bit fingerprint, then Avro binary) that needs no registry: the bytes name
     * their schema themselves. Use it for state that never leaves the application, such as an
     * aggregate's or a saga's stored state, so no registry call sits on the processing path. It
     * reads only the schemas of {@code classes} as they are now; a changed schema needs a new
     * class set that includes the old one or a store rebuilt from its source.
     *
     * <pre>{@code
     * Serde<AccountState> state = AvroSerdes.singleObject(AccountState.class);
     * }</pre>
     *
     * @param classes the generated record classes this serde writes and reads
     * @param <T>     a common supertype of them
     * @return the serde
     * @throws IllegalArgumentException if a class is not a generated Avro record
     */
    @SafeVarargs
    public static <T> Serde<T> singleObject(Class<? extends T>... classes) {
        return AvroSingleObjectSerde.of(classes);
    }
}
