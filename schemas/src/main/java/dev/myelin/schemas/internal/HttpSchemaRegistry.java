package dev.myelin.schemas.internal;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

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
 * <p>Requests that fail with an I/O error or a 5xx answer are retried with exponential backoff;
 * 4xx answers are final and become typed exceptions carrying the registry's message. Every request
 * goes to the configured base URL and redirects are never followed, so credentials reach no other
 * host.
 */
public final class HttpSchemaRegistry implements SchemaRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(HttpSchemaRegistry.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String ACCEPT = "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json;"
            + " q=0.9, application/json; q=0.5";

    /** What a 404 without a recognised error code means for a call. */
    private enum Missing { SUBJECT, VERSION, SCHEMA }

    private final SchemaRegistryConfig config;
    private final String baseUrl;
    private final String authorization;
    private final HttpClient http;
    private final Cache<Integer, Schema> schemasById = Caffeine.newBuilder().build();
    private final Cache<SubjectSchema, Integer> idsBySubjectSchema = Caffeine.newBuilder().build();
    private final Cache<SubjectSchema, RegisteredSchema> lookups = Caffeine.newBuilder().build();
    private final Cache<String, RegisteredSchema> latest;

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
            JsonNode answer = call("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema), Missing.SUBJECT);
            int id = requiredInt(answer, "id");
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
                RegisteredSchema found = registered(subject,
                        call("POST", "/subjects/" + encode(subject), schemaBody(schema), Missing.SUBJECT));
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
        return schemasById.get(id, k -> {
            JsonNode answer = call("GET", "/schemas/ids/" + id, null, Missing.SCHEMA);
            requireAvro(answer, "schema id " + id);
            return parse(requiredText(answer, "schema"), "schema id " + id);
        });
    }

    @Override
    public List<String> subjects() {
        List<String> out = new ArrayList<>();
        call("GET", "/subjects", null, Missing.SUBJECT).forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }

    @Override
    public List<Integer> versions(String subject) {
        List<Integer> out = new ArrayList<>();
        call("GET", "/subjects/" + encode(requireSubject(subject)) + "/versions", null, Missing.SUBJECT)
                .forEach(n -> out.add(n.asInt()));
        return List.copyOf(out);
    }

    @Override
    public RegisteredSchema version(String subject, int version) {
        if (version < 1) {
            throw new IllegalArgumentException("version must be 1 or more: " + version);
        }
        return registered(subject, call("GET", "/subjects/" + encode(requireSubject(subject)) + "/versions/" + version,
                null, Missing.VERSION));
    }

    @Override
    public RegisteredSchema latest(String subject) {
        requireSubject(subject);
        return latest.get(subject, s -> {
            RegisteredSchema found = registered(s,
                    call("GET", "/subjects/" + encode(s) + "/versions/latest", null, Missing.SUBJECT));
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
                    schemaBody(schema), Missing.SUBJECT);
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
            return Optional.of(level(call("GET", "/config/" + encode(requireSubject(subject)), null, Missing.SUBJECT)));
        } catch (SubjectNotFoundException e) {
            return Optional.empty();
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
        call("PUT", "/config/" + encode(requireSubject(subject)), levelBody(level), Missing.SUBJECT);
    }

    @Override
    public CompatibilityLevel globalCompatibility() {
        return level(call("GET", "/config", null, Missing.SUBJECT));
    }

    @Override
    public void setGlobalCompatibility(CompatibilityLevel level) {
        call("PUT", "/config", levelBody(level), Missing.SUBJECT);
    }

    @Override
    public String toString() {
        return "HttpSchemaRegistry[" + config + "]";
    }

    private JsonNode call(String method, String path, String body, Missing missing) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(config.requestTimeout())
                .header("Accept", ACCEPT)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            builder.header("Content-Type", CONTENT_TYPE);
        }
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        HttpRequest request = builder.build();
        int attempts = config.retries() + 1;
        long backoffMillis = config.retryBackoff().toMillis();
        HttpResponse<String> last = null;
        IOException lastFailure = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                if (response.statusCode() < 500) {
                    if (response.statusCode() >= 300) {
                        throw error(response, method, path, missing);
                    }
                    return parseJson(response.body(), method, path);
                }
                last = response;
                lastFailure = null;
            } catch (IOException e) {
                last = null;
                lastFailure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryUnavailableException("interrupted while calling the schema registry at " + baseUrl
                        + " (" + method + " " + path + ")", 0, 0, "", e);
            }
            if (attempt < attempts) {
                LOG.warn("schema registry {} {} {} failed (attempt {} of {}): {}; retrying in {} ms", baseUrl, method, path,
                        attempt, attempts, last != null ? "HTTP " + last.statusCode() : lastFailure.toString(), backoffMillis);
                pause(backoffMillis, method, path);
                backoffMillis = Math.min(backoffMillis * 2, config.retryBackoffMax().toMillis());
            }
        }
        if (last != null) {
            ErrorBody error = ErrorBody.of(last.body());
            throw new SchemaRegistryUnavailableException("schema registry at " + baseUrl + " answered " + method + " " + path
                    + " with HTTP " + last.statusCode() + " on all " + attempts + " attempts: " + error.message(),
                    last.statusCode(), error.code(), error.message(), null);
        }
        throw new SchemaRegistryUnavailableException("schema registry at " + baseUrl + " could not be reached for " + method
                + " " + path + " in " + attempts + " attempts: " + lastFailure, 0, 0, "", lastFailure);
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

    private SchemaRegistryException error(HttpResponse<String> response, String method, String path, Missing missing) {
        int status = response.statusCode();
        ErrorBody error = ErrorBody.of(response.body());
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
        if (status == 404 && error.code() == 0) {
            return switch (missing) {
                case SUBJECT -> new SubjectNotFoundException(message, status, 0, error.message());
                case VERSION -> new VersionNotFoundException(message, status, 0, error.message());
                case SCHEMA -> new SchemaNotFoundException(message, status, 0, error.message());
            };
        }
        if (status == 401 || status == 403) {
            return new SchemaRegistryException(message + "; check the registry credentials (basic auth or bearer token)",
                    status, error.code(), error.message());
        }
        return new SchemaRegistryException(message, status, error.code(), error.message());
    }

    private JsonNode parseJson(String body, String method, String path) {
        try {
            return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new SchemaRegistryException("schema registry at " + baseUrl + " answered " + method + " " + path
                    + " with something other than JSON: " + abbreviate(body), 200, 0, abbreviate(body), e);
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

    private int requiredInt(JsonNode answer, String field) {
        JsonNode node = answer.get(field);
        if (node == null || !node.canConvertToInt()) {
            throw new SchemaRegistryException("schema registry at " + baseUrl + " gave no '" + field + "' in " + abbreviate(answer.toString()),
                    200, 0, "");
        }
        return node.asInt();
    }

    private String requiredText(JsonNode answer, String field) {
        JsonNode node = answer.get(field);
        if (node == null || !node.isTextual()) {
            throw new SchemaRegistryException("schema registry at " + baseUrl + " gave no '" + field + "' in " + abbreviate(answer.toString()),
                    200, 0, "");
        }
        return node.asText();
    }

    private CompatibilityLevel level(JsonNode answer) {
        // Confluent answers GET with "compatibilityLevel", PUT with "compatibility".
        JsonNode node = answer.hasNonNull("compatibilityLevel") ? answer.get("compatibilityLevel") : answer.get("compatibility");
        if (node == null) {
            throw new SchemaRegistryException("schema registry at " + baseUrl + " gave no compatibility level in "
                    + abbreviate(answer.toString()), 200, 0, "");
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

    /** The {@code {"error_code": …, "message": …}} body of a registry error. */
    private record ErrorBody(int code, String message) {
        static ErrorBody of(String body) {
            if (body == null || body.isBlank()) {
                return new ErrorBody(0, "(no message)");
            }
            try {
                JsonNode node = JSON.readTree(body);
                if (node.isObject()) {
                    return new ErrorBody(node.path("error_code").asInt(0), node.path("message").asText(abbreviate(body)));
                }
            } catch (JsonProcessingException e) {
                // not JSON: fall through and report the text itself
            }
            return new ErrorBody(0, abbreviate(body.strip()));
        }
    }
}
