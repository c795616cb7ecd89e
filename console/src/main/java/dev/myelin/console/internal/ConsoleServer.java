package dev.myelin.console.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The JDK's HTTP server in front of {@link ConsoleApi}: a few daemon threads, one handler. On a
 * loopback address it answers only requests addressed to a loopback host, so that a web page whose
 * name is made to resolve to 127.0.0.1 (DNS rebinding) cannot read the console.
 */
public final class ConsoleServer implements AutoCloseable {
    private static final int THREADS = 4;

    private final HttpServer server;
    private final ExecutorService executor;
    /** The live views' streams, or null. */
    private final LiveViews live;
    private final URI url;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ConsoleServer(HttpServer server, ExecutorService executor, LiveViews live, URI url) {
        this.server = server;
        this.live = live;
        this.executor = executor;
        this.url = url;
    }

    /**
     * Binds and starts serving {@code api}.
     *
     * @param api  the routes
     * @param host the host to bind to
     * @param port the port, 0 for a free one
     * @return the running server
     * @throws UncheckedIOException if the address cannot be bound
     */
    public static ConsoleServer start(ConsoleApi api, String host, int port) {
        return start(api, null, host, port);
    }

    /**
     * Binds and starts serving {@code api}, and the live views' event streams when {@code live} is given.
     *
     * @param api  the routes
     * @param live the live views, or null for none
     * @param host the host to bind to
     * @param port the port, 0 for a free one
     * @return the running server
     * @throws UncheckedIOException if the address cannot be bound
     */
    public static ConsoleServer start(ConsoleApi api, LiveViews live, String host, int port) {
        HttpServer server;
        InetSocketAddress address = new InetSocketAddress(host, port);
        try {
            server = HttpServer.create(address, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("the console cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        InetAddress bound = server.getAddress().getAddress();
        boolean loopback = bound.isLoopbackAddress();
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread thread = new Thread(r, "myelin-console-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            List<String> path = ConsoleApi.segments(exchange.getRequestURI().getRawPath());
            String hostHeader = exchange.getRequestHeaders().getFirst("Host");
            if (live != null && LiveViews.isLive(path) && (!loopback || loopbackHost(hostHeader == null ? "" : hostHeader))) {
                // a stream outlives this call: written from its subscription's thread, closed when the client goes
                live.open(exchange, path, ConsoleApi.Request.parseQuery(exchange.getRequestURI().getRawQuery()));
            } else {
                serve(api, exchange, loopback);
            }
        });
        server.start();
        String shownHost = bound.isAnyLocalAddress() ? "localhost" : host.contains(":") ? "[" + host + "]" : host;
        return new ConsoleServer(server, executor, live, URI.create("http://" + shownHost + ":" + server.getAddress().getPort() + "/"));
    }

    /**
     * Returns where the console is.
     *
     * @return its url
     */
    public URI url() {
        return url;
    }

    private static void serve(ConsoleApi api, HttpExchange exchange, boolean loopback) throws IOException {
        try (exchange) {
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!values.isEmpty()) {
                    headers.put(name.toLowerCase(Locale.ROOT), values.get(0));
                }
            });
            ConsoleApi.Response response;
            if (loopback && !loopbackHost(headers.getOrDefault("host", ""))) {
                response = new ConsoleApi.Response(421, "text/plain; charset=utf-8",
                        "this console answers requests to localhost or 127.0.0.1 only".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } else {
                URI uri = exchange.getRequestURI();
                response = api.handle(new ConsoleApi.Request(exchange.getRequestMethod().toUpperCase(Locale.ROOT), uri.getRawPath(),
                        ConsoleApi.Request.parseQuery(uri.getRawQuery()), headers));
            }
            exchange.getResponseHeaders().put("Content-Type", List.of(response.contentType()));
            exchange.getResponseHeaders().put("Cache-Control", List.of("no-store"));
            exchange.getResponseHeaders().put("X-Content-Type-Options", List.of("nosniff"));
            exchange.sendResponseHeaders(response.status(), response.body().length == 0 ? -1 : response.body().length);
            if (response.body().length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(response.body());
                }
            }
        }
    }

    /** Whether a Host header names this machine's loopback interface. */
    static boolean loopbackHost(String hostHeader) {
        String host = hostHeader.trim().toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            host = end < 0 ? host : host.substring(1, end);
        } else if (host.indexOf(':') >= 0) {
            host = host.substring(0, host.indexOf(':'));
        }
        return host.equals("localhost") || host.equals("::1") || host.startsWith("127.");
    }

    /** Stops serving at once and ends the threads; idempotent. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        if (live != null) {
            live.close();
        }
        server.stop(0);
        executor.shutdownNow();
    }
}
