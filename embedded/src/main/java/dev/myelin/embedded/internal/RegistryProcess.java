package dev.myelin.embedded.internal;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.embedded.EmbeddedSchemaRegistryException;

/**
 * The Apicurio Registry server as an operating-system process: how its JVM is started, how its
 * readiness is probed, how it is stopped, and what its log says.
 */
public final class RegistryProcess {

    private static final Logger log = LoggerFactory.getLogger(RegistryProcess.class);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final int LOG_TAIL_LINES = 40;
    private static final String RUNNER_MAIN_CLASS = "io.quarkus.runner.GeneratedMain";
    /*
     * Variables the child keeps. Apicurio reads many settings from the environment (HTTP_PORT,
     * REGISTRY_DATASOURCE_URL, QUARKUS_*), so an inherited variable could move its port or storage.
     */
    private static final List<String> INHERITED_ENVIRONMENT = List.of("PATH", "HOME", "USER", "LANG", "LC_ALL", "TZ");

    private RegistryProcess() {
    }

    /** What became of a server being started. */
    public enum Readiness {
        /** It answers on its port. */
        READY,
        /** It exited because another process holds its port. */
        PORT_TAKEN,
        /** It exited for another reason. */
        EXITED,
        /** It neither answered nor exited in time. */
        TIMED_OUT
    }

    /**
     * Starts the server's JVM with its output going to {@code logFile}, under {@link OrphanGuard}
     * when the guard's classes can be put on the child's class path.
     *
     * @param runnerJar     the distribution's runner jar
     * @param work          the server's working folder, deleted when it stops
     * @param logFile       where its standard output and error go
     * @param port          the HTTP port, on 127.0.0.1
     * @param compatibility the global compatibility level
     * @param storage       the folder of its database, or null to keep schemas in memory
     * @return the process, just started
     * @throws EmbeddedSchemaRegistryException if the JVM cannot be started
     */
    public static Process spawn(Path runnerJar, Path work, Path logFile, int port, String compatibility, Path storage) {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable());
        // A registry for tests: small heap, one GC thread, and C1 only, which starts it about
        // a third faster on a small machine.
        command.add("-Xmx256m");
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        // Vert.x and Narayana write scratch files; keep them in the folder close() deletes.
        command.add("-Djava.io.tmpdir=" + work.resolve("tmp"));
        command.add("-Dquarkus.http.host=127.0.0.1");
        command.add("-Dquarkus.http.port=" + port);
        // No quarkus.management.* settings: this build has no management interface (it is a
        // build-time switch), so health and metrics share the one HTTP port above.
        command.add("-Dregistry.rules.global.compatibility=" + compatibility);
        command.add("-Dregistry.ccompat.use-canonical-hash=true");
        if (storage != null) {
            // the same H2 database the in-memory default uses, in a file: what a restarted server finds again
            command.add("-Dquarkus.datasource.jdbc.url=jdbc:h2:file:" + storage.toAbsolutePath().resolve("registry"));
        }
        Optional<Path> guard = codeSourceOf(OrphanGuard.class);
        if (guard.isPresent()) {
            command.add("-cp");
            command.add(runnerJar + File.pathSeparator + guard.get());
            command.add(OrphanGuard.class.getName());
            command.add(RUNNER_MAIN_CLASS);
        } else {
            // Loaded from somewhere a child JVM cannot read (a nested jar): no guard, and only the
            // shutdown hook stops the server.
            command.add("-jar");
            command.add(runnerJar.toString());
        }

        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(logFile.toFile()));
        Map<String, String> environment = builder.environment();
        environment.keySet().retainAll(INHERITED_ENVIRONMENT);
        try {
            // The child's standard input stays open and unused: OrphanGuard ends the child when it closes.
            return builder.start();
        } catch (IOException e) {
            throw new EmbeddedSchemaRegistryException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    private static Optional<Path> codeSourceOf(Class<?> type) {
        try {
            CodeSource source = type.getProtectionDomain().getCodeSource();
            if (source == null || !"file".equals(source.getLocation().getProtocol())) {
                return Optional.empty();
            }
            Path path = Path.of(source.getLocation().toURI());
            return Files.exists(path) ? Optional.of(path) : Optional.empty();
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** The running JVM's java launcher, for the child JVMs of the embedded servers. */
    static String javaExecutable() {
        // The running JVM's own launcher: java.home is reliable even when the process was started
        // through a wrapper (an IDE, mvnd), whose command() would not be a java launcher.
        Path fromHome = Path.of(System.getProperty("java.home"), "bin", isWindows() ? "java.exe" : "java");
        if (Files.isExecutable(fromHome)) {
            return fromHome.toString();
        }
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").toLowerCase().startsWith("windows");
    }

    /**
     * Probes {@code probe} until it answers 200, the process exits or {@code timeout} passes; the
     * pause between probes ends early if the process exits.
     *
     * @param http    the client
     * @param process the server
     * @param probe   a URL that answers 200 once the server serves
     * @param port    its port, to recognise a "port in use" exit in the log
     * @param logFile its log
     * @param timeout how long to wait
     * @return what became of it
     * @throws EmbeddedSchemaRegistryException if the thread is interrupted
     */
    public static Readiness awaitReady(HttpClient http, Process process, URI probe, int port, Path logFile, Duration timeout) {
        HttpRequest request = HttpRequest.newBuilder(probe)
                .timeout(Duration.ofSeconds(2))
                .GET()
                .build();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                if (!process.isAlive()) {
                    return portTaken(logFile, port) ? Readiness.PORT_TAKEN : Readiness.EXITED;
                }
                try {
                    if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return Readiness.READY;
                    }
                } catch (IOException notListeningYet) {
                    // expected until Quarkus has bound its port
                }
                if (System.nanoTime() - deadline >= 0) {
                    return Readiness.TIMED_OUT;
                }
                // The pause between probes ends early if the process dies.
                process.waitFor(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedSchemaRegistryException("interrupted while waiting for Apicurio Registry to start", e);
        }
    }

    private static boolean portTaken(Path logFile, int port) {
        String log = tail(logFile);
        return log.contains("Port " + port + " seems to be in use") || log.contains("Address already in use");
    }

    /**
     * Stops the server and removes the shutdown hook that would have stopped it.
     *
     * @param process the server
     * @param hook    its shutdown hook
     */
    public static void stopAndForget(Process process, Thread hook) {
        removeShutdownHook(hook);
        stop(process);
    }

    /** Removes a shutdown hook, unless the JVM is already shutting down and running it. */
    private static void removeShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to run and stops the process itself
        }
    }

    /**
     * Stops this one process, by its own handle, never a search by name: a polite request, then
     * a kill after ten seconds; closes its standard input.
     *
     * @param process the server
     */
    public static void stop(Process process) {
        try {
            stopAndWait(process);
        } finally {
            closeQuietly(process.getOutputStream());
        }
    }

    /** Closes a child's pipe, which may already be gone with the child. */
    static void closeQuietly(OutputStream stream) {
        try {
            stream.close();
        } catch (IOException ignored) {
            // the pipe is gone with the process; nothing to release
        }
    }

    private static void stopAndWait(Process process) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("Apicurio Registry (pid {}) ignored SIGTERM for {}; killing it", process.pid(), STOP_TIMEOUT);
                process.destroyForcibly();
                process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Returns the last lines of a server's log, decoded leniently.
     *
     * @param logFile the log
     * @return its last 40 lines, or why it could not be read
     */
    public static String tail(Path logFile) {
        try {
            // Decoded leniently: a stray byte in the child's output must not hide the rest.
            List<String> lines = new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }
}
