package dev.myelin.schemas;

import static dev.myelin.schemas.internal.BuilderChecks.requireUnset;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import dev.myelin.schemas.internal.Properties;

/**
 * How Myelin's Avro serializers and deserializers behave: which registry, which subject names,
 * whether to register schemas, which generated classes a record may decode into, which upcasters to
 * apply and what a null value means. Immutable; made with {@link #builder(SchemaRegistry)} or from
 * Kafka properties with {@link #fromProperties(Map)}.
 *
 * <pre>{@code
 * AvroSerdeConfig config = AvroSerdeConfig.builder(registry)
 *         .subjectNameStrategy(SubjectNameStrategy.RECORD)
 *         .autoRegister(false)
 *         .trustedPackages("com.example.bank.events")
 *         .build();
 * Serde<AccountOpened> serde = AvroSerdes.specific(AccountOpened.class, config);
 * }</pre>
 *
 * <h2>Properties</h2>
 * <ul>
 * <li>{@value #REGISTRY}: a {@link SchemaRegistry} object to use, or else the
 *     {@code myelin.schema.registry.*} properties of {@link SchemaRegistryConfig}</li>
 * <li>{@value #SUBJECT_NAME_STRATEGY}: {@code record} (default), {@code topic} or {@code topic-record}</li>
 * <li>{@value #AUTO_REGISTER}: {@code true} (default) or {@code false}</li>
 * <li>{@value #SPECIFIC_READER}: {@code true} to decode into generated classes named by the writer
 *     schema, {@code false} (default) for {@code GenericRecord}</li>
 * <li>{@value #TRUSTED_PACKAGES}: comma-separated packages whose generated classes records may decode
 *     into (each with its subpackages); unset or {@code *} trusts all</li>
 * <li>{@value #UPCASTERS}: an {@link UpcasterChain} object</li>
 * <li>{@value #TOMBSTONES}: {@code true} (default): null values pass through as tombstones;
 *     {@code false}: a null value is an error</li>
 * </ul>
 */
public final class AvroSerdeConfig {

    /** The prefix of every serde property. */
    public static final String PREFIX = "myelin.avro.";
    /** A {@link SchemaRegistry} object. */
    public static final String REGISTRY = PREFIX + "registry";
    /** {@code record}, {@code topic} or {@code topic-record}. */
    public static final String SUBJECT_NAME_STRATEGY = PREFIX + "subject.name.strategy";
    /** Whether a serializer registers unknown schemas. */
    public static final String AUTO_REGISTER = PREFIX + "auto.register";
    /** Whether a property-configured deserializer returns generated classes. */
    public static final String SPECIFIC_READER = PREFIX + "specific.reader";
    /** Packages whose generated classes records may decode into. */
    public static final String TRUSTED_PACKAGES = PREFIX + "trusted.packages";
    /** An {@link UpcasterChain} object. */
    public static final String UPCASTERS = PREFIX + "upcasters";
    /** Whether null values pass through as tombstones. */
    public static final String TOMBSTONES = PREFIX + "tombstones";

    private static final Set<String> KEYS = Set.of(REGISTRY, SUBJECT_NAME_STRATEGY, AUTO_REGISTER, SPECIFIC_READER,
            TRUSTED_PACKAGES, UPCASTERS, TOMBSTONES);

    private final SchemaRegistry registry;
    private final SubjectNameStrategy subjectNameStrategy;
    private final boolean autoRegister;
    private final Set<String> trustedPackages;
    private final UpcasterChain upcasters;
    private final boolean tombstones;
    private final boolean specificReader;

    private AvroSerdeConfig(Builder b, boolean specificReader) {
        registry = b.registry;
        subjectNameStrategy = b.subjectNameStrategy == null ? SubjectNameStrategy.RECORD : b.subjectNameStrategy;
        autoRegister = b.autoRegister == null || b.autoRegister;
        trustedPackages = b.trustedPackages == null ? Set.of() : b.trustedPackages;
        upcasters = b.upcasters == null ? UpcasterChain.empty() : b.upcasters;
        tombstones = b.tombstones == null || b.tombstones;
        this.specificReader = specificReader;
    }

