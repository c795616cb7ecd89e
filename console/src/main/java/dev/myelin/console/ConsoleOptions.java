package dev.myelin.console;

import static dev.myelin.schemas.internal.BuilderChecks.requireUnset;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Where the {@link MyelinConsole} listens, who may act through it and what it hides: a host (default
 * {@value #DEFAULT_HOST}, so only this machine reaches it), a port (default 0, a free one;
 * {@link MyelinConsole#url()} tells which), an access token (without one the console is read-only:
 * every action, such as a redrive, is refused), and the payloads it masks (personal data).
 *
 * <pre>{@code
 * ConsoleOptions options = ConsoleOptions.builder()
 *         .port(8086)
 *         .accessToken(System.getenv("MYELIN_CONSOLE_TOKEN"))   // actions need "Authorization: Bearer <token>"
 *         .maskFields("customer", "name", "email")              // these fields of customer payloads show as ***
 *         .maskPayloads("shop.payment.events")                  // and these payloads not at all
 *         .build();
 * }</pre>
 *
 * <p>The same from properties, as a configuration file holds them:
 * {@value #HOST}, {@value #PORT}, {@value #ACCESS_TOKEN}, {@value #MASK_PAYLOADS} (comma-separated
 * names) and {@value #MASK_FIELDS_PREFIX}{@code <name>} (comma-separated fields); see {@link #fromProperties}.
 */
public final class ConsoleOptions {
    /** The host the console binds to unless told otherwise: the loopback address. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    /** The property that sets {@link Builder#host}. */
    public static final String HOST = "myelin.console.host";
    /** The property that sets {@link Builder#port}. */
    public static final String PORT = "myelin.console.port";
    /** The property that sets {@link Builder#accessToken}. */
    public static final String ACCESS_TOKEN = "myelin.console.access-token";
    /** The property that sets {@link Builder#maskPayloads}: names, comma-separated. */
    public static final String MASK_PAYLOADS = "myelin.console.mask.payloads";
    /** The prefix of the properties that set {@link Builder#maskFields}: the name follows it, the value lists the fields. */
    public static final String MASK_FIELDS_PREFIX = "myelin.console.mask.fields.";
    /** The shortest access token taken: anything shorter could be guessed. */
    public static final int MIN_TOKEN_LENGTH = 16;

    private static final ConsoleOptions DEFAULTS = builder().build();

    private final String host;
    private final int port;
    private final String accessToken;
    private final Set<String> maskedPayloads;
    private final Map<String, Set<String>> maskedFields;

    private ConsoleOptions(Builder b) {
        host = b.host == null ? DEFAULT_HOST : b.host;
        port = b.port == null ? 0 : b.port;
        accessToken = b.accessToken;
        maskedPayloads = Set.copyOf(b.maskedPayloads);
        Map<String, Set<String>> fields = new LinkedHashMap<>();
        b.maskedFields.forEach((name, names) -> fields.put(name, Set.copyOf(names)));
        maskedFields = Map.copyOf(fields);
    }

    /**
     * Reads options from properties: {@value #HOST}, {@value #PORT}, {@value #ACCESS_TOKEN},
     * {@value #MASK_PAYLOADS} and {@value #MASK_FIELDS_PREFIX}{@code <name>}; other keys are ignored, so
     * the application's whole configuration may be given.
     *
     * @param properties the properties
     * @return the options
     * @throws IllegalArgumentException if a value is invalid, as the builder's setter says
     */
    public static ConsoleOptions fromProperties(Map<String, ?> properties) {
        Objects.requireNonNull(properties, "properties");
        Builder builder = builder();
        properties.forEach((key, value) -> {
            String text = String.valueOf(value).trim();
            switch (key) {
                case HOST -> builder.host(text);
                case PORT -> {
                    try {
                        builder.port(Integer.parseInt(text));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(PORT + " must be a whole number: '" + text + "'", e);
                    }
                }
                case ACCESS_TOKEN -> builder.accessToken(text);
                case MASK_PAYLOADS -> builder.maskPayloads(list(text).toArray(String[]::new));
                default -> {
                    if (key.startsWith(MASK_FIELDS_PREFIX)) {
                        builder.maskFields(key.substring(MASK_FIELDS_PREFIX.length()), list(text).toArray(String[]::new));
                    }
                }
            }
        });
        return builder.build();
    }

    private static List<String> list(String text) {
        return Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * Returns the options when none are set: {@value #DEFAULT_HOST}, a free port.
     *
     * @return the defaults
     */
    public static ConsoleOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Starts building options.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the host or address the console binds to.
     *
     * @return the host
     */
    public String host() {
        return host;
    }

    /**
     * Returns the port the console binds to; 0 means a free one.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * Returns whether actions (redrive, skip) are allowed: only when an access token is set.
     *
     * @return true with an access token
     */
    public boolean actionsEnabled() {
        return accessToken != null;
    }

    /**
     * Returns the names whose payloads are masked whole: topics, event or command types, projections, sagas.
     *
     * @return the names; immutable
     */
    public Set<String> maskedPayloads() {
        return maskedPayloads;
    }

    /**
     * Returns the fields masked in the payloads of each name.
     *
     * @return the fields by name; immutable
     */
    public Map<String, Set<String>> maskedFields() {
        return maskedFields;
    }

    /** The token, for the console only: it is not public so that it is not shown by accident. */
    Optional<String> accessToken() {
        return Optional.ofNullable(accessToken);
    }

    /** Never shows the token, only whether there is one. */
    @Override
    public String toString() {
        return "ConsoleOptions[" + host + ":" + port + (accessToken == null ? ", read-only" : ", actions with an access token")
                + (maskedPayloads.isEmpty() ? "" : ", masked payloads " + maskedPayloads)
                + (maskedFields.isEmpty() ? "" : ", masked fields " + maskedFields) + "]";
    }

    /** Builds {@link ConsoleOptions}; each setting may be set once. */
    public static final class Builder {
        private String host;
        private Integer port;
        private String accessToken;
        private final Set<String> maskedPayloads = new LinkedHashSet<>();
        private final Map<String, Set<String>> maskedFields = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Sets the host or address to bind to. Anything but a loopback address lets other machines
         * reach the console: there, with an {@link #accessToken access token}, reads need the token
         * too; without one, anyone who reaches it can read the application's data (not act on it).
         * Serve it beyond this machine only behind TLS (a proxy), since the token travels with each request.
         *
         * @param host a host name or IP address
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if blank
         */
        public Builder host(String host) {
            Objects.requireNonNull(host, "host");
            requireUnset(this.host, "host");
            if (host.isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            this.host = host.trim();
            return this;
        }

        /**
         * Sets the port to bind to.
         *
         * @param port 1 to 65535, or 0 for a free port
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if out of range
         */
        public Builder port(int port) {
            requireUnset(this.port, "port");
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be 0 (a free port) to 65535: " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Sets the access token that allows actions: a redrive or a skip must carry the header
         * {@code Authorization: Bearer <token>} (the console's page asks for it and keeps it for the
         * browser tab only). Without a token the console is read-only. On an address other than
         * loopback, reads need the token too. The token is never logged nor shown by {@link #toString()}.
         *
         * @param token a secret of at least {@value ConsoleOptions#MIN_TOKEN_LENGTH} characters, without spaces
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if shorter than {@value ConsoleOptions#MIN_TOKEN_LENGTH} characters or
         *                                  holding white space or control characters
         */
        public Builder accessToken(String token) {
            Objects.requireNonNull(token, "token");
            if (accessToken != null) {
                throw new IllegalStateException("accessToken was already set");   // not to the value: it is a secret
            }
            if (token.length() < MIN_TOKEN_LENGTH) {
                throw new IllegalArgumentException("the access token must have at least " + MIN_TOKEN_LENGTH
                        + " characters (it has " + token.length() + "): make a random one");
            }
            if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException("the access token must be printable ASCII without spaces (it goes in an HTTP header)");
            }
            accessToken = token;
            return this;
        }

        /**
         * Masks whole payloads of these names: the console shows {@code "***"} instead of the event,
         * command, state, view, dead letter or saga data. A name is a topic ({@code shop.customer.events}),
         * an event or command type (its simple or full class name, or Avro schema name), an aggregate
         * type ({@code customer}: its state, events and dead-lettered commands), a projection (its views
         * and dead letters) or a saga (its data).
         *
         * @param names the names
         * @return this builder
         * @throws IllegalArgumentException if a name is blank
         */
        public Builder maskPayloads(String... names) {
            for (String name : names) {
                maskedPayloads.add(requireName(name));
            }
            return this;
        }

        /**
         * Masks these fields, at any depth, of the payloads of a name (as {@link #maskPayloads} reads
         * names): each shows as {@code "***"}. A payload of that name that is not a JSON object (text,
         * bytes) is masked whole, since its fields cannot be found.
         *
         * @param name   a topic, event or command type, aggregate type, projection or saga
         * @param fields the field names
         * @return this builder
         * @throws IllegalArgumentException if a name or field is blank, or no field is given
         */
        public Builder maskFields(String name, String... fields) {
            String key = requireName(name);
            if (fields.length == 0) {
                throw new IllegalArgumentException("name at least one field to mask in the payloads of " + key);
            }
            Set<String> set = maskedFields.computeIfAbsent(key, k -> new LinkedHashSet<>());
            for (String field : fields) {
                set.add(requireName(field));
            }
            return this;
        }

        private static String requireName(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("a masked name or field must not be blank");
            }
            return name.trim();
        }

        /**
         * Builds the options.
         *
         * @return the options
         */
        public ConsoleOptions build() {
            return new ConsoleOptions(this);
        }
    }
}
