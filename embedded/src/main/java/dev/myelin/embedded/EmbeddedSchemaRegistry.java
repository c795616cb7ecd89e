package dev.myelin.embedded;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.embedded.internal.BuilderChecks;
import dev.myelin.embedded.internal.Directories;
import dev.myelin.embedded.internal.FreePorts;
import dev.myelin.embedded.internal.RegistryProcess;

/**
 * A real Apicurio Registry server, run as a child process on 127.0.0.1 and a free port, that
 * speaks the Confluent Schema Registry REST API at {@link #url()}. It stores schemas in memory:
 * each instance starts empty and forgets everything on {@link #close()}, unless
 * {@link Builder#storageDirectory(Path)} keeps them on disk. A registry started again with the same
 * storage directory and {@link Builder#port(int) port} is the same registry to its clients: the
 * same URL, the same schemas under the same ids, as after a restart of a real server.
 *
 * <p>The server comes from Maven Central ({@code io.apicurio:apicurio-registry-app:2.6.13.Final:tar.gz:all}),
 * which Maven downloads as a dependency of this module. It is unpacked once into
 * {@code ~/.cache/myelin} and shared by every JVM on the machine. The global compatibility rule is
 * {@code BACKWARD} unless set otherwise, and schemas are compared by their canonical form, so a
 * schema re-sent with different whitespace keeps its id.
 *
 * <pre>{@code
 * try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder()
 *         .compatibility("FULL")
 *         .startupTimeout(Duration.ofSeconds(90))
 *         .start()) {
 *     HttpRequest register = HttpRequest.newBuilder(URI.create(registry.url() + "/subjects/orders-value/versions"))
 *             .header("Content-Type", "application/vnd.schemaregistry.v1+json")
 *             .POST(HttpRequest.BodyPublishers.ofString("{\"schema\": \"\\\"string\\\"\"}"))
 *             .build();
 *     HttpClient.newHttpClient().send(register, HttpResponse.BodyHandlers.ofString()); // {"id":1}
 * }
 * }</pre>
 *
 * <p>In tests, {@link MyelinSchemaRegistry @MyelinSchemaRegistry} starts and closes one registry
 * per test class. The process is stopped on {@link #close()}; should the test JVM end first, a
 * shutdown hook stops it, and should the test JVM be killed outright, the server notices its
 * parent is gone and exits by itself, so a run cut short leaves no server behind.
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {

    /** How long {@link Builder#start()} waits for the registry when the builder names no timeout. */
    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(60);
    /** The global compatibility level when the builder names none. */
    public static final String DEFAULT_COMPATIBILITY = "BACKWARD";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);
    private static final Set<String> COMPATIBILITY_LEVELS = new TreeSet<>(Arrays.asList("NONE", "BACKWARD",
            "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"));
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String API_PATH = "/apis/ccompat/v7";
    private static final int START_ATTEMPTS = 3;

    private final Process process;
    private final int port;
    private final Path workDirectory;
    private final Thread shutdownHook;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedSchemaRegistry(Process process, int port, Path workDirectory, Thread shutdownHook) {
        this.process = process;
        this.port = port;
        this.workDirectory = workDirectory;
        this.shutdownHook = shutdownHook;
    }

    /**
     * Starts a registry with the defaults: {@value #DEFAULT_COMPATIBILITY} compatibility and a
     * 60-second startup timeout.
     *
     * @return the running registry; close it to stop the server
     * @throws EmbeddedSchemaRegistryException if the distribution is missing or the server does not
     *                                         come up in time
     */
    public static EmbeddedSchemaRegistry start() {
        return builder().start();
    }

    /**
     * Returns a builder for a registry with settings other than the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the base URL of the Confluent-compatible API, for example
     * {@code http://127.0.0.1:41234/apis/ccompat/v7}: the value for a serde's
     * {@code schema.registry.url}.
     *
     * @return the URL, without a trailing slash
     */
    public String url() {
        return baseUrl(port);
    }

    /**
     * Returns the HTTP port the server listens on, on 127.0.0.1.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * Returns the operating-system id of the server process.
     *
     * @return the process id
     */
    public long pid() {
        return process.pid();
    }

    /**
     * Stops the server process, waiting for it to exit (and killing it if it does not exit within
     * ten seconds), and deletes its log and temporary files. Safe to call twice.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        RegistryProcess.stopAndForget(process, shutdownHook);
        Directories.deleteQuietly(workDirectory);
        log.info("Stopped embedded schema registry on port {} (pid {})", port, process.pid());
    }

    @Override
    public String toString() {
        return "EmbeddedSchemaRegistry[" + url() + ", pid " + process.pid() + (closed.get() ? ", closed]" : "]");
    }

    private static String baseUrl(int port) {
        return "http://127.0.0.1:" + port + API_PATH;
    }

    private static EmbeddedSchemaRegistry launch(Settings settings) {
        long started = System.nanoTime();
        Path archive = ApicurioDistribution.locate(settings.distribution(), System.getProperties());
        Path home = ApicurioDistribution.unpacked(archive, ApicurioDistribution.cacheRoot(System.getProperties()));
        Path work;
        try {
            work = Files.createTempDirectory("myelin-apicurio-");
            Files.createDirectories(work.resolve("tmp"));
        } catch (IOException e) {
            throw new EmbeddedSchemaRegistryException("cannot create a work folder for Apicurio Registry: " + e, e);
        }
        Path logFile = work.resolve("registry.log");
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(1))
                .build();
        try {
            for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
                int port = settings.port() != 0 ? settings.port() : FreePorts.pick();
                Process process = RegistryProcess.spawn(home.resolve(ApicurioDistribution.RUNNER_JAR), work, logFile, port,
                        settings.compatibility(), settings.storage());
                Thread hook = new Thread(() -> {
                    RegistryProcess.stop(process);
                    Directories.deleteQuietly(work);
                }, "myelin-apicurio-stop-" + process.pid());
                // Registered before the wait, so a test run killed during startup leaves no orphan.
                Runtime.getRuntime().addShutdownHook(hook);
                RegistryProcess.Readiness readiness;
                try {
                    readiness = RegistryProcess.awaitReady(http, process, URI.create(baseUrl(port) + "/subjects"), port, logFile,
                            settings.startupTimeout());
                } catch (RuntimeException e) {
                    RegistryProcess.stopAndForget(process, hook);
                    throw e;
                }
                switch (readiness) {
                    case READY:
                        EmbeddedSchemaRegistry registry = new EmbeddedSchemaRegistry(process, port, work, hook);
                        try {
                            publishCompatibility(http, port, settings.compatibility());
                        } catch (RuntimeException e) {
                            registry.close();
                            throw e;
                        }
                        log.info("Embedded schema registry ready at {} (pid {}) in {} ms", registry.url(), process.pid(),
                                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                        return registry;
                    case PORT_TAKEN:
                        RegistryProcess.stopAndForget(process, hook);
                        if (settings.port() != 0) {
                            throw new EmbeddedSchemaRegistryException("port " + port + " is in use by another process, so Apicurio "
                                    + "Registry cannot listen on it; stop that process or start the registry without port(" + port + ")");
                        }
                        log.info("Port {} was taken before Apicurio Registry bound it; retrying on another", port);
                        break;
                    case EXITED:
                        RegistryProcess.stopAndForget(process, hook);
                        throw EmbeddedSchemaRegistryException.exited(process.exitValue(), logFile, RegistryProcess.tail(logFile));
                    default:
                        RegistryProcess.stopAndForget(process, hook);
                        throw EmbeddedSchemaRegistryException.timedOut(settings.startupTimeout(),
                                baseUrl(port) + "/subjects", logFile, RegistryProcess.tail(logFile));
                }
            }
            throw EmbeddedSchemaRegistryException.portsTaken(START_ATTEMPTS, logFile, RegistryProcess.tail(logFile));
        } catch (RuntimeException e) {
            Directories.deleteQuietly(work);
            throw e;
        }
    }

    /*
     * Apicurio 2.x enforces the configured default rule but its ccompat GET /config answers NONE
     * until a global rule is stored. Storing it makes what Confluent clients read match what the
     * registry enforces.
     */
    private static void publishCompatibility(HttpClient http, int port, String compatibility) {
        HttpRequest put = HttpRequest.newBuilder(URI.create(baseUrl(port) + "/config"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", CONTENT_TYPE)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"" + compatibility + "\"}"))
                .build();
        try {
            HttpResponse<String> response = http.send(put, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new EmbeddedSchemaRegistryException("Apicurio Registry refused compatibility " + compatibility
                        + ": HTTP " + response.statusCode() + " " + response.body());
            }
        } catch (IOException e) {
            throw new EmbeddedSchemaRegistryException("cannot set compatibility " + compatibility
                    + " on Apicurio Registry: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedSchemaRegistryException("interrupted while configuring Apicurio Registry", e);
        }
    }

    /** {@code port} 0 means a free one; {@code storage} null means in memory. */
    private record Settings(String compatibility, Duration startupTimeout, Path distribution, int port, Path storage) {
    }

    /**
     * Collects the settings of a registry; {@link #start()} starts it. Each setter checks its value
     * at once and may be called once.
     */
    public static final class Builder {
        private String compatibility;
        private Duration startupTimeout;
        private Path distribution;
        private Integer port;
        private Path storage;

        private Builder() {
        }

        /**
         * Sets the port to listen on, on 127.0.0.1, instead of a free one: for starting a registry
         * again where its clients expect it, after {@link EmbeddedSchemaRegistry#close()}. Should
         * another process hold the port, {@link #start()} fails and names it.
         *
         * @param port 1 to 65535
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if {@code port} is out of range
         */
        public Builder port(int port) {
            BuilderChecks.requireUnset(this.port, "port");
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("port must be between 1 and 65535: " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Keeps the schemas in an H2 database in {@code directory} (created if missing) instead of in
         * memory. {@link EmbeddedSchemaRegistry#close()} leaves it there, so a registry started again
         * with the same directory has every schema under its old id. One running registry per
         * directory.
         *
         * @param directory where the database lives; the caller deletes it
         * @return this builder
         * @throws NullPointerException  if {@code directory} is null
         * @throws IllegalStateException if already set
         */
        public Builder storageDirectory(Path directory) {
            Objects.requireNonNull(directory, "directory");
            BuilderChecks.requireUnset(storage, "storageDirectory");
            storage = directory;
            return this;
        }

        /**
         * Sets the global compatibility level that every subject without its own level follows
         * (default {@value EmbeddedSchemaRegistry#DEFAULT_COMPATIBILITY}).
         *
         * @param level one of {@code NONE}, {@code BACKWARD}, {@code BACKWARD_TRANSITIVE},
         *              {@code FORWARD}, {@code FORWARD_TRANSITIVE}, {@code FULL},
         *              {@code FULL_TRANSITIVE}
         * @return this builder
         * @throws NullPointerException     if {@code level} is null
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if {@code level} is not one of the above
         */
        public Builder compatibility(String level) {
            Objects.requireNonNull(level, "level");
            BuilderChecks.requireUnset(compatibility, "compatibility");
            if (!COMPATIBILITY_LEVELS.contains(level)) {
                throw new IllegalArgumentException("compatibility must be one of " + COMPATIBILITY_LEVELS + ": " + level);
            }
            compatibility = level;
            return this;
        }

        /**
         * Sets how long {@link #start()} waits for the server to answer (default 60 seconds).
         *
         * @param timeout a positive duration
         * @return this builder
         * @throws NullPointerException     if {@code timeout} is null
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if {@code timeout} is zero or negative
         */
        public Builder startupTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            BuilderChecks.requireUnset(startupTimeout, "startupTimeout");
            startupTimeout = BuilderChecks.requirePositive(timeout, "startupTimeout");
            return this;
        }

        /**
         * Sets the distribution archive ({@code apicurio-registry-app-2.6.13.Final-all.tar.gz}) to
         * run, instead of looking for it in the {@code myelin.apicurio.distribution} system
         * property and the local Maven repository.
         *
         * @param archive the {@code .tar.gz} file
         * @return this builder
         * @throws NullPointerException  if {@code archive} is null
         * @throws IllegalStateException if already set
         */
        public Builder distribution(Path archive) {
            Objects.requireNonNull(archive, "archive");
            BuilderChecks.requireUnset(distribution, "distribution");
            distribution = archive;
            return this;
        }

        /**
         * Starts the registry and waits until its Confluent-compatible API answers. The first start
         * on a machine also unpacks the distribution, which takes a few seconds more. The builder
         * stays usable.
         *
         * @return the running registry; close it to stop the server
         * @throws EmbeddedSchemaRegistryException if the distribution is missing or the server does
         *                                         not come up in time (the message holds the end
         *                                         of its log)
         */
        public EmbeddedSchemaRegistry start() {
            return launch(new Settings(
                    compatibility == null ? DEFAULT_COMPATIBILITY : compatibility,
                    startupTimeout == null ? DEFAULT_STARTUP_TIMEOUT : startupTimeout,
                    distribution,
                    port == null ? 0 : port,
                    storage));
        }
    }
}
