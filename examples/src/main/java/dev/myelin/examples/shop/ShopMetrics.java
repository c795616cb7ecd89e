package dev.myelin.examples.shop;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The shop's meters: a Prometheus registry the whole application counts on, served for scraping at
 * {@code http://127.0.0.1:<free port>/metrics} while the demo runs, and the figures the summary reads
 * from it.
 *
 * <pre>{@code
 * try (ShopMetrics metrics = ShopMetrics.serve()) {
 *     Myelin shop = Myelin.application("shop").meterRegistry(metrics.registry())...build();
 *     System.out.println("Prometheus scrape endpoint " + metrics.url());
 * }
 * }</pre>
 */
public final class ShopMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry;
    private final HttpServer server;

    private ShopMetrics(PrometheusMeterRegistry registry, HttpServer server) {
        this.registry = registry;
        this.server = server;
    }

    /**
     * Creates the registry and serves it on the loopback interface, on a free port.
     *
     * @return the running endpoint
     * @throws IOException if no port can be bound
     */
    public static ShopMetrics serve() throws IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/metrics", exchange -> {
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return new ShopMetrics(registry, server);
    }

    /**
     * Returns the registry to hand to the application.
     *
     * @return the registry
     */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * Returns the scrape endpoint's URL.
     *
     * @return such as {@code http://127.0.0.1:41234/metrics}
     */
    public String url() {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort() + "/metrics";
    }

    /**
     * Returns a command counter summed over the aggregate types, such as {@code myelin.commands.accepted}.
     *
     * @param name the counter's name
     * @return the count
     */
    public long commands(String name) {
        return (long) registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    /**
     * Returns a saga counter of the place-order saga, such as {@code myelin.sagas.started}.
     *
     * @param name the counter's name
     * @return the count
     */
    public long sagas(String name) {
        return (long) registry.find(name).tag("saga", "place-order").counters().stream().mapToDouble(Counter::count).sum();
    }

    /**
     * Returns a percentile of the PlaceOrder round trip, from the order gateway's latency timer.
     *
     * @param percentile 0.5, 0.95 or 0.99, the ones Myelin publishes
     * @return the latency, zero when no command was timed
     */
    public Duration orderLatency(double percentile) {
        Timer timer = registry.find("myelin.commands.latency").tag("aggregate", "order").timer();
        if (timer == null) {
            return Duration.ZERO;
        }
        return Arrays.stream(timer.takeSnapshot().percentileValues()).filter(v -> v.percentile() == percentile).findFirst()
                .map(v -> Duration.ofNanos((long) v.value(TimeUnit.NANOSECONDS))).orElse(Duration.ZERO);
    }

    /** Stops serving; the registry keeps its meters. */
    @Override
    public void close() {
        server.stop(0);
    }
}
