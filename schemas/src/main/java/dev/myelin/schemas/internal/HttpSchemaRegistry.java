package dev.myelin.schemas.internal;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.myelin.schemas.CompatibilityLevel;
import dev.myelin.schemas.CompatibilityResult;
import dev.myelin.schemas.IncompatibleSchemaException;
import dev.myelin.schemas.InvalidSchemaException;
import dev.myelin.schemas.RegisteredSchema;
import dev.myelin.schemas.SchemaRegistryAccessDeniedException;
import dev.myelin.schemas.SchemaNotFoundException;
import dev.myelin.schemas.SchemaRegistry;
import dev.myelin.schemas.SchemaRegistryConfig;
import dev.myelin.schemas.SchemaRegistryException;
import dev.myelin.schemas.SchemaRegistryUnavailableException;
import dev.myelin.schemas.SubjectNotFoundException;
import dev.myelin.schemas.VersionNotFoundException;

/**
 * A {@link SchemaRegistry} over the Confluent REST protocol with java.net.http and Jackson.
 *
 * <p>Caches: schema by id and id by (subject, schema) for good, since a registry never changes
 * them, so decoding a known schema costs no request even while the registry is down; the latest
 * version of a subject for the configured time. Failed requests are not cached.
 *
 * <p>Faults are sorted by whether waiting can cure them:
 * <ul>
 * <li>transient: no connection, a timeout, HTTP 408, 429 and 5xx, and any answer whose body is not
 *     the registry's JSON (a proxy's or load balancer's page, even with status 404 or 200). These are
 *     retried with exponential backoff, honouring {@code Retry-After} up to the longest backoff, and
 *     end in {@link SchemaRegistryUnavailableException};</li>
 * <li>configuration: HTTP 401 and 403 throw {@link SchemaRegistryAccessDeniedException} at once, a
 *     redirect a {@link SchemaRegistryUnavailableException}, both logged at ERROR once a minute; the
 *     caller holds its record as for any unavailability;</li>
 * <li>permanent: the registry's own JSON error ({@code error_code}) becomes a typed exception
 *     carrying its message, such as {@link SubjectNotFoundException} for a 404.</li>
 * </ul>
 * One call, all attempts and waits included, ends by {@link SchemaRegistryConfig#requestDeadline()}.
 * Every request goes to the configured base URL and redirects are never followed, so credentials
 * reach no other host.
 */
