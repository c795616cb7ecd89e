package dev.myelin.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.avro.Schema;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.myelin.schemas.StubRegistry.Response;
import dev.myelin.schemas.internal.HttpSchemaRegistry;
import dev.myelin.schemas.testing.AccountOpened;

/**
 * How the HTTP client classifies each kind of registry fault: transient faults are retried and end
 * in {@link SchemaRegistryUnavailableException}, refused credentials in
 * {@link SchemaRegistryAccessDeniedException}, and only the registry's own JSON error stays a
 * permanent answer such as {@link SchemaNotFoundException}.
 */
class HttpSchemaRegistryFaultsTest {

    private static final Schema SCHEMA = AccountOpened.getClassSchema();
    private static final String SCHEMA_1 = "/schemas/ids/1";

    private StubRegistry stub;

    @BeforeEach
    void start() throws Exception {
        stub = new StubRegistry();
    }

    @AfterEach
    void stop() {
        stub.close();
    }

    /** Three attempts, 1 ms apart. */
    private SchemaRegistry client() {
        return stub.client();
    }

    @Test
    void a_refused_connection_is_retried_then_registry_unavailable() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        SchemaRegistry registry = SchemaRegistry.connect(SchemaRegistryConfig.builder().url("http://127.0.0.1:" + port)
                .retries(2).retryBackoff(Duration.ofMillis(1)).build());

