/**
 * Avro events in the Confluent wire format with a schema registry: a client for the Confluent REST
 * protocol ({@link dev.myelin.schemas.SchemaRegistry}) and an in-memory stand-in for tests
 * ({@link dev.myelin.schemas.InMemorySchemaRegistry}), Kafka serdes
 * ({@link dev.myelin.schemas.AvroSerdes}), compatibility checks without a server
 * ({@link dev.myelin.schemas.CompatibilityChecker}), upcasting on read
 * ({@link dev.myelin.schemas.UpcasterChain}) and event metadata headers
 * ({@link dev.myelin.schemas.EventMetadata}).
 *
 * <pre>{@code
 * SchemaRegistry registry = SchemaRegistry.connect(SchemaRegistryConfig.builder()
 *         .url("http://localhost:8081")
 *         .build());
 * Serde<SpecificRecord> events = AvroSerdes.specific(AvroSerdeConfig.builder(registry)
 *         .trustedPackages("com.example.bank.events")
 *         .build());
 * }</pre>
 *
 * <p>Every exception thrown here extends {@link dev.myelin.schemas.MyelinSchemaException}; a record
 * that cannot be decoded raises an {@link dev.myelin.schemas.UndecodableRecordException} naming its
 * origin, for a dead-letter topic.
 */
package dev.myelin.schemas;
