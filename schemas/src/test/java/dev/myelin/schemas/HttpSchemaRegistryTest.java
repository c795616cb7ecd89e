package dev.myelin.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.myelin.schemas.StubRegistry.Response;
import dev.myelin.schemas.testing.AccountOpened;

/**
 * The HTTP client against a scripted stub: request shapes, caches (counted in HTTP requests), retries
 * and error mapping. The real registry is exercised in ApicurioRegistryIT.
 */
class HttpSchemaRegistryTest {

    private static final String SUBJECT = "dev.myelin.schemas.testing.AccountOpened";
    private static final Schema SCHEMA = AccountOpened.getClassSchema();
    private static final String SUBJECT_PATH = "/subjects/" + SUBJECT;

    private StubRegistry stub;

    @BeforeEach
    void start() throws Exception {
        stub = new StubRegistry();
    }

    @AfterEach
    void stop() {
        stub.close();
    }

    @Test
    void register_posts_the_schema_and_caches_the_id() {
        stub.on("POST " + SUBJECT_PATH + "/versions", 200, "{\"id\":7}");
        SchemaRegistry registry = stub.client();

        assertThat(registry.register(SUBJECT, SCHEMA)).isEqualTo(7);
        assertThat(registry.register(SUBJECT, SCHEMA)).isEqualTo(7);
        assertThat(registry.schemaById(7)).isEqualTo(SCHEMA); // known from the registration

        assertThat(stub.requests()).hasSize(1);
        StubRegistry.Request request = stub.requests().get(0);
        assertThat(request.header("Content-Type")).isEqualTo("application/vnd.schemaregistry.v1+json");
        assertThat(request.body()).isEqualTo(StubRegistry.schemaJson(SCHEMA));
    }

    @Test
    void decoding_a_cached_schema_makes_no_http_request() {
        stub.on("GET /schemas/ids/5", 200, StubRegistry.schemaJson(SCHEMA));
        AvroSerdeConfig config = AvroSerdeConfig.builder(stub.client()).build();
        AvroDeserializer<AccountOpened> deserializer = AvroDeserializer.specific(AccountOpened.class, config);
        byte[] bytes = encode(5, new AccountOpened("acc-1", "Ada", "EUR"));

        assertThat(deserializer.deserialize("t", bytes).getOwner()).isEqualTo("Ada");
        assertThat(stub.requests()).hasSize(1);
        for (int i = 0; i < 100; i++) {
            deserializer.deserialize("t", bytes);
        }
        AvroDeserializer<AccountOpened> another = AvroDeserializer.specific(AccountOpened.class, config);
        another.deserialize("t", bytes);

        assertThat(stub.requests()).hasSize(1);
    }

    @Test
    void cached_schemas_keep_working_while_the_registry_is_down() {
        stub.on("GET /schemas/ids/5", 200, StubRegistry.schemaJson(SCHEMA));
        SchemaRegistry registry = stub.client();
        AvroDeserializer<AccountOpened> deserializer =
                AvroDeserializer.specific(AccountOpened.class, AvroSerdeConfig.builder(registry).build());
        byte[] bytes = encode(5, new AccountOpened("acc-1", "Ada", "EUR"));
        deserializer.deserialize("t", bytes);

        stub.close();

        assertThat(deserializer.deserialize("t", bytes).getAccountId()).isEqualTo("acc-1");
        assertThatThrownBy(() -> deserializer.deserialize("t", encode(6, new AccountOpened("a", "b", "c"))))
                .isInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("could not be reached").hasMessageContaining("3 attempts");
    }

    @Test
    void server_errors_are_retried_with_backoff_until_an_answer_comes() {
        stub.on("GET /schemas/ids/1", new Response(503, "{\"error_code\":50003,\"message\":\"busy\"}"),
                new Response(500, "oops"), new Response(200, StubRegistry.schemaJson(SCHEMA)));

        assertThat(stub.client().schemaById(1)).isEqualTo(SCHEMA);
        assertThat(stub.count("GET", "/schemas/ids/1")).isEqualTo(3);
    }

    @Test
    void server_errors_on_every_attempt_end_in_registry_unavailable_with_the_registry_message() {
        stub.on("GET /schemas/ids/1", 503, "{\"error_code\":50003,\"message\":\"store is rebuilding\"}");
        SchemaRegistry registry = stub.client(SchemaRegistryConfig.builder().url(stub.url()).retries(4)
                .retryBackoff(Duration.ofMillis(1)).retryBackoffMax(Duration.ofMillis(4)));

        assertThatThrownBy(() -> registry.schemaById(1))
                .isInstanceOfSatisfying(SchemaRegistryUnavailableException.class, e -> {
                    assertThat(e.httpStatus()).hasValue(503);
                    assertThat(e.errorCode()).hasValue(50003);
                    assertThat(e.registryMessage()).isEqualTo("store is rebuilding");
                })
                .hasMessageContaining("HTTP 503 on all 5 attempts");
        assertThat(stub.count("GET", "/schemas/ids/1")).isEqualTo(5);
    }

