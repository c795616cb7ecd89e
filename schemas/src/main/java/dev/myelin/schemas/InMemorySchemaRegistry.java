package dev.myelin.schemas;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.avro.Schema;

/**
 * A schema registry held in memory, for unit tests with {@code TopologyTestDriver} and other tests
 * without servers. It follows the rules of a real registry: ids are registry-wide and start at 1, the
 * same schema gets the same id in every subject, registering a schema a subject already holds returns
 * its id, and a new schema must pass the subject's compatibility level (default {@link
 * CompatibilityLevel#BACKWARD}) checked by {@link CompatibilityChecker}.
 *
 * <p>Not for production: nothing is persisted and nothing is shared between processes.
 *
 * <pre>{@code
 * InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
 * Serde<AccountOpened> serde = AvroSerdes.specific(AccountOpened.class, registry);
 * // ... drive a topology ...
 * assertThat(registry.calls()).isEqualTo(...);
 * }</pre>
 *
 * <p>Safe for use by many threads.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {

    private final Map<Schema, Integer> idsBySchema = new HashMap<>();
    private final List<Schema> schemasById = new ArrayList<>();
    private final Map<String, List<RegisteredSchema>> subjects = new LinkedHashMap<>();
    private final Map<String, CompatibilityLevel> subjectLevels = new HashMap<>();
    private final AtomicLong calls = new AtomicLong();
    private CompatibilityLevel globalLevel = CompatibilityLevel.BACKWARD;

    /** Creates an empty registry with global compatibility {@link CompatibilityLevel#BACKWARD}. */
    public InMemorySchemaRegistry() {
    }

    /**
     * Returns how many calls this registry has answered, so a test can show that a cache spared it.
     *
     * @return the number of calls to any method of {@link SchemaRegistry}
     */
    public long calls() {
        return calls.get();
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        calls.incrementAndGet();
        requireSubject(subject);
        Objects.requireNonNull(schema, "schema");
        List<RegisteredSchema> versions = subjects.getOrDefault(subject, List.of());
        for (RegisteredSchema v : versions) {
            if (v.schema().equals(schema)) {
                return v.id();
            }
        }
        CompatibilityLevel level = subjectLevels.getOrDefault(subject, globalLevel);
        CompatibilityResult result = CompatibilityChecker.check(level, schema,
                versions.stream().map(RegisteredSchema::schema).toList());
        if (!result.compatible()) {
            String registryMessage = "Schema being registered is incompatible with an earlier schema for subject \""
                    + subject + "\" under " + level + ", details: " + result.messages();
            throw new IncompatibleSchemaException("schema registry refused the schema for subject '" + subject
                    + "': " + registryMessage, 409, 409, registryMessage);
        }
        int id = idsBySchema.computeIfAbsent(schema, s -> {
            schemasById.add(s);
            return schemasById.size();
        });
        subjects.computeIfAbsent(subject, s -> new ArrayList<>())
                .add(new RegisteredSchema(subject, id, versions.size() + 1, schema));
        return id;
    }

    @Override
    public synchronized Optional<RegisteredSchema> lookup(String subject, Schema schema) {
        calls.incrementAndGet();
        requireSubject(subject);
        Objects.requireNonNull(schema, "schema");
        return subjects.getOrDefault(subject, List.of()).stream().filter(v -> v.schema().equals(schema)).findFirst();
    }

    @Override
    public synchronized Schema schemaById(int id) {
        calls.incrementAndGet();
        if (id < 1 || id > schemasById.size()) {
            throw new SchemaNotFoundException("schema registry has no schema with id " + id, 404, 40403,
                    "Schema " + id + " not found");
        }
        return schemasById.get(id - 1);
    }

    @Override
    public synchronized List<String> subjects() {
        calls.incrementAndGet();
        return List.copyOf(subjects.keySet());
    }

    @Override
    public synchronized List<Integer> versions(String subject) {
        calls.incrementAndGet();
        return existing(subject).stream().map(RegisteredSchema::version).toList();
    }

    @Override
    public synchronized RegisteredSchema version(String subject, int version) {
        calls.incrementAndGet();
        List<RegisteredSchema> versions = existing(subject);
        if (version < 1 || version > versions.size()) {
            throw new VersionNotFoundException("subject '" + subject + "' has no version " + version, 404, 40402,
                    "Version " + version + " not found.");
        }
        return versions.get(version - 1);
    }

    @Override
    public synchronized RegisteredSchema latest(String subject) {
        calls.incrementAndGet();
        List<RegisteredSchema> versions = existing(subject);
        return versions.get(versions.size() - 1);
    }

    @Override
    public synchronized CompatibilityResult testCompatibility(String subject, Schema schema) {
        calls.incrementAndGet();
        requireSubject(subject);
        Objects.requireNonNull(schema, "schema");
        return CompatibilityChecker.check(subjectLevels.getOrDefault(subject, globalLevel), schema,
                subjects.getOrDefault(subject, List.of()).stream().map(RegisteredSchema::schema).toList());
    }

    @Override
    public synchronized Optional<CompatibilityLevel> compatibility(String subject) {
        calls.incrementAndGet();
        requireSubject(subject);
        return Optional.ofNullable(subjectLevels.get(subject));
    }

    @Override
    public synchronized void setCompatibility(String subject, CompatibilityLevel level) {
        calls.incrementAndGet();
        requireSubject(subject);
        subjectLevels.put(subject, Objects.requireNonNull(level, "level"));
    }

    @Override
    public synchronized CompatibilityLevel globalCompatibility() {
        calls.incrementAndGet();
        return globalLevel;
    }

    @Override
    public synchronized void setGlobalCompatibility(CompatibilityLevel level) {
        calls.incrementAndGet();
        globalLevel = Objects.requireNonNull(level, "level");
    }

    @Override
    public synchronized String toString() {
        return "InMemorySchemaRegistry[subjects=" + subjects.keySet() + ", schemas=" + schemasById.size() + "]";
    }

    private List<RegisteredSchema> existing(String subject) {
        requireSubject(subject);
        List<RegisteredSchema> versions = subjects.get(subject);
        if (versions == null) {
            throw new SubjectNotFoundException("schema registry has no subject '" + subject + "'", 404, 40401,
                    "Subject '" + subject + "' not found.");
        }
        return versions;
    }

    private static void requireSubject(String subject) {
        Objects.requireNonNull(subject, "subject");
        if (subject.isBlank()) {
            throw new IllegalArgumentException("subject must not be blank");
        }
    }
}
