package dev.myelin.processors.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import dev.myelin.processors.ViewEntry;
import dev.myelin.processors.ViewQuery;
import dev.myelin.processors.ViewUnavailableException;

/**
 * Answers {@code get(key)} wherever the key lives: from the local store when this instance owns the
 * key's partition, otherwise by asking the owner over HTTP (Kafka Streams metadata says which). Scans
 * stay local. The wire protocol is as small as it can be: {@code GET <path>?key=<base64url key bytes>}
 * answers 200 with the view's bytes, 404 for no view, 503 when the store is not ready.
 */
public final class RoutedViewQuery<K, V> implements ViewQuery<K, V> {

    private final String projection;
    private final KafkaStreams streams;
    private final String storeName;
    private final Serde<K> keySerde;
    private final Serde<V> viewSerde;
    private final HostInfo self;
    private final String path;
    private final ViewQuery<K, V> local;
    private final HttpClient client;
    private final Duration timeout;
    /** Remote answers for a short time, when configured; a local read is cheaper than a cache hit is useful. */
    private final Cache<K, Optional<V>> remoteAnswers;

    /**
     * Creates the query.
     *
     * @param projection the projection's name
     * @param streams    its Kafka Streams instance
     * @param storeName  its view store
     * @param keySerde   the key serde
     * @param viewSerde  the view serde
     * @param self       this instance's advertised endpoint
     * @param path       the HTTP path every instance of this projection serves
     * @param local      the local query
     * @param timeout    how long a remote query may take
     * @param cacheFor   how long a remote answer is kept; zero for not at all
     */
    public RoutedViewQuery(String projection, KafkaStreams streams, String storeName, Serde<K> keySerde, Serde<V> viewSerde,
                           HostInfo self, String path, ViewQuery<K, V> local, Duration timeout, Duration cacheFor) {
        this.projection = projection;
        this.streams = streams;
        this.storeName = storeName;
        this.keySerde = keySerde;
        this.viewSerde = viewSerde;
        this.self = self;
        this.path = path;
        this.local = local;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.remoteAnswers = cacheFor.isZero() ? null
                : Caffeine.newBuilder().expireAfterWrite(cacheFor).maximumSize(10_000).build();
    }

    @Override
    public Optional<V> get(K key) {
        Objects.requireNonNull(key, "key");
        KeyQueryMetadata metadata = streams.queryMetadataForKey(storeName, key, keySerde.serializer());
        if (metadata == null || metadata == KeyQueryMetadata.NOT_AVAILABLE) {
            throw new ViewUnavailableException("no instance of projection " + projection
                    + " owns the key's partition right now (starting or rebalancing); retry shortly", null);
        }
        HostInfo owner = metadata.activeHost();
        if (owner.equals(self)) {
            return local.get(key);
        }
        if (remoteAnswers == null) {
            return remote(owner, key);
        }
        Optional<V> cached = remoteAnswers.getIfPresent(key);
        if (cached != null) {
            return cached;
        }
        Optional<V> answer = remote(owner, key);
        remoteAnswers.put(key, answer);
        return answer;
    }

    /** Returns whether this instance owns {@code key}'s partition now. */
    public boolean ownsLocally(K key) {
        KeyQueryMetadata metadata = streams.queryMetadataForKey(storeName, key, keySerde.serializer());
        return metadata != null && metadata != KeyQueryMetadata.NOT_AVAILABLE && metadata.activeHost().equals(self);
    }

    private Optional<V> remote(HostInfo owner, K key) {
        byte[] keyBytes = keySerde.serializer().serialize(storeName, key);
        URI uri = URI.create("http://" + owner.host() + ":" + owner.port() + path + "?key="
                + Base64.getUrlEncoder().withoutPadding().encodeToString(keyBytes));
        HttpResponse<byte[]> response;
        try {
            response = client.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new ViewUnavailableException("instance " + owner + " of projection " + projection
                    + " did not answer a query for its key: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ViewUnavailableException("interrupted while querying " + owner, e);
        }
        return switch (response.statusCode()) {
            case 200 -> Optional.of(viewSerde.deserializer().deserialize(storeName, response.body()));
            case 404 -> Optional.empty();
            default -> throw new ViewUnavailableException("instance " + owner + " of projection " + projection
                    + " answered " + response.statusCode() + " to a query for its key; retry shortly", null);
        };
    }

    /** Scans only this instance's keys: a scan over every instance is not offered yet. */
    @Override
    public List<ViewEntry<K, V>> range(K from, K to) {
        return local.range(from, to);
    }

    /** Scans only this instance's keys: a scan over every instance is not offered yet. */
    @Override
    public List<ViewEntry<K, V>> all() {
        return local.all();
    }

    @Override
    public long approximateCount() {
        return local.approximateCount();
    }

    /**
     * Returns the handler that answers other instances' queries from the local store only (never
     * forwarding again, so a stale route cannot loop).
     *
     * @param local     the local query
     * @param owns      whether this instance owns a key's partition now
     * @param keySerde  the key serde
     * @param viewSerde the view serde
     * @param storeName the store name, passed to the serdes as topic
     * @param <K>       the key type
     * @param <V>       the view type
     * @return the handler
     */
    public static <K, V> HttpHandler handler(ViewQuery<K, V> local, java.util.function.Predicate<K> owns, Serde<K> keySerde,
                                             Serde<V> viewSerde, String storeName) {
        return exchange -> {
            try (exchange) {
                String query = exchange.getRequestURI().getRawQuery();
                if (!"GET".equals(exchange.getRequestMethod()) || query == null || !query.startsWith("key=")) {
                    respond(exchange, 400, new byte[0]);
                    return;
                }
                K key;
                try {
                    key = keySerde.deserializer().deserialize(storeName, Base64.getUrlDecoder().decode(query.substring(4)));
                } catch (RuntimeException e) {
                    respond(exchange, 400, new byte[0]);
                    return;
                }
                Optional<V> view;
                try {
                    if (!owns.test(key)) {
                        // the asker's metadata is stale: a 404 here would be a wrong answer, not "no view"
                        respond(exchange, 503, new byte[0]);
                        return;
                    }
                    view = local.get(key);
                } catch (ViewUnavailableException e) {
                    respond(exchange, 503, new byte[0]);
                    return;
                }
                if (view.isEmpty()) {
                    respond(exchange, 404, new byte[0]);
                } else {
                    respond(exchange, 200, viewSerde.serializer().serialize(storeName, view.get()));
                }
            }
        };
    }

    private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