public final class HttpSchemaRegistry implements SchemaRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(HttpSchemaRegistry.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT = "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json;"
            + " q=0.9, application/json; q=0.5";

    /** How often one client logs a configuration error (refused credentials, a redirect) at ERROR. */
    private static final Duration CONFIGURATION_ERROR_LOG_INTERVAL = Duration.ofMinutes(1);

    /** What a registry's 404 without a recognised error code means for a call. */
    private enum Missing { SUBJECT, VERSION, SCHEMA }

    private final SchemaRegistryConfig config;
    private final String baseUrl;
    private final String authorization;
    private final HttpClient http;
    private final Cache<Integer, Schema> schemasById = Caffeine.newBuilder().build();
    private final Cache<SubjectSchema, Integer> idsBySubjectSchema = Caffeine.newBuilder().build();
    private final Cache<SubjectSchema, RegisteredSchema> lookups = Caffeine.newBuilder().build();
    private final Cache<String, RegisteredSchema> latest;
    private final AtomicLong nextConfigurationErrorLog = new AtomicLong(System.nanoTime());

    private HttpSchemaRegistry(SchemaRegistryConfig config, Optional<String> authorization) {
        this.config = config;
        this.baseUrl = config.url().toString();
        this.authorization = authorization.orElse(null);
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.connectTimeout())
                // Never follow redirects: the Authorization header must not reach another host.
                .followRedirects(HttpClient.Redirect.NEVER);
        config.sslContext().ifPresent(builder::sslContext);
        this.http = builder.build();
        this.latest = Caffeine.newBuilder().expireAfterWrite(config.latestCacheTtl()).build();
    }

    /**
     * Returns a client for the registry {@code config} describes.
     *
     * @param config        the connection settings
     * @param authorization the {@code Authorization} header value, if any
     * @return the client
     */
    public static HttpSchemaRegistry create(SchemaRegistryConfig config, Optional<String> authorization) {
        return new HttpSchemaRegistry(Objects.requireNonNull(config, "config"), authorization);
    }

    @Override
    public int register(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(requireSubject(subject), Objects.requireNonNull(schema, "schema"));
        return idsBySubjectSchema.get(key, k -> {
            int id = call("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema), Missing.SUBJECT,
                    answer -> requiredInt(answer, "id"));
            schemasById.asMap().putIfAbsent(id, schema);
            latest.invalidate(subject);
            return id;
        });
    }

    @Override
    public Optional<RegisteredSchema> lookup(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(requireSubject(subject), Objects.requireNonNull(schema, "schema"));
        return Optional.ofNullable(lookups.get(key, k -> {
            try {
                RegisteredSchema found = call("POST", "/subjects/" + encode(subject), schemaBody(schema), Missing.SUBJECT,
                        answer -> registered(subject, answer));
                schemasById.asMap().putIfAbsent(found.id(), found.schema());
                idsBySubjectSchema.asMap().putIfAbsent(key, found.id());
                return found;
            } catch (SubjectNotFoundException | SchemaNotFoundException e) {
                return null; // not cached: the schema may be registered later
            }
        }));
    }

    @Override
    public Schema schemaById(int id) {
        return schemasById.get(id, k -> call("GET", "/schemas/ids/" + id, null, Missing.SCHEMA, answer -> {
            requireAvro(answer, "schema id " + id);
            return parse(requiredText(answer, "schema"), "schema id " + id);
        }));
    }

    @Override
    public List<String> subjects() {
        return call("GET", "/subjects", null, Missing.SUBJECT, answer -> {
            List<String> out = new ArrayList<>();
            requiredArray(answer).forEach(n -> out.add(n.asText()));
            return List.copyOf(out);
        });
    }

    @Override
    public List<Integer> versions(String subject) {
        return call("GET", "/subjects/" + encode(requireSubject(subject)) + "/versions", null, Missing.SUBJECT, answer -> {
            List<Integer> out = new ArrayList<>();
            requiredArray(answer).forEach(n -> out.add(n.asInt()));
            return List.copyOf(out);
        });
    }

    @Override
    public RegisteredSchema version(String subject, int version) {
        if (version < 1) {
            throw new IllegalArgumentException("version must be 1 or more: " + version);
        }
        return call("GET", "/subjects/" + encode(requireSubject(subject)) + "/versions/" + version, null, Missing.VERSION,
                answer -> registered(subject, answer));
    }

    @Override
    public RegisteredSchema latest(String subject) {
        requireSubject(subject);
        return latest.get(subject, s -> {
            RegisteredSchema found = call("GET", "/subjects/" + encode(s) + "/versions/latest", null, Missing.SUBJECT,
                    answer -> registered(s, answer));
            schemasById.asMap().putIfAbsent(found.id(), found.schema());
            return found;
        });
    }

    @Override
    public CompatibilityResult testCompatibility(String subject, Schema schema) {
        Objects.requireNonNull(schema, "schema");
        JsonNode answer;
        try {
            answer = call("POST", "/compatibility/subjects/" + encode(requireSubject(subject)) + "/versions/latest?verbose=true",
                    schemaBody(schema), Missing.SUBJECT, found -> {
                        if (!found.path("is_compatible").isBoolean()) {
                            throw new NotRegistryAnswer("no 'is_compatible' in " + abbreviate(found.toString()));
                        }
                        return found;
                    });
        } catch (SubjectNotFoundException | VersionNotFoundException e) {
            return CompatibilityResult.ok(); // nothing registered yet, so nothing to break
        }
        if (answer.path("is_compatible").asBoolean(false)) {
            return CompatibilityResult.ok();
        }
        List<String> messages = new ArrayList<>();
        answer.path("messages").forEach(n -> messages.add(n.asText()));
        // Apicurio's ccompat API gives a single "reason" instead of Confluent's "messages".
        if (answer.hasNonNull("reason")) {
            messages.add(answer.get("reason").asText());
        }
        if (messages.isEmpty()) {
            messages.add("the registry found the schema incompatible with subject '" + subject + "' but gave no reason");
        }
        return CompatibilityResult.incompatible(messages);
    }

    @Override
    public Optional<CompatibilityLevel> compatibility(String subject) {
        try {
            return Optional.of(call("GET", "/config/" + encode(requireSubject(subject)), null, Missing.SUBJECT, this::level));
        } catch (SubjectNotFoundException e) {
            return Optional.empty();
        } catch (SchemaRegistryUnavailableException e) {
            throw e; // its status may be a proxy's 404, which says nothing about the subject
        } catch (SchemaRegistryException e) {
            // Confluent 7 answers 40408 (no subject-level config) with HTTP 404.
            if (e.httpStatus().orElse(0) == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public void setCompatibility(String subject, CompatibilityLevel level) {
        call("PUT", "/config/" + encode(requireSubject(subject)), levelBody(level), Missing.SUBJECT, answer -> answer);
    }

    @Override
    public CompatibilityLevel globalCompatibility() {
        return call("GET", "/config", null, Missing.SUBJECT, this::level);
    }

    @Override
    public void setGlobalCompatibility(CompatibilityLevel level) {
        call("PUT", "/config", levelBody(level), Missing.SUBJECT, answer -> answer);
    }

    @Override
    public String toString() {
        return "HttpSchemaRegistry[" + config + "]";
    }

    /**
     * Makes one registry call: sends the request, retries transient faults with backoff until the
     * attempts or the deadline run out, and reads a 2xx answer with {@code read}. A
     * {@link NotRegistryAnswer} from {@code read} counts as a transient fault too, since a registry
     * never answers that way but a proxy in front of it may.
     */
    private <T> T call(String method, String path, String body, Missing missing, Function<JsonNode, T> read) {
        long start = System.nanoTime();
        long deadline = start + config.requestDeadline().toNanos();
        int attempts = config.retries() + 1;
        long backoffMillis = config.retryBackoff().toMillis();
        long backoffMaxMillis = config.retryBackoffMax().toMillis();
        Fault fault = null;
        for (int attempt = 1; ; attempt++) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                // A backoff overslept the deadline (or the deadline is shorter than a clock tick).
                throw pastDeadline(method, path, attempt - 1, start, fault);
            }
            try {
                HttpResponse<String> response = send(request(method, path, body, remaining), remaining);
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    JsonNode answer = registryJson(response.body());
                    if (answer == null) {
                        fault = Fault.notJson(response);
                    } else {
                        try {
                            return read.apply(answer);
                        } catch (NotRegistryAnswer e) {
                            fault = Fault.answer(response, "JSON that is not the registry's answer: " + e.getMessage());
                        }
                    }
                } else {
                    fault = classify(response, method, path, missing);
                }
            } catch (IOException e) {
                fault = Fault.io(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryUnavailableException("interrupted while calling the schema registry at " + baseUrl
                        + " (" + method + " " + path + ")", 0, 0, "", e);
            }
            if (attempt >= attempts) {
                throw exhausted(method, path, attempts, start, fault);
            }
            long waitMillis = Math.min(Math.max(backoffMillis, fault.retryAfterMillis()), backoffMaxMillis);
            if (deadline - System.nanoTime() <= TimeUnit.MILLISECONDS.toNanos(waitMillis)) {
                // No attempt would fit before the deadline: give the thread back now rather than later.
                throw pastDeadline(method, path, attempt, start, fault);
            }
            LOG.warn("schema registry {} {} {} failed (attempt {} of {}): {}; retrying in {} ms", baseUrl, method, path,
                    attempt, attempts, fault.describe(), waitMillis);
            pause(waitMillis, method, path);
            backoffMillis = Math.min(backoffMillis * 2, backoffMaxMillis);
        }
    }

    private HttpRequest request(String method, String path, String body, long remainingNanos) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofNanos(Math.min(config.requestTimeout().toNanos(), remainingNanos)))
                .header("Accept", ACCEPT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            builder.header("Content-Type", CONTENT_TYPE);
        }
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        return builder.build();
    }

    /**
     * Sends a request and waits for its answer at most {@code remainingNanos}: the request timeout
     * alone does not bound every stage (connecting has its own timeout), and the deadline must hold
     * whatever the network does.
     */
    private HttpResponse<String> send(HttpRequest request, long remainingNanos) throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<String>> pending =
                http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        try {
            return pending.get(remainingNanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException unchecked) {
                throw unchecked;
            }
            throw new IllegalStateException("unexpected failure calling the schema registry at " + baseUrl, e.getCause());
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw new HttpTimeoutException("no answer before the call's deadline");
        } catch (InterruptedException e) {
            pending.cancel(true);
            throw e;
        }
    }

    /**
     * Sorts a non-2xx answer: throws for refused credentials, a redirect and the registry's own
     * errors; returns the fault to retry for everything else.
     */
    private Fault classify(HttpResponse<String> response, String method, String path, Missing missing) {
        int status = response.statusCode();
        Optional<ErrorBody> error = ErrorBody.registry(response.body());
        if (status == 401 || status == 403) {
            throw accessDenied(response, error.orElseGet(() -> ErrorBody.text(response.body())), method, path);
        }
        if (status >= 300 && status < 400) {
            throw redirected(response, method, path);
        }
        if (status == 408 || status == 429 || status >= 500) {
            return Fault.answer(response, error.orElseGet(() -> ErrorBody.text(response.body())));
        }
        if (error.isPresent()) {
            throw error(response, error.get(), method, path, missing);
        }
        return Fault.notJson(response);
    }

    private SchemaRegistryAccessDeniedException accessDenied(HttpResponse<String> response, ErrorBody error, String method,
            String path) {
        int status = response.statusCode();
        String message = "schema registry at " + baseUrl + " refused " + method + " " + path + " with HTTP " + status
                + (error.code() == 0 ? "" : " (error " + error.code() + ")") + ": " + error.message()
                + "; check the registry credentials: " + SchemaRegistryConfig.BASIC_AUTH_USER_INFO + " or "
                + SchemaRegistryConfig.BEARER_TOKEN + (authorization == null ? " (neither is set)" : "")
                + ", and what the registry lets that principal do. Records are held, not rejected, until this is fixed";
        logConfigurationError(message);
        return new SchemaRegistryAccessDeniedException(message, status, error.code(), error.message());
    }

    private SchemaRegistryUnavailableException redirected(HttpResponse<String> response, String method, String path) {
        int status = response.statusCode();
        String message = "schema registry at " + baseUrl + " answered " + method + " " + path + " with HTTP " + status
                + " (a redirect to " + response.headers().firstValue("Location").orElse("nowhere")
                + "), which is not followed so that credentials reach no other host; set " + SchemaRegistryConfig.URL
                + " to the address the registry answers at. Records are held, not rejected, until this is fixed";
        logConfigurationError(message);
        return new SchemaRegistryUnavailableException(message, status, 0, "", null);
    }

    /** Logs a configuration error at ERROR at most once a minute per client, since every record meets it. */
    private void logConfigurationError(String message) {
        long now = System.nanoTime();
        long next = nextConfigurationErrorLog.get();
        if (now - next >= 0 && nextConfigurationErrorLog.compareAndSet(next, now + CONFIGURATION_ERROR_LOG_INTERVAL.toNanos())) {
            LOG.error("{} (logged once a minute at most; every call meanwhile fails the same way)", message);
        }
    }

    private SchemaRegistryUnavailableException exhausted(String method, String path, int attempts, long start, Fault fault) {
        String tried = attempts + " attempts (" + elapsedMillis(start) + " ms)";
        if (fault.failure() != null) {
            return new SchemaRegistryUnavailableException("schema registry at " + baseUrl + " could not be reached for "
                    + method + " " + path + " in " + tried + ": " + fault.failure(), 0, 0, "", fault.failure());
        }
        return new SchemaRegistryUnavailableException("schema registry at " + baseUrl + " answered " + method + " " + path
                + " with HTTP " + fault.status() + " on all " + tried + ": " + fault.detail(), fault.status(),
                fault.errorCode(), fault.registryMessage(), null);
    }

    private SchemaRegistryUnavailableException pastDeadline(String method, String path, int attempts, long start, Fault last) {
        Fault fault = last != null ? last : new Fault(0, "no attempt fitted in", 0, "", null, 0);
        return new SchemaRegistryUnavailableException("schema registry at " + baseUrl + ": gave up on " + method + " " + path
                + " after " + elapsedMillis(start) + " ms and " + attempts + (attempts == 1 ? " attempt" : " attempts")
                + ", at its deadline of " + config.requestDeadline().toMillis() + " ms ("
                + SchemaRegistryConfig.REQUEST_DEADLINE_MS + "; on a Kafka Streams thread keep it well below"
                + " transaction.timeout.ms); last: " + fault.describe(),
                fault.status(), fault.errorCode(), fault.registryMessage(), fault.failure());
    }

    private static long elapsedMillis(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private void pause(long millis, String method, String path) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryUnavailableException("interrupted while waiting to retry " + method + " " + path
                    + " at " + baseUrl, 0, 0, "", e);
        }
    }

    /** Maps the registry's own JSON error to a typed, permanent exception. */
    private SchemaRegistryException error(HttpResponse<String> response, ErrorBody error, String method, String path,
            Missing missing) {
        int status = response.statusCode();
        String message = "schema registry at " + baseUrl + " answered " + method + " " + path + " with HTTP " + status
                + (error.code() == 0 ? "" : " (error " + error.code() + ")") + ": " + error.message();
        if (status == 409) {
            return new IncompatibleSchemaException(message, status, error.code(), error.message());
        }
        switch (error.code()) {
            case 40401:
                return new SubjectNotFoundException(message, status, error.code(), error.message());
            case 40402:
                return new VersionNotFoundException(message, status, error.code(), error.message());
            case 40403:
                return new SchemaNotFoundException(message, status, error.code(), error.message());
            case 42201:
                return new InvalidSchemaException(message, status, error.code(), error.message());
            default:
                break;
        }
        if (status == 404) {
            // The registry's 404 with another code (Apicurio's plain 404, Confluent's 40408) means the thing asked for.
            return switch (missing) {
                case SUBJECT -> new SubjectNotFoundException(message, status, error.code(), error.message());
                case VERSION -> new VersionNotFoundException(message, status, error.code(), error.message());
                case SCHEMA -> new SchemaNotFoundException(message, status, error.code(), error.message());
            };
        }
        return new SchemaRegistryException(message, status, error.code(), error.message());
    }

    /** Returns a 2xx body as JSON, or null when it is not a JSON object or list (a proxy's page, no body). */
    private static JsonNode registryJson(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(body);
            return node != null && node.isContainerNode() ? node : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private RegisteredSchema registered(String subject, JsonNode answer) {
        requireAvro(answer, "subject '" + subject + "'");
        int id = requiredInt(answer, "id");
        return new RegisteredSchema(answer.path("subject").asText(subject), id, requiredInt(answer, "version"),
                parse(requiredText(answer, "schema"), "schema id " + id));
    }

    private void requireAvro(JsonNode answer, String what) {
        String type = answer.path("schemaType").asText("AVRO");
        if (!type.equalsIgnoreCase("AVRO")) {
            throw new SchemaRegistryException(what + " holds a " + type + " schema, not Avro", 200, 0, "");
        }
    }

    private Schema parse(String text, String what) {
        try {
            return new Schema.Parser().parse(text);
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException("schema registry at " + baseUrl + " returned an unparseable Avro schema for "
                    + what + ": " + e.getMessage(), 200, 0, "", e);
        }
    }

    private static int requiredInt(JsonNode answer, String field) {
        JsonNode node = answer.get(field);
        if (node == null || !node.canConvertToInt()) {
            throw new NotRegistryAnswer("no '" + field + "' in " + abbreviate(answer.toString()));
        }
        return node.asInt();
    }

    private static String requiredText(JsonNode answer, String field) {
        JsonNode node = answer.get(field);
        if (node == null || !node.isTextual()) {
            throw new NotRegistryAnswer("no '" + field + "' in " + abbreviate(answer.toString()));
        }
        return node.asText();
    }

    private static JsonNode requiredArray(JsonNode answer) {
        if (!answer.isArray()) {
            throw new NotRegistryAnswer("not a list: " + abbreviate(answer.toString()));
        }
        return answer;
    }

    private CompatibilityLevel level(JsonNode answer) {
        // Confluent answers GET with "compatibilityLevel", PUT with "compatibility".
        JsonNode node = answer.hasNonNull("compatibilityLevel") ? answer.get("compatibilityLevel") : answer.get("compatibility");
        if (node == null) {
            throw new NotRegistryAnswer("no compatibility level in " + abbreviate(answer.toString()));
        }
        return CompatibilityLevel.parse(node.asText());
    }

    private static String schemaBody(Schema schema) {
        ObjectNode body = JSON.createObjectNode();
        body.put("schema", schema.toString());
        return body.toString();
    }

    private static String levelBody(CompatibilityLevel level) {
        ObjectNode body = JSON.createObjectNode();
        body.put("compatibility", Objects.requireNonNull(level, "level").name());
        return body.toString();
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String requireSubject(String subject) {
        Objects.requireNonNull(subject, "subject");
        if (subject.isBlank()) {
            throw new IllegalArgumentException("subject must not be blank");
        }
        return subject;
    }

    static String abbreviate(String text) {
        if (text == null) {
            return "";
        }
        return text.length() <= 500 ? text : text.substring(0, 500) + "…";
    }

    /** A subject and a schema, the key under which a registry keeps one version. */
    private record SubjectSchema(String subject, Schema schema) {
    }

    /** The {@code {"error_code": …, "message": …}} body of a registry error, or a stand-in for another body. */
    private record ErrorBody(int code, String message) {

        /** Reads the registry's error body: a JSON object with a numeric {@code error_code}. */
        static Optional<ErrorBody> registry(String body) {
            if (body == null || body.isBlank()) {
                return Optional.empty();
            }
            try {
                JsonNode node = JSON.readTree(body);
                if (node != null && node.isObject() && node.path("error_code").canConvertToInt()) {
                    return Optional.of(new ErrorBody(node.get("error_code").asInt(),
                            node.path("message").asText("(no message)")));
                }
            } catch (JsonProcessingException e) {
                // not JSON, so not the registry's
            }
            return Optional.empty();
        }

        /** Stands in for a body that is not the registry's, quoting its start. */
        static ErrorBody text(String body) {
            return new ErrorBody(0, body == null || body.isBlank() ? "(no message)" : abbreviate(body.strip()));
        }
    }

    /** Why one attempt failed in a way worth retrying. */
    private record Fault(int status, String detail, int errorCode, String registryMessage, IOException failure,
            long retryAfterMillis) {

        static Fault io(IOException failure) {
            return new Fault(0, failure.toString(), 0, "", failure, 0);
        }

        static Fault answer(HttpResponse<String> response, ErrorBody error) {
            return new Fault(response.statusCode(), error.message(), error.code(), error.message(), null,
                    retryAfterMillis(response));
        }

        static Fault answer(HttpResponse<String> response, String detail) {
            return new Fault(response.statusCode(), detail, 0, "", null, retryAfterMillis(response));
        }

        static Fault notJson(HttpResponse<String> response) {
            return answer(response, "a body that is not the registry's JSON (a proxy or load balancer in between, or a"
                    + " wrong " + SchemaRegistryConfig.URL + "?): " + ErrorBody.text(response.body()).message());
        }

        String describe() {
            if (failure != null) {
                return failure.toString();
            }
            return status == 0 ? detail : "HTTP " + status + ": " + detail;
        }

        /** Reads {@code Retry-After} in seconds or as an HTTP date; 0 when absent or unreadable. */
        private static long retryAfterMillis(HttpResponse<?> response) {
            String value = response.headers().firstValue("Retry-After").map(String::strip).orElse("");
            if (value.isEmpty()) {
                return 0;
            }
            try {
                return Math.min(Math.max(Long.parseLong(value), 0), Long.MAX_VALUE / 1000) * 1000;
            } catch (NumberFormatException e) {
                // not seconds: try the date form
            }
            try {
                Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return Math.max(Duration.between(Instant.now(), at).toMillis(), 0);
            } catch (DateTimeParseException e) {
                return 0;
            }
        }
    }

    /** Thrown while reading a 2xx answer that lacks what every registry sends: a proxy, not the registry. */
    private static final class NotRegistryAnswer extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotRegistryAnswer(String message) {
            super(message, null, false, false);
        }
    }
}