    @Test
    void a_409_becomes_incompatible_schema_with_the_registry_reason_and_is_not_retried() {
        stub.on("POST " + SUBJECT_PATH + "/versions", 409,
                "{\"error_code\":409,\"message\":\"Incompatible artifact: owner at /fields/1\"}");

        assertThatThrownBy(() -> stub.client().register(SUBJECT, SCHEMA))
                .isInstanceOfSatisfying(IncompatibleSchemaException.class, e -> {
                    assertThat(e.registryMessage()).isEqualTo("Incompatible artifact: owner at /fields/1");
                    assertThat(e.httpStatus()).hasValue(409);
                })
                .hasMessageContaining("owner at /fields/1");
        assertThat(stub.requests()).hasSize(1);
    }

    @Test
    void error_codes_become_typed_exceptions() {
        stub.on("GET /subjects/a/versions", 404, "{\"error_code\":40401,\"message\":\"Subject 'a' not found.\"}")
                .on("GET /subjects/a/versions/9", 404, "{\"error_code\":40402,\"message\":\"Version 9 not found.\"}")
                .on("GET /schemas/ids/9", 404, "{\"error_code\":40403,\"message\":\"Schema 9 not found\"}")
                .on("POST /subjects/a/versions", 422, "{\"error_code\":42201,\"message\":\"Invalid schema\"}")
                .on("GET /subjects/b/versions/latest", 404, "{\"error_code\":40401,\"message\":\"Subject 'b' not found.\"}");
        SchemaRegistry registry = stub.client();

        assertThatThrownBy(() -> registry.versions("a")).isInstanceOf(SubjectNotFoundException.class)
                .hasMessageContaining("Subject 'a' not found.");
        assertThatThrownBy(() -> registry.version("a", 9)).isInstanceOf(VersionNotFoundException.class);
        assertThatThrownBy(() -> registry.schemaById(9)).isInstanceOf(SchemaNotFoundException.class);
        assertThatThrownBy(() -> registry.register("a", SCHEMA)).isInstanceOf(InvalidSchemaException.class)
                .hasMessageContaining("Invalid schema");
        assertThatThrownBy(() -> registry.latest("b")).isInstanceOf(SubjectNotFoundException.class);
        assertThat(stub.requests()).hasSize(5);
    }

    @Test
    void lookup_finds_a_registered_schema_and_caches_only_hits() {
        stub.on("POST " + SUBJECT_PATH, new Response(404, "{\"error_code\":40403,\"message\":\"Schema not found\"}"),
                new Response(200, "{\"subject\":\"" + SUBJECT + "\",\"id\":3,\"version\":2,\"schema\":"
                        + StubRegistry.quote(SCHEMA.toString()) + "}"));
        SchemaRegistry registry = stub.client();

        assertThat(registry.lookup(SUBJECT, SCHEMA)).isEmpty();
        assertThat(registry.lookup(SUBJECT, SCHEMA)).hasValue(new RegisteredSchema(SUBJECT, 3, 2, SCHEMA));
        assertThat(registry.lookup(SUBJECT, SCHEMA)).isPresent();
        assertThat(registry.register(SUBJECT, SCHEMA)).isEqualTo(3);

        assertThat(stub.requests()).hasSize(2);
    }

    @Test
    void latest_is_cached_for_its_time_to_live() {
        String latest = "{\"subject\":\"s\",\"id\":3,\"version\":2,\"schema\":" + StubRegistry.quote(SCHEMA.toString()) + "}";
        stub.on("GET /subjects/s/versions/latest", 200, latest);
        SchemaRegistry cached = stub.client(SchemaRegistryConfig.builder().url(stub.url()).latestCacheTtl(Duration.ofHours(1)));
        SchemaRegistry uncached = stub.client(SchemaRegistryConfig.builder().url(stub.url()).latestCacheTtl(Duration.ZERO));

        cached.latest("s");
        cached.latest("s");
        assertThat(stub.requests()).hasSize(1);
        uncached.latest("s");
        uncached.latest("s");
        assertThat(stub.requests()).hasSize(3);
        assertThat(cached.latest("s")).isEqualTo(new RegisteredSchema("s", 3, 2, SCHEMA));
    }

    @Test
    void compatibility_answers_in_confluent_and_apicurio_form_are_understood() {
        stub.on("POST /compatibility/subjects/c/versions/latest?verbose=true", 200,
                "{\"is_compatible\":false,\"messages\":[\"reader field owner has no default\"]}")
                .on("POST /compatibility/subjects/a/versions/latest?verbose=true", 200,
                        "{\"is_compatible\":false,\"reason\":\"Incompatible artifact: owner at /fields/1\"}")
                .on("POST /compatibility/subjects/ok/versions/latest?verbose=true", 200, "{\"is_compatible\":true}")
                .on("POST /compatibility/subjects/new/versions/latest?verbose=true", 404,
                        "{\"error_code\":40402,\"message\":\"No version 'latest'\"}");
        SchemaRegistry registry = stub.client();

        assertThat(registry.testCompatibility("c", SCHEMA).messages()).containsExactly("reader field owner has no default");
        assertThat(registry.testCompatibility("a", SCHEMA).messages()).containsExactly("Incompatible artifact: owner at /fields/1");
        assertThat(registry.testCompatibility("ok", SCHEMA).compatible()).isTrue();
        assertThat(registry.testCompatibility("new", SCHEMA).compatible()).isTrue();
    }

