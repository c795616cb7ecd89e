package dev.myelin.processors.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

/**
 * The JDK's HTTP server that answers view queries from other instances. Projections of one JVM that
 * name the same endpoint share one server, each under its own path, so an application needs one
 * port however many projections it runs. Port 0 always means a new server on a free port.
 */
public final class QueryServer {

    private static final Map<String, QueryServer> SHARED = new HashMap<>();

    private final String endpoint;
    private final HttpServer server;
    private final ExecutorService executor;
    private int registrations;

    private QueryServer(String endpoint, HttpServer server, ExecutorService executor) {
        this.endpoint = endpoint;
        this.server = server;
        this.executor = executor;
    }

    /**
     * Returns the server listening on {@code host:port}, starting it when none is.
     *
     * @param host the address to listen on
     * @param port the port, or 0 for a new server on a free port
     * @return the server; {@link #release} it when done
     * @throws UncheckedIOException if the port cannot be bound
     */
    public static synchronized QueryServer acquire(String host, int port) {
        String endpoint = host + ":" + port;
        QueryServer shared = port == 0 ? null : SHARED.get(endpoint);
        if (shared == null) {
            try {
                HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
                // a few threads: a query is one store read and needs no more
                ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
                    Thread t = new Thread(r, "myelin-query-" + endpoint);
                    t.setDaemon(true);
                    return t;
                });
                server.setExecutor(executor);
                server.start();
                shared = new QueryServer(endpoint, server, executor);
                if (port != 0) {
                    SHARED.put(endpoint, shared);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not listen for view queries on " + endpoint, e);
            }
        }
        shared.registrations++;
        return shared;
    }

    /** Returns the port the server listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Serves {@code path} (and everything below it) with {@code handler}. */
    public synchronized void register(String path, HttpHandler handler) {
        server.createContext(path, handler);
    }

    /** Stops serving {@code path}; stops the server when nothing else uses it. */
    public void release(String path) {
        synchronized (QueryServer.class) {
            try {
                server.removeContext(path);
            } catch (IllegalArgumentException e) {
                // never registered: nothing to remove
            }
            if (--registrations == 0) {
                SHARED.remove(endpoint);
                server.stop(0);
                executor.shutdownNow();
            }
        }
    }
}
