package dev.myelin.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.myelin.application.Myelin;

/** The console's server on this machine, over an application that has started nothing (no broker needed). */
class MyelinConsoleTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesTheOverviewOnAFreeLoopbackPortUntilClosed() throws Exception {
        Myelin app = Myelin.application("empty").build();
        MyelinConsole console = MyelinConsole.start(app);
        URI url = console.url();
        try {
            assertThat(url.toString()).matches("http://127\\.0\\.0\\.1:\\d+/");
            HttpResponse<String> overview = http.send(HttpRequest.newBuilder(url.resolve("api/overview")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(overview.statusCode()).isEqualTo(200);
            assertThat(overview.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
            assertThat(overview.body()).isEqualTo("{\"application\":\"empty\",\"eventStores\":[],\"projections\":[],\"sagas\":[]}");
        } finally {
            console.close();
            console.close();
        }
        assertThatThrownBy(() -> http.send(HttpRequest.newBuilder(url.resolve("api/overview")).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
    }

    @Test
    void refusesARequestAddressedToAnotherHost() throws Exception {
        try (MyelinConsole console = MyelinConsole.start(Myelin.application("empty").build());
             Socket socket = new Socket(console.url().getHost(), console.url().getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write("GET /api/overview HTTP/1.1\r\nHost: rebound.example:80\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 421").contains("localhost or 127.0.0.1 only").doesNotContain("eventStores");
        }
    }

    @Test
    void optionsDefaultToALoopbackAddressAndAFreePort() {
        assertThat(ConsoleOptions.defaults().host()).isEqualTo("127.0.0.1");
        assertThat(ConsoleOptions.defaults().port()).isZero();
        ConsoleOptions options = ConsoleOptions.builder().host(" localhost ").port(8086).build();
        assertThat(options.host()).isEqualTo("localhost");
        assertThat(options.port()).isEqualTo(8086);
    }

    @Test
    void optionsRefuseABadPortABlankHostAndASettingGivenTwice() {
        assertThatThrownBy(() -> ConsoleOptions.builder().port(65_536)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65535");
        assertThatThrownBy(() -> ConsoleOptions.builder().port(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ConsoleOptions.builder().host(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ConsoleOptions.builder().port(1).port(2)).isInstanceOf(IllegalStateException.class).hasMessageContaining("port");
        assertThatThrownBy(() -> ConsoleOptions.builder().host("a").host("b")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anActionOverHttpIsRefusedWithoutATokenAndNeedsTheBearerWithOne() throws Exception {
        String redrive = "api/projections/none/dead-letters/redrive?all=true";
        try (MyelinConsole readOnly = MyelinConsole.start(Myelin.application("empty").build());
             MyelinConsole withToken = MyelinConsole.start(Myelin.application("empty").build(),
                     ConsoleOptions.builder().accessToken("0123456789abcdef-token").build())) {
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(readOnly.url().resolve(redrive))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(withToken.url().resolve(redrive))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> bearer = http.send(HttpRequest.newBuilder(withToken.url().resolve(redrive))
                    .header("Authorization", "Bearer 0123456789abcdef-token")
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(refused.body()).contains("read-only").contains("myelin.console.access-token");
            assertThat(anonymous.statusCode()).isEqualTo(401);
            // past the token check: the projection does not exist
            assertThat(bearer.statusCode()).as(bearer.body()).isEqualTo(404);
        }
    }

    @Test
    void anAccessTokenMustBeLongAndPrintableIsSetOnceAndIsNeverShown() {
        assertThatThrownBy(() -> ConsoleOptions.builder().accessToken("short")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("16").hasMessageNotContaining("short");
        assertThatThrownBy(() -> ConsoleOptions.builder().accessToken("with a space in it!")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ConsoleOptions.builder().accessToken("0123456789abcdef").accessToken("fedcba9876543210"))
                .isInstanceOf(IllegalStateException.class).hasMessageNotContaining("0123456789abcdef");

        ConsoleOptions options = ConsoleOptions.builder().accessToken("0123456789abcdef").build();

        assertThat(options.actionsEnabled()).isTrue();
        assertThat(options.toString()).doesNotContain("0123456789abcdef").contains("access token");
        assertThat(ConsoleOptions.defaults().actionsEnabled()).isFalse();
        assertThat(ConsoleOptions.defaults().toString()).contains("read-only");
    }

    @Test
    void masksAreNamedPayloadsOrFieldsOfNamedPayloads() {
        ConsoleOptions options = ConsoleOptions.builder().maskPayloads("shop.payment.events").maskFields("customer", "name", "email").build();

        assertThat(options.maskedPayloads()).containsExactly("shop.payment.events");
        assertThat(options.maskedFields()).containsEntry("customer", Set.of("name", "email"));
        assertThatThrownBy(() -> ConsoleOptions.builder().maskFields("customer")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ConsoleOptions.builder().maskPayloads(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void optionsAreReadFromMyelinConsoleProperties() {
        ConsoleOptions options = ConsoleOptions.fromProperties(Map.of(
                "myelin.console.port", "8086",
                "myelin.console.access-token", "0123456789abcdef",
                "myelin.console.mask.payloads", "shop.payment.events, Card",
                "myelin.console.mask.fields.customer", "name,email",
                "bootstrap.servers", "elsewhere:9092"));

        assertThat(options.port()).isEqualTo(8086);
        assertThat(options.host()).isEqualTo("127.0.0.1");
        assertThat(options.actionsEnabled()).isTrue();
        assertThat(options.maskedPayloads()).containsExactlyInAnyOrder("shop.payment.events", "Card");
        assertThat(options.maskedFields()).containsEntry("customer", Set.of("name", "email"));
        assertThatThrownBy(() -> ConsoleOptions.fromProperties(Map.of("myelin.console.port", "eighty")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("myelin.console.port");
    }
}
