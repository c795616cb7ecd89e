package dev.myelin.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.Test;

class SchemaRegistryConfigTest {

    private static final String URL = "http://127.0.0.1:8081/apis/ccompat/v7";

    @Test
    void defaults_apply_when_only_the_url_is_set() {
        SchemaRegistryConfig config = SchemaRegistryConfig.builder().url(URL + "/").build();

        assertThat(config.url()).hasToString(URL);
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.requestDeadline()).isEqualTo(Duration.ofSeconds(4));
        assertThat(config.retries()).isEqualTo(3);
        assertThat(config.retryBackoff()).isEqualTo(Duration.ofMillis(100));
        assertThat(config.retryBackoffMax()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.latestCacheTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.sslContext()).isEmpty();
    }

    @Test
    void each_setting_may_be_set_only_once() {
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().url(URL).url(URL))
                .isInstanceOf(IllegalStateException.class).hasMessage("url was already set to " + URL);
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().retries(1).retries(2))
                .isInstanceOf(IllegalStateException.class).hasMessage("retries was already set to 1");
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().requestTimeout(Duration.ofSeconds(1)).requestTimeout(Duration.ofSeconds(1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("requestTimeout was already set");
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().connectTimeout(Duration.ofSeconds(1)).connectTimeout(Duration.ofSeconds(1)))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().requestDeadline(Duration.ofSeconds(1)).requestDeadline(Duration.ofSeconds(2)))
                .isInstanceOf(IllegalStateException.class).hasMessage("requestDeadline was already set to PT1S");
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().retryBackoff(Duration.ZERO).retryBackoff(Duration.ZERO))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().retryBackoffMax(Duration.ZERO).retryBackoffMax(Duration.ZERO))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().latestCacheTtl(Duration.ZERO).latestCacheTtl(Duration.ZERO))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().basicAuth("u", "secret-1").basicAuth("u", "secret-2"))
                .isInstanceOf(IllegalStateException.class).message().doesNotContain("secret");
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().bearerToken("tok-1").bearerToken("tok-2"))
                .isInstanceOf(IllegalStateException.class).message().doesNotContain("tok-");
    }

    @Test
    void bad_values_are_refused_at_once() {
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().retries(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("retries must be between 0 and 100: -1");
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().requestTimeout(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requestTimeout must be positive");
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().connectTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connectTimeout must be positive");
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().requestDeadline(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("requestDeadline must be positive");
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().retryBackoff(Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().latestCacheTtl(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().url("ftp://host/x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http or https");
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().url("http://host/x?y=1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("query");
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().basicAuth("", "pw"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().bearerToken(" "))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_url_with_credentials_is_refused_without_echoing_them() {
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().url("https://svc:hunter2@registry.example.com"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not carry credentials")
                .message().doesNotContain("hunter2");
    }

    @Test
    void build_checks_rules_that_span_settings_and_leaves_the_builder_reusable() {
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("url is required");
        SchemaRegistryConfig.Builder both = SchemaRegistryConfig.builder().url(URL).basicAuth("u", "p").bearerToken("t");
        assertThatThrownBy(both::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("not both");
        assertThatThrownBy(() -> SchemaRegistryConfig.builder().url(URL).retryBackoff(Duration.ofSeconds(3))
                .retryBackoffMax(Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("exceeds retryBackoffMax");

        SchemaRegistryConfig.Builder builder = SchemaRegistryConfig.builder().url(URL);
        assertThat(builder.build().url()).isEqualTo(builder.build().url());
    }

    @Test
    void properties_with_the_prefix_configure_everything_and_other_keys_are_ignored() throws Exception {
        SSLContext tls = SSLContext.getDefault();
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", "localhost:9092");
        props.put("myelin.schema.registry.url", URL);
        props.put("myelin.schema.registry.basic.auth.user.info", "svc:pa:ss");
        props.put("myelin.schema.registry.timeout.ms", "2500");
        props.put("myelin.schema.registry.connect.timeout.ms", 700);
        props.put("myelin.schema.registry.request.deadline.ms", "6000");
        props.put("myelin.schema.registry.retries", 5);
        props.put("myelin.schema.registry.retry.backoff.ms", "10");
        props.put("myelin.schema.registry.retry.backoff.max.ms", "80");
        props.put("myelin.schema.registry.latest.cache.ttl.ms", "0");
        props.put("myelin.schema.registry.ssl.context", tls);

        SchemaRegistryConfig config = SchemaRegistryConfig.fromProperties(props);

        assertThat(config.url()).hasToString(URL);
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofMillis(700));
        assertThat(config.requestDeadline()).isEqualTo(Duration.ofSeconds(6));
        assertThat(SchemaRegistryConfig.REQUEST_DEADLINE_MS).isEqualTo("myelin.schema.registry.request.deadline.ms");
        assertThat(config.retries()).isEqualTo(5);
        assertThat(config.retryBackoff()).isEqualTo(Duration.ofMillis(10));
        assertThat(config.retryBackoffMax()).isEqualTo(Duration.ofMillis(80));
        assertThat(config.latestCacheTtl()).isZero();
        assertThat(config.sslContext()).containsSame(tls);
        assertThat(config.toString()).contains("basic (hidden)").doesNotContain("pa:ss");
    }

    @Test
    void unknown_or_malformed_properties_are_refused() {
        assertThatThrownBy(() -> SchemaRegistryConfig.fromProperties(Map.of("myelin.schema.registry.url", URL,
                "myelin.schema.registry.timeout", "5")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown schema registry property 'myelin.schema.registry.timeout'");
        assertThatThrownBy(() -> SchemaRegistryConfig.fromProperties(Map.of("myelin.schema.registry.url", URL,
                "myelin.schema.registry.retries", "many")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whole number");
        assertThatThrownBy(() -> SchemaRegistryConfig.fromProperties(Map.of("myelin.schema.registry.url", URL,
                "myelin.schema.registry.basic.auth.user.info", "no-colon-secret")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("user:password")
                .message().doesNotContain("no-colon-secret");
        assertThatThrownBy(() -> SchemaRegistryConfig.fromProperties(Map.of("myelin.schema.registry.url", URL,
                "myelin.schema.registry.ssl.context", "TLSv1.3")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SSLContext");
        assertThatThrownBy(() -> SchemaRegistryConfig.fromProperties(Map.of("bootstrap.servers", "x")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("url is required");
    }
}