    @Test
    void config_is_read_and_written_per_subject_and_globally() {
        stub.on("GET /config", 200, "{\"compatibilityLevel\":\"BACKWARD\"}")
                .on("PUT /config", 200, "{\"compatibility\":\"FULL\"}")
                .on("GET /config/a", 200, "{\"compatibilityLevel\":\"FORWARD_TRANSITIVE\"}")
                .on("GET /config/b", 404, "{\"error_code\":40408,\"message\":\"Subject 'b' does not have subject-level compatibility configured\"}")
                .on("PUT /config/a", 200, "{\"compatibility\":\"NONE\"}");
        SchemaRegistry registry = stub.client();

        assertThat(registry.globalCompatibility()).isEqualTo(CompatibilityLevel.BACKWARD);
        registry.setGlobalCompatibility(CompatibilityLevel.FULL);
        assertThat(registry.compatibility("a")).hasValue(CompatibilityLevel.FORWARD_TRANSITIVE);
        assertThat(registry.compatibility("b")).isEmpty();
        registry.setCompatibility("a", CompatibilityLevel.NONE);

        assertThat(stub.requests()).extracting(StubRegistry.Request::body)
                .contains("{\"compatibility\":\"FULL\"}", "{\"compatibility\":\"NONE\"}");
    }

    @Test
    void subjects_are_url_encoded_in_paths() {
        stub.on("GET /subjects/a%20b%2Fc/versions", 200, "[1,2]").on("GET /subjects", 200, "[\"a b/c\"]");
        SchemaRegistry registry = stub.client();

        assertThat(registry.versions("a b/c")).containsExactly(1, 2);
        assertThat(registry.subjects()).containsExactly("a b/c");
    }

    @Test
    void basic_auth_is_sent_and_never_shown() {
        stub.on("GET /subjects", 200, "[]");
        SchemaRegistry registry = stub.client(SchemaRegistryConfig.builder().url(stub.url()).basicAuth("svc", "s3cr3t"));

        registry.subjects();

        assertThat(stub.requests().get(0).header("Authorization")).isEqualTo("Basic "
                + Base64.getEncoder().encodeToString("svc:s3cr3t".getBytes(StandardCharsets.UTF_8)));
        assertThat(registry.toString()).doesNotContain("s3cr3t").doesNotContain("c3ZjOnMzY3IzdA").contains("basic (hidden)");
    }

    @Test
    void a_bearer_token_is_sent_and_never_shown() {
        stub.on("GET /subjects", 200, "[]");
        SchemaRegistry registry = stub.client(SchemaRegistryConfig.builder().url(stub.url()).bearerToken("tok-123"));

        registry.subjects();

        assertThat(stub.requests().get(0).header("Authorization")).isEqualTo("Bearer tok-123");
        assertThat(registry.toString()).doesNotContain("tok-123").contains("bearer (hidden)");
    }

    @Test
    void without_credentials_no_authorization_header_is_sent() {
        stub.on("GET /subjects", 200, "[]");
        stub.client().subjects();

        assertThat(stub.requests().get(0).header("Authorization")).isNull();
    }

    @Test
    void a_redirect_is_not_followed_so_credentials_stay_with_the_configured_host() {
        stub.on("GET /subjects", 307, "");
        SchemaRegistry registry = stub.client(SchemaRegistryConfig.builder().url(stub.url()).bearerToken("tok-123"));

        assertThatThrownBy(registry::subjects).isInstanceOf(SchemaRegistryException.class).hasMessageContaining("HTTP 307");
        assertThat(stub.requests()).hasSize(1);
    }

    @Test
    void a_request_timeout_counts_as_a_failed_attempt() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            SchemaRegistry registry = SchemaRegistry.connect(SchemaRegistryConfig.builder()
                    .url("http://127.0.0.1:" + silent.getLocalPort()).requestTimeout(Duration.ofMillis(200)).retries(1)
                    .retryBackoff(Duration.ofMillis(1)).build());

            assertThatThrownBy(() -> registry.schemaById(1)).isInstanceOf(SchemaRegistryUnavailableException.class)
                    // the timeout is in the cause chain; the JDK's client sometimes gives it an IOException cause of its own
                    .hasMessageContaining("2 attempts").hasStackTraceContaining("java.net.http.HttpTimeoutException");
        }
    }

    private static byte[] encode(int id, AccountOpened event) {
        byte[] body = AvroSerdes.specific(AccountOpened.class, new InMemorySchemaRegistry()).serializer().serialize("t", event);
        body[1] = (byte) (id >>> 24);
        body[2] = (byte) (id >>> 16);
        body[3] = (byte) (id >>> 8);
        body[4] = (byte) id;
        return body;
    }
}
