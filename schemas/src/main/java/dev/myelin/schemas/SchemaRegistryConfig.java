package dev.myelin.schemas;

import static dev.myelin.schemas.internal.BuilderChecks.requireNotNegative;
import static dev.myelin.schemas.internal.BuilderChecks.requirePositive;
import static dev.myelin.schemas.internal.BuilderChecks.requireUnset;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import javax.net.ssl.SSLContext;

import dev.myelin.schemas.internal.Properties;

/**
 * Where a schema registry is and how to talk to it: URL, credentials, TLS, timeouts, retries and
 * cache lifetime. Immutable; made with {@link #builder()} or from Kafka-style properties with
 * {@link #fromProperties(Map)}.
 *
 * <p>Credentials go only to the configured URL's host: every request is built from that URL and
 * redirects are not followed. They never appear in {@link #toString()} or in logs.
 *
 * <pre>{@code
 * SchemaRegistryConfig config = SchemaRegistryConfig.builder()
 *         .url("https://registry.example.com/apis/ccompat/v7")
 *         .basicAuth("svc-bank", secret)
 *         .requestTimeout(Duration.ofSeconds(2))
 *         .requestDeadline(Duration.ofSeconds(5))
 *         .retries(5)
 *         .build();
 * }</pre>
 *
 * <h2>Properties</h2>
 * Keys start with {@value #PREFIX}: {@code url} (required), {@code basic.auth.user.info}
 * ({@code user:password}), {@code bearer.token}, {@code timeout.ms}, {@code connect.timeout.ms},
 * {@code request.deadline.ms}, {@code retries}, {@code retry.backoff.ms}, {@code retry.backoff.max.ms},
 * {@code latest.cache.ttl.ms} and {@code ssl.context} (an {@link SSLContext} object).
 *
 * <h2>Faults</h2>
 * A registry that cannot be reached, times out, answers 408, 429 or 5xx, or answers with something
 * other than its own JSON (a proxy's HTML page) is retried with exponential backoff, honouring a
 * {@code Retry-After} header, within {@link #requestDeadline()}; then the call throws
 * {@link SchemaRegistryUnavailableException}. Refused credentials (401, 403) throw
 * {@link SchemaRegistryAccessDeniedException} at once. Both mean: hold the record and retry.
 */
public final class SchemaRegistryConfig {

    /** The prefix of every registry property. */
    public static final String PREFIX = "myelin.schema.registry.";
    /** The registry's base URL, e.g. {@code http://localhost:8081} or {@code …/apis/ccompat/v7}. */
    public static final String URL = PREFIX + "url";
    /** Basic-auth credentials as {@code user:password}. */
    public static final String BASIC_AUTH_USER_INFO = PREFIX + "basic.auth.user.info";
    /** A bearer token sent as {@code Authorization: Bearer …}. */
    public static final String BEARER_TOKEN = PREFIX + "bearer.token";
    /** How long one request may take, in milliseconds. */
    public static final String TIMEOUT_MS = PREFIX + "timeout.ms";
    /** How long connecting may take, in milliseconds. */
    public static final String CONNECT_TIMEOUT_MS = PREFIX + "connect.timeout.ms";
    /**
     * The longest time one registry call may take, all attempts and backoffs included, in
     * milliseconds; see {@link #requestDeadline()}.
     */
    public static final String REQUEST_DEADLINE_MS = PREFIX + "request.deadline.ms";
    /** How many times a failed request is retried. */
    public static final String RETRIES = PREFIX + "retries";
    /** The wait before the first retry, in milliseconds; it doubles on each further retry. */
    public static final String RETRY_BACKOFF_MS = PREFIX + "retry.backoff.ms";
    /** The longest wait between retries, in milliseconds. */
    public static final String RETRY_BACKOFF_MAX_MS = PREFIX + "retry.backoff.max.ms";
    /** How long the latest version of a subject is cached, in milliseconds. */
    public static final String LATEST_CACHE_TTL_MS = PREFIX + "latest.cache.ttl.ms";
    /** An {@link SSLContext} object to use for https instead of the JDK default. */
    public static final String SSL_CONTEXT = PREFIX + "ssl.context";

