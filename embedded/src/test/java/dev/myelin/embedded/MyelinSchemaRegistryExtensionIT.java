package dev.myelin.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@MyelinSchemaRegistry(compatibility = "FORWARD")
class MyelinSchemaRegistryExtensionIT {

    private static EmbeddedSchemaRegistry fromBeforeAll;
    private final EmbeddedSchemaRegistry fromConstructor;

    MyelinSchemaRegistryExtensionIT(EmbeddedSchemaRegistry registry) {
        this.fromConstructor = registry;
    }

    @BeforeAll
    static void remember(EmbeddedSchemaRegistry registry) {
        fromBeforeAll = registry;
    }

    @Test
    void injectsOneRegistryIntoConstructorsLifecycleMethodsAndTests(EmbeddedSchemaRegistry registry) {
        assertThat(registry).isSameAs(fromConstructor).isSameAs(fromBeforeAll);
        assertThat(ProcessHandle.of(registry.pid())).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
    }

    @Test
    void startsTheRegistryWithTheAnnotationsCompatibility(EmbeddedSchemaRegistry registry) throws Exception {
        HttpResponse<String> config = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(registry.url() + "/config")).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(config.body()).contains("\"FORWARD\"");
    }

    @Nested
    class NestedTests {
        @Test
        void shareTheOuterClassRegistry(EmbeddedSchemaRegistry registry) {
            assertThat(registry).isSameAs(fromBeforeAll);
        }
    }
}
