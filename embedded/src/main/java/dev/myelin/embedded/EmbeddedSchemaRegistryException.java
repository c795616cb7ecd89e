package dev.myelin.embedded;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown when an embedded schema registry cannot be found, unpacked or started.
 */
public class EmbeddedSchemaRegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what went wrong and how to fix it
     */
    public EmbeddedSchemaRegistryException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @param message what went wrong and how to fix it
     * @param cause   the underlying failure
     */
    public EmbeddedSchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
    }

    static EmbeddedSchemaRegistryException distributionNotFound(List<Path> tried) {
        String paths = tried.isEmpty() ? "(none: no system property named a path)"
                : tried.stream().map(path -> "  " + path).collect(Collectors.joining("\n"));
        return new EmbeddedSchemaRegistryException("Apicurio Registry " + ApicurioDistribution.VERSION
                + " distribution not found. Tried:\n" + paths + "\n"
                + "Download it into your local Maven repository with\n"
                + "  mvn dependency:get -Dartifact=" + ApicurioDistribution.COORDINATES + "\n"
                + "or point the system property " + ApicurioDistribution.PATH_PROPERTY
                + " at apicurio-registry-app-" + ApicurioDistribution.VERSION + "-all.tar.gz.");
    }

    static EmbeddedSchemaRegistryException exited(int exitCode, Path log, String logTail) {
        return new EmbeddedSchemaRegistryException("Apicurio Registry exited with code " + exitCode
                + " before it was ready. Last lines of " + log + ":\n" + logTail);
    }

    static EmbeddedSchemaRegistryException timedOut(Duration timeout, String url, Path log, String logTail) {
        return new EmbeddedSchemaRegistryException("Apicurio Registry did not answer " + url + " within " + timeout
                + "; raise it with EmbeddedSchemaRegistry.builder().startupTimeout(...). Last lines of " + log
                + ":\n" + logTail);
    }

    static EmbeddedSchemaRegistryException portsTaken(int attempts, Path log, String logTail) {
        return new EmbeddedSchemaRegistryException("Apicurio Registry found its port taken " + attempts
                + " times in a row; is something grabbing ports on 127.0.0.1? Last lines of " + log + ":\n" + logTail);
    }
}