    private static final Set<String> KEYS = Set.of(URL, BASIC_AUTH_USER_INFO, BEARER_TOKEN, TIMEOUT_MS,
            CONNECT_TIMEOUT_MS, REQUEST_DEADLINE_MS, RETRIES, RETRY_BACKOFF_MS, RETRY_BACKOFF_MAX_MS, LATEST_CACHE_TTL_MS, SSL_CONTEXT);

    private final URI url;
    private final String authorization;
    private final String authKind;
    private final SSLContext sslContext;
    private final Duration requestTimeout;
    private final Duration connectTimeout;
    private final Duration requestDeadline;
    private final int retries;
    private final Duration retryBackoff;
    private final Duration retryBackoffMax;
    private final Duration latestCacheTtl;

    private SchemaRegistryConfig(Builder b) {
        url = b.url;
        if (b.basicUser != null) {
            authKind = "basic";
            authorization = "Basic " + Base64.getEncoder().encodeToString(
                    (b.basicUser + ":" + b.basicPassword).getBytes(StandardCharsets.UTF_8));
        } else if (b.bearerToken != null) {
            authKind = "bearer";
            authorization = "Bearer " + b.bearerToken;
        } else {
            authKind = "none";
            authorization = null;
        }
        sslContext = b.sslContext;
        requestTimeout = or(b.requestTimeout, Duration.ofSeconds(10));
        connectTimeout = or(b.connectTimeout, Duration.ofSeconds(5));
        requestDeadline = or(b.requestDeadline, Duration.ofSeconds(4));
        retries = b.retries == null ? 3 : b.retries;
        retryBackoff = or(b.retryBackoff, Duration.ofMillis(100));
        retryBackoffMax = or(b.retryBackoffMax, Duration.ofSeconds(2));
        latestCacheTtl = or(b.latestCacheTtl, Duration.ofSeconds(30));
    }