    /**
     * Returns a builder for serdes that use {@code registry}.
     *
     * @param registry the schema registry
     * @return the builder
     */
    public static Builder builder(SchemaRegistry registry) {
        return new Builder(Objects.requireNonNull(registry, "registry"));
    }

    /**
     * Reads a configuration from Kafka properties (see the class comment). Keys without the
     * {@code myelin.avro.} prefix are ignored, except the registry's {@code myelin.schema.registry.*}.
     *
     * @param properties the properties, e.g. those passed to {@code Serializer.configure}
     * @return the configuration
     * @throws IllegalArgumentException if a {@code myelin.avro.} key is unknown, a value is malformed, or
     *                                  both a registry object and a registry url are given
     * @throws IllegalStateException    if neither a registry object nor a registry url is given
     */
    public static AvroSerdeConfig fromProperties(Map<String, ?> properties) {
        Objects.requireNonNull(properties, "properties");
        for (String key : properties.keySet()) {
            if (key.startsWith(PREFIX) && !KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown Avro serde property '" + key + "'; known: " + new TreeSet<>(KEYS));
            }
        }
        Object registryObject = properties.get(REGISTRY);
        SchemaRegistry registry;
        if (registryObject != null) {
            if (!(registryObject instanceof SchemaRegistry r)) {
                throw new IllegalArgumentException(REGISTRY + " must be a " + SchemaRegistry.class.getName() + ", not "
                        + registryObject.getClass().getName());
            }
            if (properties.get(SchemaRegistryConfig.URL) != null) {
                throw new IllegalArgumentException("set either " + REGISTRY + " or " + SchemaRegistryConfig.URL + ", not both");
            }
            registry = r;
        } else if (properties.get(SchemaRegistryConfig.URL) != null) {
            registry = SchemaRegistry.connect(properties);
        } else {
            throw new IllegalStateException("no schema registry configured: set " + SchemaRegistryConfig.URL + " (or "
                    + REGISTRY + " to a SchemaRegistry object)");
        }
        Builder b = builder(registry);
        Object value = properties.get(SUBJECT_NAME_STRATEGY);
        if (value != null) {
            b.subjectNameStrategy(value instanceof SubjectNameStrategy s ? s
                    : SubjectNameStrategy.named(Properties.text(SUBJECT_NAME_STRATEGY, value)));
        }
        if ((value = properties.get(AUTO_REGISTER)) != null) {
            b.autoRegister(Properties.flag(AUTO_REGISTER, value));
        }
        if ((value = properties.get(TRUSTED_PACKAGES)) != null) {
            String text = Properties.text(TRUSTED_PACKAGES, value);
            b.trustedPackages(Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                    .toArray(String[]::new));
        }
        if ((value = properties.get(UPCASTERS)) != null) {
            if (!(value instanceof UpcasterChain chain)) {
                throw new IllegalArgumentException(UPCASTERS + " must be an " + UpcasterChain.class.getName() + ", not "
                        + value.getClass().getName());
            }
            b.upcasters(chain);
        }
        if ((value = properties.get(TOMBSTONES)) != null) {
            b.tombstones(Properties.flag(TOMBSTONES, value));
        }
        value = properties.get(SPECIFIC_READER);
        return new AvroSerdeConfig(b, value != null && Properties.flag(SPECIFIC_READER, value));
    }

    SchemaRegistry registry() {
        return registry;
    }

    SubjectNameStrategy subjectNameStrategy() {
        return subjectNameStrategy;
    }

    boolean autoRegister() {
        return autoRegister;
    }

    UpcasterChain upcasters() {
        return upcasters;
    }

    boolean tombstones() {
        return tombstones;
    }

    boolean specificReader() {
        return specificReader;
    }

    Set<String> trustedPackages() {
        return trustedPackages;
    }

