package dev.myelin.embedded.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import dev.myelin.embedded.EmbeddedKafkaException;

/**
 * One Kafka node as a child JVM: {@code kafka.Kafka} from the Kafka jars on this JVM's class path,
 * its {@code server.properties} written into the cluster's folder, its output in a log file
 * there, under {@link OrphanGuard} so that it ends when this JVM does, however this JVM ends.
 */
final class BrokerProcess {

    private static final String KAFKA_MAIN_CLASS = "kafka.Kafka";
    private static final String LOG_CONFIG_FILE = "log4j2-broker.xml";
    /*
     * The broker's own loggers at INFO, as a production broker logs (Kafka's config/log4j2.yaml),
     * with the per-request logger kept at WARN as there.
     */
    private static final String LOG_CONFIG = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Configuration status="WARN">
              <Appenders>
                <Console name="stdout" target="SYSTEM_OUT">
                  <PatternLayout pattern="[%d] %p %m (%c)%n"/>
                </Console>
              </Appenders>
              <Loggers>
                <Logger name="kafka.request.logger" level="WARN"/>
                <Root level="INFO"><AppenderRef ref="stdout"/></Root>
              </Loggers>
            </Configuration>
            """;

    private final Process process;
    private final Path logFile;
    private final int nodeId;

    private BrokerProcess(Process process, Path logFile, int nodeId) {
        this.process = process;
        this.logFile = logFile;
        this.nodeId = nodeId;
    }

    /** The file a node's output goes to, appended to across its restarts. */
    static Path logFile(Path base, int nodeId) {
        return base.resolve("node-" + nodeId + ".log");
    }

    /**
     * Writes the node's configuration into {@code base} and starts its JVM; returns at once, before
     * the broker serves.
     */
    static BrokerProcess spawn(Path base, int nodeId, Properties config) {
        Path properties = base.resolve("node-" + nodeId + ".properties");
        Path logConfig = base.resolve(LOG_CONFIG_FILE);
        Path log = logFile(base, nodeId);
        try {
            writeProperties(config, properties);
            if (!Files.exists(logConfig)) {
                Files.writeString(logConfig, LOG_CONFIG);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the configuration of Kafka node " + nodeId + " into " + base, e);
        }
        List<String> command = List.of(RegistryProcess.javaExecutable(),
                // Kafka's own start script's JVM settings (kafka-server-start.sh, kafka-run-class.sh)
                "-Xmx1g", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
                "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true",
                "-Dlog4j2.configurationFile=" + logConfig.toAbsolutePath(),
                "-Djava.io.tmpdir=" + base.toAbsolutePath(),
                "-cp", ClassPaths.forChildOf(BrokerProcess.class),
                OrphanGuard.class.getName(), KAFKA_MAIN_CLASS, properties.toAbsolutePath().toString());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(base.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        try {
            // standard input stays an open, unused pipe: OrphanGuard ends the child when it closes
            return new BrokerProcess(builder.start(), log, nodeId);
        } catch (IOException e) {
            throw new EmbeddedKafkaException("cannot start a JVM for Kafka node " + nodeId + ": " + e.getMessage(), e);
        }
    }

    /** Sorted, so that the file reads like a hand-written server.properties. */
    private static void writeProperties(Properties config, Path file) throws IOException {
        Map<String, String> sorted = new TreeMap<>();
        config.forEach((name, value) -> sorted.put(name.toString(), value.toString()));
        Properties plain = new Properties();
        plain.putAll(sorted);
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            plain.store(out, "Kafka node written by Myelin's EmbeddedKafkaCluster");
        }
    }

    /** Whether the JVM still runs. */
    boolean isAlive() {
        return process.isAlive();
    }

    /** The operating system's id of the JVM. */
    long pid() {
        return process.pid();
    }

    /** Where the JVM's output goes. */
    Path logFile() {
        return logFile;
    }

    /**
     * Stops the JVM with SIGTERM, so that the broker shuts down cleanly, and waits for it; SIGKILL
     * if it has not ended within {@code timeout}.
     */
    void stop(Duration timeout) {
        process.destroy();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            RegistryProcess.closeQuietly(process.getOutputStream());
        }
    }

    /** Ends the JVM with SIGKILL, the broker getting no chance to shut down, and waits until it is gone. */
    void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new EmbeddedKafkaException("Kafka node " + nodeId + " (pid " + process.pid() + ") still runs 30 s after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while waiting for Kafka node " + nodeId + " to die", e);
        } finally {
            RegistryProcess.closeQuietly(process.getOutputStream());
        }
    }

    /** Fails with the end of its log if the JVM has exited. */
    void requireAlive() {
        if (!process.isAlive()) {
            throw new EmbeddedKafkaException("Kafka node " + nodeId + " exited with " + process.exitValue() + "; its log "
                    + logFile + " ends with:\n" + RegistryProcess.tail(logFile));
        }
    }
}
