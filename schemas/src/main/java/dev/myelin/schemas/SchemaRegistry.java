package dev.myelin.schemas;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.avro.Schema;

import dev.myelin.schemas.internal.HttpSchemaRegistry;

/**
 * A schema registry that speaks the Confluent REST protocol: Confluent Schema Registry, Apicurio's
 * ccompat API, Karapace or Redpanda. {@link #connect(SchemaRegistryConfig)} returns a caching HTTP
 * client; {@link InMemorySchemaRegistry} applies the same rules in memory for unit tests.
 *
 * <p>Schema ids never change, so a client may cache them for good; the latest version of a subject
 * is cached only for a while.
 *
 * <pre>{@code
 * SchemaRegistry registry = SchemaRegistry.connect(SchemaRegistryConfig.builder()
 *         .url("https://registry.example.com/apis/ccompat/v7")
 *         .bearerToken(token)
 *         .build());
 * int id = registry.register("bank.AccountOpened", AccountOpened.getClassSchema());
 * Schema schema = registry.schemaById(id);
 * }</pre>
 *
 * <p>Errors: the registry's own refusals are typed subclasses of {@link SchemaRegistryException}
 * ({@link SubjectNotFoundException}, {@link IncompatibleSchemaException}, …) and stay the same on
 * retry. {@link SchemaRegistryUnavailableException}, and its subclass
 * {@link SchemaRegistryAccessDeniedException} for refused credentials, are transient: hold the
 * record and retry. See {@link SchemaRegistryConfig} for what counts as which.
 *
 * <p>Implementations are safe for use by many threads.
 */
public interface SchemaRegistry {

    /**
     * Returns a caching client for the registry described by {@code config}.
     *
     * @param config where the registry is and how to talk to it
     * @return the client
     */
    static SchemaRegistry connect(SchemaRegistryConfig config) {
        return HttpSchemaRegistry.create(config, config.authorization());
    }

    /**
     * Returns a caching client configured from {@code myelin.schema.registry.*} properties, as found
     * in Kafka client configurations. Other keys are ignored.
     *
     * @param properties the properties
     * @return the client
     * @throws IllegalArgumentException if the url is missing or a property is unknown or malformed
     * @see SchemaRegistryConfig#fromProperties(Map)
     */
    static SchemaRegistry connect(Map<String, ?> properties) {
        return connect(SchemaRegistryConfig.fromProperties(properties));
    }

    /**
     * Registers {@code schema} under {@code subject}, or returns its id if the subject already holds it.
     *
     * @param subject the subject
     * @param schema  the schema
     * @return the schema's registry-wide id
     * @throws IncompatibleSchemaException        if the schema breaks the subject's compatibility rule
     * @throws InvalidSchemaException             if the registry refuses the schema as malformed
     * @throws SchemaRegistryUnavailableException if the registry is unavailable or refuses the credentials
     *                                            (transient: hold the record and retry)
     */
    int register(String subject, Schema schema);

    /**
     * Looks {@code schema} up under {@code subject} without registering it.
     *
     * @param subject the subject
     * @param schema  the schema
     * @return the registered version, or empty if the subject does not exist or does not hold the schema
     * @throws SchemaRegistryUnavailableException if the registry is unavailable or refuses the credentials
     *                                            (transient: hold the record and retry)
     */
    Optional<RegisteredSchema> lookup(String subject, Schema schema);

    /**
     * Returns the schema with the given id.
     *
     * @param id the registry-wide id, as carried in a record's header
     * @return the schema
     * @throws SchemaNotFoundException            if no schema has that id
     * @throws SchemaRegistryUnavailableException if the registry is unavailable or refuses the credentials
     *                                            (transient: hold the record and retry)
     */
    Schema schemaById(int id);

    /**
     * Returns the subjects.
     *
     * @return the subject names
     * @throws SchemaRegistryUnavailableException if the registry is unavailable or refuses the credentials
     *                                            (transient: hold the record and retry)
     */
    List<String> subjects();

    /**
     * Returns the version numbers of a subject, oldest first.
     *
     * @param subject the subject
     * @return the versions
     * @throws SubjectNotFoundException           if there is no such subject
     * @throws SchemaRegistryUnavailableException if the registry is unavailable or refuses the credentials
     *                                            (transient: hold the record and retry)
     */
    List<Integer> versions(String subject);

    /**
     * Returns one version of a subject.
     *
     * @param subject the subject
     * @param version the version, 1 or more
     * @return the registered schema
     * @throws SubjectNotFoundException           if there is no such subject
     * @throws VersionNotFoundException           if the subject has no such version
     * @throws SchemaRegistryUnavailableException if the registry is unavailable or refuses the credentials
     *                                            (transient: hold the record and retry)
     */
    RegisteredSchema version(String subject, int version);

    /**
     * Returns the latest version of a subject. A client may answer from a cache that lives for a
     * configured time ({@link SchemaRegistryConfig.Builder#latestCacheTtl}).
     *
     * @param subject the subject
     * @return the latest registered schema
     * @throws SubjectNotFoundException           if there is no such subject
     * @throws SchemaRegistryUnavailableException if the registry is unavailable or refuses the credentials
     *                                            (transient: hold the record and retry)
     */
    RegisteredSchema latest(String subject);

    /**
     * Tests whether {@code schema} could be registered under {@code subject} now. A subject that does
     * not exist yet accepts any schema.
     *
     * @param subject the subject
     * @param schema  the candidate schema
     * @return the verdict and, when incompatible, the registry's reasons
     * @throws SchemaRegistryUnavailableException if the registry is unavailable or refuses the credentials
     *                                            (transient: hold the record and retry)
     */
    CompatibilityResult testCompatibility(String subject, Schema schema);

    /**
     * Returns the compatibility level set for one subject.
     *
     * <p>Registries differ when none is set: Confluent answers that there is none (empty here), while
     * Apicurio's ccompat API answers {@code NONE} for a subject without its own rule.
     *
     * @param subject the subject
     * @return the subject's own level, or empty when it has none and the global level applies
     * @throws SchemaRegistryUnavailableException if the registry is unavailable or refuses the credentials
     *                                            (transient: hold the record and retry)
     */
    Optional<CompatibilityLevel> compatibility(String subject);

    /**
     * Sets the compatibility level of one subject.
     *
     * @param subject the subject
     * @param level   the level
     * @throws SchemaRegistryUnavailableException if the registry is unavailable or refuses the credentials
     *                                            (transient: hold the record and retry)
     */
    void setCompatibility(String subject, CompatibilityLevel level);

    /**
     * Returns the registry-wide compatibility level, which applies to subjects without their own.
     *
     * @return the level
     * @throws SchemaRegistryUnavailableException if the registry is unavailable or refuses the credentials
     *                                            (transient: hold the record and retry)
     */
    CompatibilityLevel globalCompatibility();

    /**
     * Sets the registry-wide compatibility level.
     *
     * @param level the level
     * @throws SchemaRegistryUnavailableException if the registry is unavailable or refuses the credentials
     *                                            (transient: hold the record and retry)
     */
    void setGlobalCompatibility(CompatibilityLevel level);
}