    /**
     * Returns a new builder.
     *
     * @return an empty builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads a configuration from {@code myelin.schema.registry.*} properties (see the class comment),
     * ignoring keys without that prefix, so a whole Kafka client configuration can be passed.
     * Values may be strings or, for numbers, {@link Number}s.
     *
     * @param properties the properties
     * @return the configuration
     * @throws IllegalArgumentException if a key with the prefix is unknown or a value is malformed
     * @throws IllegalStateException    if the url is missing or both kinds of credentials are given
     */
    public static SchemaRegistryConfig fromProperties(Map<String, ?> properties) {
        Objects.requireNonNull(properties, "properties");
        Builder b = builder();
        for (Map.Entry<String, ?> e : properties.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(PREFIX) || e.getValue() == null) {
                continue;
            }
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown schema registry property '" + key + "'; known: "
                        + new java.util.TreeSet<>(KEYS));
            }
            Object value = e.getValue();
            switch (key) {
                case URL -> b.url(Properties.text(key, value));
                case BASIC_AUTH_USER_INFO -> {
                    String info = Properties.text(key, value);
                    int colon = info.indexOf(':');
                    if (colon <= 0) {
                        // The value is a secret: say what is wrong without echoing it.
                        throw new IllegalArgumentException(key + " must have the form user:password");
                    }
                    b.basicAuth(info.substring(0, colon), info.substring(colon + 1));
                }
                case BEARER_TOKEN -> b.bearerToken(Properties.text(key, value));
                case TIMEOUT_MS -> b.requestTimeout(Properties.millis(key, value));
                case CONNECT_TIMEOUT_MS -> b.connectTimeout(Properties.millis(key, value));
                case REQUEST_DEADLINE_MS -> b.requestDeadline(Properties.millis(key, value));
                case RETRIES -> b.retries(Properties.integer(key, value));
                case RETRY_BACKOFF_MS -> b.retryBackoff(Properties.millis(key, value));
                case RETRY_BACKOFF_MAX_MS -> b.retryBackoffMax(Properties.millis(key, value));
                case LATEST_CACHE_TTL_MS -> b.latestCacheTtl(Properties.millis(key, value));
                case SSL_CONTEXT -> {
                    if (!(value instanceof SSLContext ctx)) {
                        throw new IllegalArgumentException(key + " must be a javax.net.ssl.SSLContext, not "
                                + value.getClass().getName());
                    }
                    b.sslContext(ctx);
                }
                default -> throw new AssertionError(key);
            }
        }
        return b.build();
    }

    /**
     * Returns the registry's base URL, without a trailing slash.
     *
     * @return the URL
     */
    public URI url() {
        return url;
    }

    /**
     * Returns the TLS context for https, when one was configured.
     *
     * @return the context, or empty to use the JDK default
     */
    public Optional<SSLContext> sslContext() {
        return Optional.ofNullable(sslContext);
    }

    /**
     * Returns how long one request may take (default 10 s).
     *
     * @return the timeout
     */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /**
     * Returns how long connecting may take (default 5 s).
     *
     * @return the timeout
     */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * Returns the longest time one registry call may take, all its attempts and the waits between
     * them included (default 4 s, well under the 10 s transaction timeout Kafka Streams uses under
     * exactly-once, so a registry outage holds a record without getting its task fenced). When it
     * has passed, the call throws
     * {@link SchemaRegistryUnavailableException} saying how long it tried; each attempt is cut short
     * so that it ends by then too.
     *
     * <p>A call made on a Kafka Streams thread (a deserializer decoding a record whose schema id is
     * not cached yet, a serializer registering a schema) blocks that thread, and with it the open
     * transaction, for up to this long. Keep it well below the transaction timeout
     * ({@code transaction.timeout.ms}, which Kafka Streams sets to 10 s under exactly-once) and below
     * {@code max.poll.interval.ms}: if you raise this, raise the transaction timeout too.
     *
     * @return the deadline
     */
    public Duration requestDeadline() {
        return requestDeadline;
    }

    /**
     * Returns how many times a request that failed with a transient fault (an I/O error, a timeout,
     * HTTP 408, 429 or 5xx, an answer that is not the registry's JSON) is retried, within
     * {@link #requestDeadline()} (default 3).
     *
     * @return the number of retries
     */
    public int retries() {
        return retries;
    }

    /**
     * Returns the wait before the first retry (default 100 ms); each further retry waits twice as
     * long, up to {@link #retryBackoffMax()}.
     *
     * @return the first backoff
     */
    public Duration retryBackoff() {
        return retryBackoff;
    }

    /**
     * Returns the longest wait between retries (default 2 s), also when a {@code Retry-After} header
     * asks for longer.
     *
     * @return the longest backoff
     */
    public Duration retryBackoffMax() {
        return retryBackoffMax;
    }

    /**
     * Returns how long a subject's latest version is cached (default 30 s).
     *
     * @return the time to live
     */
    public Duration latestCacheTtl() {
        return latestCacheTtl;
    }

    /** Returns the {@code Authorization} header value; package-private so that it never leaks. */
    Optional<String> authorization() {
        return Optional.ofNullable(authorization);
    }

    @Override
    public String toString() {
        return "SchemaRegistryConfig[url=" + url + ", auth=" + authKind + (authorization == null ? "" : " (hidden)")
                + ", tls=" + (sslContext == null ? "jdk default" : "custom") + ", requestTimeout=" + requestTimeout
                + ", connectTimeout=" + connectTimeout + ", requestDeadline=" + requestDeadline + ", retries=" + retries + ", retryBackoff=" + retryBackoff
                + ", retryBackoffMax=" + retryBackoffMax + ", latestCacheTtl=" + latestCacheTtl + "]";
    }

    private static Duration or(Duration value, Duration fallback) {
        return value == null ? fallback : value;
    }

    /**
     * Builds a {@link SchemaRegistryConfig}. Each setter checks its value at once and may be called
     * only once; {@link #build()} checks the rules that span settings and leaves the builder reusable.
     */
    public static final class Builder {
        private URI url;
        private String basicUser;
        private String basicPassword;
        private String bearerToken;
        private SSLContext sslContext;
        private Duration requestTimeout;
        private Duration connectTimeout;
        private Duration requestDeadline;
        private Integer retries;
        private Duration retryBackoff;
        private Duration retryBackoffMax;
        private Duration latestCacheTtl;

        private Builder() {
        }

        /**
         * Sets the registry's base URL, for example {@code http://127.0.0.1:8081} or, for Apicurio,
         * {@code http://host:8080/apis/ccompat/v7}.
         *
         * @param url an http or https URL without user info, query or fragment
         * @return this builder
         * @throws IllegalStateException    if the url was already set
         * @throws IllegalArgumentException if {@code url} is malformed, not http(s), or carries user info,
         *                                  a query or a fragment
         */
        public Builder url(String url) {
            Objects.requireNonNull(url, "url");
            requireUnset(this.url, "url");
            URI uri;
            try {
                uri = new URI(url.trim());
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("schema registry url is malformed: " + e.getMessage(), e);
            }
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getHost() == null) {
                throw new IllegalArgumentException("schema registry url must be an http or https URL with a host: " + url);
            }
            if (uri.getRawUserInfo() != null) {
                // Never echo the url here: it holds a secret.
                throw new IllegalArgumentException("schema registry url must not carry credentials; use basicAuth"
                        + " (myelin.schema.registry.basic.auth.user.info) instead");
            }
            if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new IllegalArgumentException("schema registry url must not have a query or fragment: " + url);
            }
            String text = uri.toString();
            while (text.endsWith("/")) {
                text = text.substring(0, text.length() - 1);
            }
            this.url = URI.create(text);
            return this;
        }

        /**
         * Sets HTTP basic-auth credentials.
         *
         * @param user     the user name, not blank and without a colon
         * @param password the password
         * @return this builder
         * @throws IllegalStateException    if basic auth was already set
         * @throws IllegalArgumentException if {@code user} is blank or contains a colon
         */
        public Builder basicAuth(String user, String password) {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
            if (basicUser != null) {
                throw new IllegalStateException("basicAuth was already set (credentials hidden)");
            }
            if (user.isBlank() || user.contains(":")) {
                throw new IllegalArgumentException("basic-auth user must not be blank or contain ':'");
            }
            basicUser = user;
            basicPassword = password;
            return this;
        }

        /**
         * Sets a bearer token, sent as {@code Authorization: Bearer <token>}.
         *
         * @param token the token, not blank
         * @return this builder
         * @throws IllegalStateException    if the token was already set
         * @throws IllegalArgumentException if {@code token} is blank or spans lines
         */
        public Builder bearerToken(String token) {
            Objects.requireNonNull(token, "token");
            if (bearerToken != null) {
                throw new IllegalStateException("bearerToken was already set (token hidden)");
            }
            if (token.isBlank() || token.contains("\n") || token.contains("\r")) {
                throw new IllegalArgumentException("bearer token must not be blank or span lines");
            }
            bearerToken = token;
            return this;
        }

        /**
         * Sets the TLS context for https, for example one that trusts a private CA or presents a client
         * certificate. Without one, the JDK default applies ({@code javax.net.ssl.*} system properties).
         *
         * @param context the context
         * @return this builder
         * @throws IllegalStateException if the context was already set
         */
        public Builder sslContext(SSLContext context) {
            Objects.requireNonNull(context, "context");
            requireUnset(sslContext, "sslContext");
            sslContext = context;
            return this;
        }

        /**
         * Sets how long one request may take.
         *
         * @param timeout a positive duration
         * @return this builder
         * @throws IllegalStateException    if the timeout was already set
         * @throws IllegalArgumentException if {@code timeout} is zero or negative
         */
        public Builder requestTimeout(Duration timeout) {
            requireUnset(requestTimeout, "requestTimeout");
            requestTimeout = requirePositive(timeout, "requestTimeout");
            return this;
        }

        /**
         * Sets how long connecting may take.
         *
         * @param timeout a positive duration
         * @return this builder
         * @throws IllegalStateException    if the timeout was already set
         * @throws IllegalArgumentException if {@code timeout} is zero or negative
         */
        public Builder connectTimeout(Duration timeout) {
            requireUnset(connectTimeout, "connectTimeout");
            connectTimeout = requirePositive(timeout, "connectTimeout");
            return this;
        }

        /**
         * Sets the longest time one registry call may take, all attempts and backoffs included. On a
         * Kafka Streams thread, keep it well below the transaction timeout; see
         * {@link SchemaRegistryConfig#requestDeadline()}.
         *
         * @param deadline a positive duration
         * @return this builder
         * @throws IllegalStateException    if the deadline was already set
         * @throws IllegalArgumentException if {@code deadline} is zero or negative
         */
        public Builder requestDeadline(Duration deadline) {
            requireUnset(requestDeadline, "requestDeadline");
            requestDeadline = requirePositive(deadline, "requestDeadline");
            return this;
        }

        /**
         * Sets how many times a request that failed with a transient fault is retried, within the
         * {@linkplain #requestDeadline(Duration) deadline}.
         *
         * @param retries 0 to 100
         * @return this builder
         * @throws IllegalStateException    if retries were already set
         * @throws IllegalArgumentException if {@code retries} is negative or above 100
         */
        public Builder retries(int retries) {
            requireUnset(this.retries, "retries");
            if (retries < 0 || retries > 100) {
                throw new IllegalArgumentException("retries must be between 0 and 100: " + retries);
            }
            this.retries = retries;
            return this;
        }

        /**
         * Sets the wait before the first retry; each further retry waits twice as long, up to
         * {@link #retryBackoffMax(Duration)}.
         *
         * @param backoff zero or more
         * @return this builder
         * @throws IllegalStateException    if the backoff was already set
         * @throws IllegalArgumentException if {@code backoff} is negative
         */
        public Builder retryBackoff(Duration backoff) {
            requireUnset(retryBackoff, "retryBackoff");
            retryBackoff = requireNotNegative(backoff, "retryBackoff");
            return this;
        }

        /**
         * Sets the longest wait between retries.
         *
         * @param backoff zero or more
         * @return this builder
         * @throws IllegalStateException    if the maximum was already set
         * @throws IllegalArgumentException if {@code backoff} is negative
         */
        public Builder retryBackoffMax(Duration backoff) {
            requireUnset(retryBackoffMax, "retryBackoffMax");
            retryBackoffMax = requireNotNegative(backoff, "retryBackoffMax");
            return this;
        }

        /**
         * Sets how long the latest version of a subject is cached; zero turns that cache off.
         *
         * @param ttl zero or more
         * @return this builder
         * @throws IllegalStateException    if the time to live was already set
         * @throws IllegalArgumentException if {@code ttl} is negative
         */
        public Builder latestCacheTtl(Duration ttl) {
            requireUnset(latestCacheTtl, "latestCacheTtl");
            latestCacheTtl = requireNotNegative(ttl, "latestCacheTtl");
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @return the configuration
         * @throws IllegalStateException if the url is missing, both basic auth and a bearer token are set,
         *                               or the first backoff exceeds the longest
         */
        public SchemaRegistryConfig build() {
            if (url == null) {
                throw new IllegalStateException("url is required: set the schema registry's base URL");
            }
            if (basicUser != null && bearerToken != null) {
                throw new IllegalStateException("set either basicAuth or bearerToken, not both");
            }
            if (retryBackoff != null && retryBackoffMax != null && retryBackoff.compareTo(retryBackoffMax) > 0) {
                throw new IllegalStateException("retryBackoff " + retryBackoff + " exceeds retryBackoffMax " + retryBackoffMax);
            }
            return new SchemaRegistryConfig(this);
        }
    }
}
