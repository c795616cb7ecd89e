package dev.myelin.console.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import dev.myelin.processors.MyelinProjectionException;
import dev.myelin.processors.RunningProjection;
import dev.myelin.processors.ViewChange;
import dev.myelin.processors.ViewSubscription;
import dev.myelin.processors.ViewUnavailableException;

/**
 * Live views as server-sent events: {@code GET /api/projections/{name}/live?key=K} streams each
 * committed change of the view of {@code K} (every key without {@code key}) as an event {@code change}
 * whose data is JSON ({@code key}, {@code view}, {@code timestamp}, {@code missedBefore}); for one key
 * the first event, {@code current}, is the view as it is when the stream opens. The stream rides on a
 * {@code RunningProjection} subscription, so a browser that reads slowly loses the oldest changes (the
 * next change's {@code missedBefore} counts them), never slowing the projection. A comment every 15
 * seconds finds closed connections; at most {@value #MAX_STREAMS} streams are open at once.
 */
public final class LiveViews implements AutoCloseable {
    /** How many live streams may be open at once; each holds a subscription and a connection. */
    static final int MAX_STREAMS = 32;
    private static final Logger LOG = LoggerFactory.getLogger(LiveViews.class);
    private static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.UTF_8);

    /** The version of a projection the console reads: after a rebuild switched, the new one. */
    private final Function<String, Optional<RunningProjection<?, ?>>> projections;
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService pings = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "myelin-console-live-pings");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * Creates live views of the projections {@code projections} finds by name.
     *
     * @param projections the version of a projection the console reads, by name (after a rebuild
     *                    from the console switched, the new version), or empty for no such projection
     */
    public LiveViews(Function<String, Optional<RunningProjection<?, ?>>> projections) {
        this.projections = projections;
        pings.scheduleWithFixedDelay(() -> streams.forEach(s -> s.write(PING)), 15, 15, TimeUnit.SECONDS);
    }

    /** Whether a path is a live stream's: {@code /api/projections/{name}/live}. */
    static boolean isLive(List<String> path) {
        return path.size() == 4 && path.get(0).equals("api") && path.get(1).equals("projections") && path.get(3).equals("live");
    }

    /**
     * Opens a stream on {@code exchange}, or answers why not and closes it. The exchange stays open
     * after this returns, written from the subscription's thread, until the client goes or the console
     * closes.
     *
     * @param exchange the request
     * @param path     its segments, as {@link #isLive} accepted them
     * @param query    its query parameters
     * @throws IOException if the answer cannot be written
     */
    void open(HttpExchange exchange, List<String> path, Map<String, String> query) throws IOException {
        try {
            if (!exchange.getRequestMethod().equalsIgnoreCase("GET")) {
                throw new ConsoleApi.Refused(405, "a live view is read with GET");
            }
            RunningProjection<?, ?> projection = projections.apply(path.get(2))
                    .orElseThrow(() -> new ConsoleApi.Refused(404, "no projection '" + path.get(2) + "'"));
            if (streams.size() >= MAX_STREAMS) {
                throw new ConsoleApi.Refused(503, "too many live views open (" + MAX_STREAMS + "); close one");
            }
            start(exchange, projection, Optional.ofNullable(query.get("key")));
        } catch (ConsoleApi.Refused e) {
            ObjectNode error = ValueJson.MAPPER.createObjectNode().put("error", e.getMessage());
            byte[] body = ValueJson.MAPPER.writeValueAsBytes(error);
            exchange.getResponseHeaders().put("Content-Type", List.of("application/json; charset=utf-8"));
            exchange.sendResponseHeaders(e.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
            exchange.close();
        }
    }

    private <K, V> void start(HttpExchange exchange, RunningProjection<K, V> projection, Optional<String> typedKey) throws IOException {
        Optional<K> key = typedKey.map(typed -> ConsoleApi.key(projection, typed));
        exchange.getResponseHeaders().put("Content-Type", List.of("text/event-stream; charset=utf-8"));
        exchange.getResponseHeaders().put("Cache-Control", List.of("no-store"));
        exchange.getResponseHeaders().put("X-Content-Type-Options", List.of("nosniff"));
        exchange.sendResponseHeaders(200, 0);
        Stream stream = new Stream(exchange);
        streams.add(stream);
        try {
            ViewSubscription subscription = key.isPresent()
                    ? projection.subscribe(key.get(), change -> stream.send("change", change(change)))
                    : projection.subscribeAll(change -> stream.send("change", change(change)));
            stream.subscription = subscription;
            if (stream.isClosed()) {
                subscription.close();
                return;
            }
            if (key.isPresent()) {
                // after subscribing, so no change falls between the value sent and the first change
                ObjectNode current = ValueJson.MAPPER.createObjectNode().put("key", typedKey.get())
                        .put("version", projection.projection().version());
                try {
                    current.set("view", projection.query().get(key.get()).map(ValueJson::of).orElse(ValueJson.MAPPER.nullNode()));
                } catch (ViewUnavailableException e) {
                    current.put("unavailable", e.getMessage());
                }
                stream.send("current", current);
            } else {
                stream.write(": subscribed\n\n".getBytes(StandardCharsets.UTF_8));
            }
            LOG.info("console: live view of {} opened ({})", projection.projection().name(), typedKey.map(k -> "one key").orElse("all keys"));
        } catch (MyelinProjectionException | ConsoleApi.Refused e) {
            stream.send("error", ValueJson.MAPPER.createObjectNode().put("error", e.getMessage()));
            stream.close();
        }
    }

    private static ObjectNode change(ViewChange<?, ?> change) {
        ObjectNode node = ValueJson.MAPPER.createObjectNode();
        node.put("key", String.valueOf(change.key()));
        node.set("view", change.view().map(ValueJson::of).orElse(ValueJson.MAPPER.nullNode()));
        node.put("timestamp", change.timestamp().toString());
        node.put("missedBefore", change.missedBefore());
        return node;
    }

    /** Closes every stream and its subscription. */
    @Override
    public void close() {
        pings.shutdownNow();
        streams.forEach(Stream::close);
    }

    /** One open event stream. */
    private final class Stream {
        private final HttpExchange exchange;
        private final OutputStream out;
        volatile ViewSubscription subscription;
        private boolean closed;

        Stream(HttpExchange exchange) {
            this.exchange = exchange;
            this.out = exchange.getResponseBody();
        }

        void send(String event, ObjectNode data) {
            try {
                write(("event: " + event + "\ndata: " + ValueJson.MAPPER.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot write JSON", e);
            }
        }

        synchronized boolean isClosed() {
            return closed;
        }

        synchronized void write(byte[] bytes) {
            if (closed) {
                return;
            }
            try {
                out.write(bytes);
                out.flush();
            } catch (IOException e) {
                // the browser went away
                close();
            }
        }

        void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            streams.remove(this);
            ViewSubscription current = subscription;
            if (current != null) {
                current.close();
            }
            exchange.close();
        }
    }
}
