package dev.myelin.examples.springbank;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import dev.myelin.embedded.Await;
import dev.myelin.spring.boot.test.MyelinSpringTest;

/**
 * The bank service end to end through its HTTP API, on an embedded broker and schema registry:
 * commands posted are accepted or refused, the account's state follows at once and its balance view
 * a moment later, and the actuator reports Myelin's health and topics.
 */
@MyelinSpringTest(classes = SpringBank.class, webEnvironment = WebEnvironment.RANDOM_PORT)
class SpringBankIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Value("${local.server.port}")
    int port;

    @Test
    void commandsPostedOverHttpShowInTheStateAndTheBalanceView() throws Exception {
        assertThat(post("/accounts/acc-1", "{\"owner\":\"ada\"}")).satisfies(r -> {
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"outcome\":\"accepted\"").contains("AccountOpened");
        });
        assertThat(post("/accounts/acc-1/deposits", "{\"amount\":100}").statusCode()).isEqualTo(200);
        assertThat(post("/accounts/acc-1/withdrawals", "{\"amount\":150}")).satisfies(r -> {
            assertThat(r.statusCode()).isEqualTo(409);
            assertThat(r.body()).contains("\"outcome\":\"rejected\"").contains("withdrawing 150 would overdraw balance 100");
        });
        assertThat(post("/accounts/acc-1/withdrawals", "{\"amount\":30}").statusCode()).isEqualTo(200);

        assertThat(get("/accounts/acc-1")).satisfies(r -> {
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"owner\":\"ada\"").contains("\"balance\":70").contains("\"version\":3");
        });
        Await.until(WAIT, "the balance view shows 70 after two movements",
                () -> get("/accounts/acc-1/balance").body().contains("\"balance\":70,\"movements\":2"));
        assertThat(get("/accounts/nobody").statusCode()).isEqualTo(404);
        assertThat(get("/accounts/nobody/balance").statusCode()).isEqualTo(404);
    }

    @Test
    void theActuatorReportsMyelinsHealthAndTopics() {
        Await.until(WAIT, "the health endpoint is UP", () -> get("/actuator/health").statusCode() == 200);
        assertThat(get("/actuator/health").body()).contains("\"myelin\"").contains("\"account\"").contains("\"account-balances\"");
        assertThat(get("/actuator/info").body()).contains("\"bank.account.events\"").contains("\"kafka\":\"4.4.0\"");
    }

    private HttpResponse<String> post(String path, String json) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET().build());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(HttpRequest.newBuilder(request, (name, value) -> true).timeout(WAIT).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
