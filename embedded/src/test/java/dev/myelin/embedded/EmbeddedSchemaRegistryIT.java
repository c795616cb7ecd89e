package dev.myelin.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.internal.FreePorts;

@MyelinSchemaRegistry
class EmbeddedSchemaRegistryIT {

    private static final String ACCOUNT_V1 = "{\"type\":\"record\",\"name\":\"Account\",\"namespace\":\"bank\","
            + "\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}";
    private static final String ACCOUNT_V2_WITH_DEFAULT = "{\"type\":\"record\",\"name\":\"Account\",\"namespace\":\"bank\","
            + "\"fields\":[{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"owner\",\"type\":\"string\",\"default\":\"\"}]}";
    private static final String ACCOUNT_V2_WITHOUT_DEFAULT = "{\"type\":\"record\",\"name\":\"Account\",\"namespace\":\"bank\","
            + "\"fields\":[{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"owner\",\"type\":\"string\"}]}";

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void urlIsTheConfluentCompatibleApiOnLoopback(EmbeddedSchemaRegistry registry) {
        assertThat(registry.url()).isEqualTo("http://127.0.0.1:" + registry.port() + "/apis/ccompat/v7");
        assertThat(ProcessHandle.of(registry.pid())).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
    }

    @Test
    void registersAnAvroSchemaAndReadsItBackById(EmbeddedSchemaRegistry registry) throws Exception {
        HttpResponse<String> registered = post(registry.url() + "/subjects/accounts-register/versions", schemaBody(ACCOUNT_V1));
        assertThat(registered.statusCode()).isEqualTo(200);
        int id = idOf(registered.body());

        HttpResponse<String> byId = get(registry.url() + "/schemas/ids/" + id);

        assertThat(byId.statusCode()).isEqualTo(200);
        assertThat(byId.body()).contains(jsonString(ACCOUNT_V1));
    }

    @Test
    void rejectsAnIncompatibleChangeWith409UnderBackward(EmbeddedSchemaRegistry registry) throws Exception {
        String versions = registry.url() + "/subjects/accounts-evolve/versions";
        assertThat(post(versions, schemaBody(ACCOUNT_V1)).statusCode()).isEqualTo(200);

        HttpResponse<String> incompatible = post(versions, schemaBody(ACCOUNT_V2_WITHOUT_DEFAULT));
        HttpResponse<String> compatible = post(versions, schemaBody(ACCOUNT_V2_WITH_DEFAULT));

        assertThat(incompatible.statusCode()).as(incompatible.body()).isEqualTo(409);
        assertThat(incompatible.body()).contains("owner");
        assertThat(compatible.statusCode()).as(compatible.body()).isEqualTo(200);
        assertThat(get(versions).body()).isEqualTo("[1,2]");
    }

    @Test
    void reportsItsGlobalCompatibilityThroughTheConfigApi(EmbeddedSchemaRegistry registry) throws Exception {
        HttpResponse<String> config = get(registry.url() + "/config");

        assertThat(config.statusCode()).isEqualTo(200);
        assertThat(config.body()).contains("\"BACKWARD\"");
    }

    @Test
    void keepsTheIdOfASchemaResentWithDifferentWhitespace(EmbeddedSchemaRegistry registry) throws Exception {
        String versions = registry.url() + "/subjects/accounts-canonical/versions";
        int first = idOf(post(versions, schemaBody(ACCOUNT_V1)).body());

        HttpResponse<String> again = post(versions, schemaBody(ACCOUNT_V1.replace(",", ",\n  ").replace(":", " : ")));

        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(idOf(again.body())).isEqualTo(first);
        assertThat(get(versions).body()).isEqualTo("[1]");
    }

    @Test
    void acceptsNoConnectionsOnOtherInterfaces(EmbeddedSchemaRegistry registry) throws Exception {
        Optional<InetAddress> external = firstNonLoopbackAddress();
        assumeThat(external).as("a non-loopback IPv4 address on this machine").isPresent();

        try (Socket socket = new Socket()) {
            assertThatThrownBy(() -> socket.connect(new InetSocketAddress(external.get(), registry.port()), 2000))
                    .isInstanceOf(ConnectException.class);
        }
    }

    @Test
    void closeStopsTheProcessFreesThePortAndCanBeRepeated() throws Exception {
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder().compatibility("FULL").start();
        long pid = registry.pid();
        int port = registry.port();
        try {
            assertThat(get(registry.url() + "/config").body()).contains("\"FULL\"");
            assertThat(FreePorts.isFree(port)).isFalse();
        } finally {
            registry.close();
        }

        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(FreePorts.isFree(port)).isTrue();
        registry.close();
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
    }

    @Test
    void leavesNoServerBehindWhenTheJvmThatStartedItIsKilled(@TempDir Path tmp) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process starter = new ProcessBuilder(java.toString(),
                "-cp", System.getProperty("java.class.path"),
                "-D" + ApicurioDistribution.PATH_PROPERTY + "=" + System.getProperty(ApicurioDistribution.PATH_PROPERTY, ""),
                "-Djava.io.tmpdir=" + tmp,
                RegistryInAnotherJvm.class.getName())
                .redirectErrorStream(true)
                .start();
        long registryPid = -1;
        try {
            registryPid = CompletableFuture.supplyAsync(() -> readPid(starter)).get(120, TimeUnit.SECONDS);
            ProcessHandle registry = ProcessHandle.of(registryPid).orElseThrow();
            assertThat(registry.isAlive()).isTrue();

            starter.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

            registry.onExit().get(30, TimeUnit.SECONDS);
            assertThat(registry.isAlive()).isFalse();
        } finally {
            starter.destroyForcibly();
            if (registryPid > 0) {
                // Only if the test failed: the orphan is ours to clean up.
                ProcessHandle.of(registryPid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    private static long readPid(Process starter) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(starter.getInputStream(), StandardCharsets.UTF_8))) {
            StringBuilder seen = new StringBuilder();
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith(RegistryInAnotherJvm.PID_PREFIX)) {
                    return Long.parseLong(line.substring(RegistryInAnotherJvm.PID_PREFIX.length()).trim());
                }
                seen.append(line).append('\n');
            }
            throw new AssertionError("the other JVM ended without starting a registry:\n" + seen);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HttpResponse<String> post(String url, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String schemaBody(String schema) {
        return "{\"schema\":" + jsonString(schema) + "}";
    }

    private static String jsonString(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    private static int idOf(String registeredBody) {
        assertThat(registeredBody).matches("\\{\"id\":\\d+}");
        return Integer.parseInt(registeredBody.replaceAll("\\D", ""));
    }

    private static Optional<InetAddress> firstNonLoopbackAddress() throws SocketException {
        for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!network.isUp() || network.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(network.getInetAddresses())) {
                if (address instanceof Inet4Address) {
                    return Optional.of(address);
                }
            }
        }
        return Optional.empty();
    }
}
