package dev.myelin.processors.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.myelin.processors.ViewEntry;
import dev.myelin.processors.ViewQuery;
import dev.myelin.processors.ViewUnavailableException;

/** The HTTP side of routed queries: what an instance answers for the keys it owns, and for others. */
class QueryHandlerTest {

    private static final String PATH = "/myelin/views/bank.balances.v1";

    private final Map<String, String> views = Map.of("acc-1", "12");
    private boolean available = true;
    private final ViewQuery<String, String> local = new ViewQuery<>() {
        @Override
        public Optional<String> get(String key) {
            if (!available) {
                throw new ViewUnavailableException("restoring", null);
            }
            return Optional.ofNullable(views.get(key));
        }

        @Override
        public List<ViewEntry<String, String>> range(String from, String to) {
            return List.of();
        }

        @Override
        public List<ViewEntry<String, String>> all() {
            return List.of();
        }

        @Override
        public long approximateCount() {
            return views.size();
        }
    };
    private final QueryServer server = QueryServer.acquire("127.0.0.1", 0);
    private final HttpClient client = HttpClient.newHttpClient();

    QueryHandlerTest() {
        server.register(PATH, RoutedViewQuery.handler(local, key -> !key.equals("acc-elsewhere"), Serdes.String(),
                Serdes.String(), "balances-view"));
    }

    @AfterEach
    void close() {
        server.release(PATH);
    }

    private HttpResponse<String> ask(String rawQuery) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.port() + PATH + rawQuery);
        return client.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String key(String key) {
        return "?key=" + Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void answersTheViewOfAnOwnedKey() throws Exception {
        HttpResponse<String> response = ask(key("acc-1"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("12");
    }

    @Test
    void answersNotFoundForAnOwnedKeyWithoutView() throws Exception {
        assertThat(ask(key("acc-2")).statusCode()).isEqualTo(404);
    }

    @Test
    void answersUnavailableForAKeyItDoesNotOwnRatherThanNotFound() throws Exception {
        assertThat(ask(key("acc-elsewhere")).statusCode()).isEqualTo(503);
    }

    @Test
    void answersUnavailableWhileTheStoreCannotBeRead() throws Exception {
        available = false;

        assertThat(ask(key("acc-1")).statusCode()).isEqualTo(503);
    }

    @Test
    void rejectsARequestWithoutAKey() throws Exception {
        assertThat(ask("").statusCode()).isEqualTo(400);
        assertThat(ask("?key=not*base64").statusCode()).isEqualTo(400);
    }
}