        assertThatThrownBy(() -> registry.schemaById(1)).isExactlyInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("could not be reached").hasMessageContaining("3 attempts")
                .hasCauseInstanceOf(ConnectException.class);
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {500, 502, 503, 504, 408, 429})
    void a_transient_status_is_retried_then_registry_unavailable(int status) {
        stub.on("GET " + SCHEMA_1, status, "{\"error_code\":" + status + ",\"message\":\"try later\"}");

        assertThatThrownBy(() -> client().schemaById(1))
                .isExactlyInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("HTTP " + status + " on all 3 attempts")
                .satisfies(e -> assertThat(((SchemaRegistryException) e).httpStatus()).hasValue(status));
        assertThat(stub.count("GET", SCHEMA_1)).isEqualTo(3);
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {408, 429})
    void a_transient_client_status_is_retried_until_an_answer_comes(int status) {
        stub.on("GET " + SCHEMA_1, new Response(status, ""), new Response(200, StubRegistry.schemaJson(SCHEMA)));

        assertThat(client().schemaById(1)).isEqualTo(SCHEMA);
        assertThat(stub.count("GET", SCHEMA_1)).isEqualTo(2);
    }

    @Test
    void retry_after_in_seconds_is_honoured() {
        stub.on("GET " + SCHEMA_1, new Response(429, "").withHeader("Retry-After", "1"),
                new Response(200, StubRegistry.schemaJson(SCHEMA)));
        SchemaRegistry registry = stub.client(SchemaRegistryConfig.builder().url(stub.url())
                .retryBackoff(Duration.ofMillis(1)).retryBackoffMax(Duration.ofSeconds(5)));

        assertThat(registry.schemaById(1)).isEqualTo(SCHEMA);
        assertThat(gapBetweenFirstTwoRequests()).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void retry_after_as_an_http_date_is_honoured() {
        String inThreeSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(3));
        stub.on("GET " + SCHEMA_1, new Response(503, "").withHeader("Retry-After", inThreeSeconds),
                new Response(200, StubRegistry.schemaJson(SCHEMA)));
        SchemaRegistry registry = stub.client(SchemaRegistryConfig.builder().url(stub.url())
                .retryBackoff(Duration.ofMillis(1)).retryBackoffMax(Duration.ofSeconds(5)));

        assertThat(registry.schemaById(1)).isEqualTo(SCHEMA);
        // The date has whole seconds, so the wait is between two and three seconds.
        assertThat(gapBetweenFirstTwoRequests()).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void retry_after_is_capped_by_the_longest_backoff() {
        stub.on("GET " + SCHEMA_1, new Response(503, "").withHeader("Retry-After", "3600"),
                new Response(200, StubRegistry.schemaJson(SCHEMA)));
        SchemaRegistry registry = stub.client(SchemaRegistryConfig.builder().url(stub.url())
                .retryBackoff(Duration.ofMillis(1)).retryBackoffMax(Duration.ofMillis(50)));

        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThat(registry.schemaById(1)).isEqualTo(SCHEMA));
        assertThat(gapBetweenFirstTwoRequests()).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void retry_after_beyond_the_deadline_ends_the_call_at_once() {
        stub.on("GET " + SCHEMA_1, new Response(503, "").withHeader("Retry-After", "3600"));
        SchemaRegistry registry = stub.client(SchemaRegistryConfig.builder().url(stub.url()).retries(10)
                .retryBackoffMax(Duration.ofMinutes(5)).requestDeadline(Duration.ofSeconds(30)));

        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThatThrownBy(() -> registry.schemaById(1))
                .isExactlyInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("HTTP 503").hasMessageContaining("deadline"));
        assertThat(stub.count("GET", SCHEMA_1)).isEqualTo(1);
    }

    @Test
    void an_html_404_from_a_proxy_is_unavailable_not_schema_not_found() {
        stub.on("GET " + SCHEMA_1, Response.html(404));

        assertThatThrownBy(() -> client().schemaById(1)).isExactlyInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("HTTP 404").hasMessageContaining("not the registry's JSON")
                .satisfies(e -> assertThat(((SchemaRegistryException) e).httpStatus()).hasValue(404));
        assertThat(stub.count("GET", SCHEMA_1)).isEqualTo(3);
    }

    @Test
    void a_404_without_a_body_is_unavailable_not_subject_not_found() {
        stub.on("GET /subjects/s/versions/latest", 404, "");

        assertThatThrownBy(() -> client().latest("s")).isExactlyInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("HTTP 404");
    }

    @Test
    void a_json_404_that_is_not_the_registry_error_body_is_unavailable() {
        // What an API gateway says when no route matches: JSON, but no registry error code.
        stub.on("GET /subjects/s/versions/latest", 404, "{\"message\":\"no Route matched with those values\"}");

        assertThatThrownBy(() -> client().latest("s")).isExactlyInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("no Route matched");
    }

    @Test
    void an_html_page_with_status_200_is_unavailable() {
        stub.on("GET " + SCHEMA_1, Response.html(200));

        assertThatThrownBy(() -> client().schemaById(1)).isExactlyInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("not the registry's JSON");
        assertThat(stub.count("GET", SCHEMA_1)).isEqualTo(3);
    }

    @Test
    void json_of_another_shape_with_status_200_is_unavailable() {
        stub.on("GET " + SCHEMA_1, 200, "{\"status\":\"UP\"}")
                .on("POST /subjects/s/versions", 200, "{\"status\":\"UP\"}");

        assertThatThrownBy(() -> client().schemaById(1)).isExactlyInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("'schema'");
        assertThatThrownBy(() -> client().register("s", SCHEMA)).isExactlyInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("'id'");
    }

    @Test
    void a_proxy_page_is_not_taken_for_a_missing_schema_by_lookup_or_compatibility() {
        stub.on("POST /subjects/s", Response.html(404)).on("GET /config/s", Response.html(404))
                .on("POST /compatibility/subjects/s/versions/latest?verbose=true", Response.html(404));
        SchemaRegistry registry = client();

        assertThatThrownBy(() -> registry.lookup("s", SCHEMA)).isExactlyInstanceOf(SchemaRegistryUnavailableException.class);
        assertThatThrownBy(() -> registry.compatibility("s")).isExactlyInstanceOf(SchemaRegistryUnavailableException.class);
        assertThatThrownBy(() -> registry.testCompatibility("s", SCHEMA))
                .isExactlyInstanceOf(SchemaRegistryUnavailableException.class);
    }

    @Test
    void a_404_with_the_registry_json_error_stays_permanent_and_is_not_retried() {
        stub.on("GET " + SCHEMA_1, 404, "{\"error_code\":40403,\"message\":\"Schema 1 not found\"}")
                .on("GET /subjects/s/versions/latest", 404, "{\"error_code\":40401,\"message\":\"Subject 's' not found.\"}")
                .on("GET /subjects/t/versions/latest", 404, "{\"error_code\":404,\"message\":\"No artifact with ID 't'\"}");
        SchemaRegistry registry = client();

        assertThatThrownBy(() -> registry.schemaById(1)).isExactlyInstanceOf(SchemaNotFoundException.class)
                .hasMessageContaining("Schema 1 not found");
        assertThatThrownBy(() -> registry.latest("s")).isExactlyInstanceOf(SubjectNotFoundException.class);
        assertThatThrownBy(() -> registry.latest("t")).isExactlyInstanceOf(SubjectNotFoundException.class);
        assertThat(stub.requests()).hasSize(3);
    }

    @ParameterizedTest(name = "HTTP {0}")
    @ValueSource(ints = {401, 403})
    void refused_credentials_are_access_denied_held_not_retried_and_name_the_settings(int status) {
        stub.on("GET " + SCHEMA_1, status, "{\"error_code\":" + status + ",\"message\":\"denied\"}")
                .on("GET /subjects", Response.html(status));
        SchemaRegistry registry = client();

        for (Runnable call : List.<Runnable>of(() -> registry.schemaById(1), registry::subjects)) {
            assertThatThrownBy(call::run).isExactlyInstanceOf(SchemaRegistryAccessDeniedException.class)
                    .isInstanceOf(SchemaRegistryUnavailableException.class)
                    .hasMessageContaining("HTTP " + status)
                    .hasMessageContaining("check the registry credentials")
                    .hasMessageContaining(SchemaRegistryConfig.BASIC_AUTH_USER_INFO)
                    .hasMessageContaining(SchemaRegistryConfig.BEARER_TOKEN)
                    .satisfies(e -> assertThat(((SchemaRegistryException) e).httpStatus()).hasValue(status));
        }
        assertThat(stub.requests()).hasSize(2);
    }

    @Test
    void access_denied_is_logged_at_error_once_per_client_not_once_per_record() {
        stub.on("GET /schemas/ids/1", 401, "{\"error_code\":401,\"message\":\"Unauthorized\"}");
        for (int id = 2; id <= 20; id++) {
            stub.on("GET /schemas/ids/" + id, 401, "{\"error_code\":401,\"message\":\"Unauthorized\"}");
        }
        List<LogEvent> errors = new CopyOnWriteArrayList<>();
        Logger logger = (Logger) ((LoggerContext) LogManager.getContext(false)).getLogger(HttpSchemaRegistry.class.getName());
        AbstractAppender capture = new AbstractAppender("capture-" + System.nanoTime(), null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                if (event.getLevel() == Level.ERROR) {
                    errors.add(event.toImmutable());
                }
            }
        };
        capture.start();
        logger.addAppender(capture);
        try {
            SchemaRegistry one = client();
            SchemaRegistry another = client();
            for (int id = 1; id <= 20; id++) {
                int schemaId = id;
                assertThatThrownBy(() -> one.schemaById(schemaId)).isInstanceOf(SchemaRegistryAccessDeniedException.class);
            }
            assertThat(errors).hasSize(1);
            assertThat(errors.get(0).getMessage().getFormattedMessage()).contains("HTTP 401")
                    .contains(SchemaRegistryConfig.BASIC_AUTH_USER_INFO);

            assertThatThrownBy(() -> another.schemaById(1)).isInstanceOf(SchemaRegistryAccessDeniedException.class);
            assertThat(errors).hasSize(2);
        } finally {
            logger.removeAppender(capture);
            capture.stop();
        }
    }

    @Test
    void a_redirect_is_held_as_unavailable_and_not_followed() {
        stub.on("GET " + SCHEMA_1, new Response(307, "").withHeader("Location", "https://elsewhere.example.com/schemas/ids/1"));

        assertThatThrownBy(() -> client().schemaById(1)).isExactlyInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("HTTP 307").hasMessageContaining(SchemaRegistryConfig.URL);
        assertThat(stub.requests()).hasSize(1);
    }

    @Test
    void the_deadline_bounds_a_call_to_a_registry_that_never_answers() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            SchemaRegistry registry = SchemaRegistry.connect(SchemaRegistryConfig.builder()
                    .url("http://127.0.0.1:" + silent.getLocalPort()).requestTimeout(Duration.ofSeconds(5)).retries(100)
                    .retryBackoff(Duration.ofMillis(1)).requestDeadline(Duration.ofMillis(400)).build());

            long start = System.nanoTime();
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThatThrownBy(() -> registry.schemaById(1))
                    .isExactlyInstanceOf(SchemaRegistryUnavailableException.class)
                    .hasMessageContaining("deadline of 400 ms").hasMessageContaining(SchemaRegistryConfig.REQUEST_DEADLINE_MS));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(350), Duration.ofSeconds(3));
        }
    }

    @Test
    void the_deadline_bounds_the_retries_of_server_errors() {
        stub.on("GET " + SCHEMA_1, 503, "{\"error_code\":50301,\"message\":\"rebuilding\"}");
        SchemaRegistry registry = stub.client(SchemaRegistryConfig.builder().url(stub.url()).retries(100)
                .retryBackoff(Duration.ofMillis(100)).retryBackoffMax(Duration.ofMillis(100))
                .requestDeadline(Duration.ofMillis(500)));

        long start = System.nanoTime();
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThatThrownBy(() -> registry.schemaById(1))
                .isExactlyInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("HTTP 503").hasMessageContaining("rebuilding").hasMessageContaining("deadline of 500 ms")
                .satisfies(e -> assertThat(((SchemaRegistryException) e).httpStatus()).hasValue(503)));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(stub.count("GET", SCHEMA_1)).isBetween(2L, 6L);
    }

    @Test
    void a_deadline_too_short_for_any_attempt_still_ends_in_registry_unavailable() {
        stub.on("GET " + SCHEMA_1, 200, StubRegistry.schemaJson(SCHEMA));
        SchemaRegistry registry = stub.client(SchemaRegistryConfig.builder().url(stub.url())
                .requestDeadline(Duration.ofNanos(1)));

        assertThatThrownBy(() -> registry.schemaById(1)).isExactlyInstanceOf(SchemaRegistryUnavailableException.class)
                .hasMessageContaining("deadline of 0 ms");
    }

    private Duration gapBetweenFirstTwoRequests() {
        List<StubRegistry.Request> requests = stub.requests();
        assertThat(requests).hasSizeGreaterThanOrEqualTo(2);
        return Duration.ofNanos(requests.get(1).receivedNanos() - requests.get(0).receivedNanos());
    }
}
