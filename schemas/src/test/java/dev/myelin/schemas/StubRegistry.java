package dev.myelin.schemas;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;

/**
 * A tiny scripted HTTP server standing in for a schema registry in error-path unit tests: each
 * "METHOD path" answers with queued responses (the last one repeats), and every request is recorded.
 */
final class StubRegistry implements AutoCloseable {

    record Request(String method, String path, String body, Map<String, List<String>> headers, long receivedNanos) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    record Response(int status, String body, String contentType, Map<String, String> headers) {
        Response(int status, String body) {
            this(status, body, "application/vnd.schemaregistry.v1+json", Map.of());
        }

        /** An HTML page, as a proxy or load balancer in front of the registry would send. */
        static Response html(int status) {
            return new Response(status, "<html><body><h1>" + status + "</h1>nginx</body></html>", "text/html", Map.of());
        }

        Response withHeader(String name, String value) {
            Map<String, String> all = new java.util.HashMap<>(headers);
            all.put(name, value);
            return new Response(status, body, contentType, Map.copyOf(all));
        }
    }

    private final HttpServer server;
    private final Map<String, Deque<Response>> script = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    StubRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String path = exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
            requests.add(new Request(exchange.getRequestMethod(), path, body, Map.copyOf(exchange.getRequestHeaders()),
                    System.nanoTime()));
            Deque<Response> queue = script.get(exchange.getRequestMethod() + " " + path);
            Response response;
            if (queue == null) {
                response = new Response(404, "{\"error_code\":404,\"message\":\"stub has no answer for "
                        + exchange.getRequestMethod() + " " + path + "\"}");
            } else {
                synchronized (queue) {
                    response = queue.size() > 1 ? queue.poll() : queue.peek();
                }
            }
            byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", response.contentType());
            response.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            exchange.sendResponseHeaders(response.status(), bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
    }

    /** Answers "METHOD path" with these responses in turn, repeating the last. */
    StubRegistry on(String methodAndPath, Response... responses) {
        script.put(methodAndPath, new ArrayDeque<>(List.of(responses)));
        return this;
    }

    StubRegistry on(String methodAndPath, int status, String body) {
        return on(methodAndPath, new Response(status, body));
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    long count(String method, String path) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().equals(path)).count();
    }

    SchemaRegistry client() {
        return client(SchemaRegistryConfig.builder().url(url()).retries(2).retryBackoff(java.time.Duration.ofMillis(1)));
    }

    SchemaRegistry client(SchemaRegistryConfig.Builder builder) {
        return SchemaRegistry.connect(builder.build());
    }

    static String schemaJson(org.apache.avro.Schema schema) {
        return "{\"schema\":" + quote(schema.toString()) + "}";
    }

    static String quote(String text) {
        return com.fasterxml.jackson.databind.node.TextNode.valueOf(text).toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