    /** Tells whether a generated class of this name may be loaded for decoding. */
    boolean trusts(String className) {
        if (trustedPackages.isEmpty() || trustedPackages.contains("*")) {
            return true;
        }
        int dot = className.lastIndexOf('.');
        String pkg = dot < 0 ? "" : className.substring(0, dot);
        for (String trusted : trustedPackages) {
            if (pkg.equals(trusted) || pkg.startsWith(trusted + ".")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "AvroSerdeConfig[registry=" + registry + ", subjectNameStrategy=" + subjectNameStrategy + ", autoRegister="
                + autoRegister + ", trustedPackages=" + (trustedPackages.isEmpty() ? "all" : trustedPackages)
                + ", upcasters=" + upcasters + ", tombstones=" + tombstones + "]";
    }

    /**
     * Builds an {@link AvroSerdeConfig}. Each setter checks its value at once and may be called only
     * once; {@link #build()} leaves the builder reusable.
     */
    public static final class Builder {
        private final SchemaRegistry registry;
        private SubjectNameStrategy subjectNameStrategy;
        private Boolean autoRegister;
        private Set<String> trustedPackages;
        private UpcasterChain upcasters;
        private Boolean tombstones;

        private Builder(SchemaRegistry registry) {
            this.registry = registry;
        }

        /**
         * Sets how subjects are named (default {@link SubjectNameStrategy#RECORD}).
         *
         * @param strategy the strategy
         * @return this builder
         * @throws IllegalStateException if the strategy was already set
         */
        public Builder subjectNameStrategy(SubjectNameStrategy strategy) {
            Objects.requireNonNull(strategy, "strategy");
            requireUnset(subjectNameStrategy, "subjectNameStrategy");
            subjectNameStrategy = strategy;
            return this;
        }

        /**
         * Sets whether a serializer registers a schema the subject does not hold yet (default true).
         * With false, it only looks schemas up and fails with {@link SchemaNotRegisteredException}.
         *
         * @param autoRegister whether to register
         * @return this builder
         * @throws IllegalStateException if the flag was already set
         */
        public Builder autoRegister(boolean autoRegister) {
            requireUnset(this.autoRegister, "autoRegister");
            this.autoRegister = autoRegister;
            return this;
        }

        /**
         * Restricts decoding into generated classes to these packages and their subpackages; a record
         * naming a class elsewhere fails with {@link UntrustedClassException} before the class is loaded.
         * {@code "*"} trusts all, as does leaving this unset.
         *
         * @param packages package names such as {@code com.example.bank}
         * @return this builder
         * @throws IllegalStateException    if the packages were already set
         * @throws IllegalArgumentException if no package is given or one is blank or malformed
         */
        public Builder trustedPackages(String... packages) {
            requireUnset(trustedPackages, "trustedPackages");
            if (packages.length == 0) {
                throw new IllegalArgumentException("name at least one trusted package, or \"*\" for all");
            }
            for (String p : packages) {
                if (p == null || !(p.equals("*") || p.matches("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*"))) {
                    throw new IllegalArgumentException("not a package name: '" + p + "'");
                }
            }
            trustedPackages = Set.of(packages);
            return this;
        }

        /**
         * Sets the upcasters applied on read (default none).
         *
         * @param upcasters the chain
         * @return this builder
         * @throws IllegalStateException if the upcasters were already set
         */
        public Builder upcasters(UpcasterChain upcasters) {
            Objects.requireNonNull(upcasters, "upcasters");
            requireUnset(this.upcasters, "upcasters");
            this.upcasters = upcasters;
            return this;
        }

        /**
         * Sets whether null values pass through as tombstones (default true, as Kafka expects of a
         * serde on a compacted topic). With false, a null value is a {@link WireFormatException} on
         * read and a {@link RecordEncodingException} on write.
         *
         * @param tombstones whether null means tombstone
         * @return this builder
         * @throws IllegalStateException if the flag was already set
         */
        public Builder tombstones(boolean tombstones) {
            requireUnset(this.tombstones, "tombstones");
            this.tombstones = tombstones;
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @return the configuration
         */
        public AvroSerdeConfig build() {
            return new AvroSerdeConfig(this, false);
        }
    }
}
