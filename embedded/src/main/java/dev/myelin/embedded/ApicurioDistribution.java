package dev.myelin.embedded;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import dev.myelin.embedded.internal.Directories;

/**
 * Finds the Apicurio Registry distribution that Maven downloaded and unpacks it, once per machine,
 * into a cache folder that every JVM shares.
 */
final class ApicurioDistribution {

    /** Keep in step with {@code apicurio.version} in the parent pom. */
    static final String VERSION = "2.6.13.Final";
    static final String COORDINATES = "io.apicurio:apicurio-registry-app:" + VERSION + ":tar.gz:all";
    static final String PATH_PROPERTY = "myelin.apicurio.distribution";
    static final String CACHE_PROPERTY = "myelin.cache.dir";
    static final String RUNNER_JAR = "apicurio-registry-app-" + VERSION + "-runner.jar";

    private static final String REPOSITORY_PATH = "io/apicurio/apicurio-registry-app/" + VERSION
            + "/apicurio-registry-app-" + VERSION + "-all.tar.gz";

    private ApicurioDistribution() {
    }

    /**
     * Returns the distribution archive: {@code explicit} when given, else the first that exists of
     * the {@value #PATH_PROPERTY} system property, {@code maven.repo.local} and
     * {@code ~/.m2/repository}.
     */
    static Path locate(Path explicit, Properties system) {
        List<Path> tried = new ArrayList<>();
        if (explicit != null) {
            tried.add(explicit);
        } else {
            addIfSet(tried, system.getProperty(PATH_PROPERTY), null);
            addIfSet(tried, system.getProperty("maven.repo.local"), REPOSITORY_PATH);
            addIfSet(tried, system.getProperty("user.home"), ".m2/repository/" + REPOSITORY_PATH);
        }
        for (Path candidate : tried) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw EmbeddedSchemaRegistryException.distributionNotFound(tried);
    }

    private static void addIfSet(List<Path> tried, String base, String relative) {
        if (base == null || base.isBlank()) {
            return;
        }
        Path path = relative == null ? Path.of(base) : Path.of(base, relative);
        if (!tried.contains(path)) {
            tried.add(path);
        }
    }

    /**
     * Returns the cache folder for this version: {@value #CACHE_PROPERTY} when set, else
     * {@code $XDG_CACHE_HOME/myelin}, else {@code ~/.cache/myelin}.
     */
    static Path cacheRoot(Properties system) {
        String configured = system.getProperty(CACHE_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "myelin");
        }
        return Path.of(system.getProperty("user.home"), ".cache", "myelin");
    }

    /**
     * Returns the folder holding the unpacked distribution under {@code cacheRoot}, unpacking
     * {@code archive} first if no JVM did so before.
     */
    static Path unpacked(Path archive, Path cacheRoot) {
        Objects.requireNonNull(archive, "archive");
        Path target = cacheRoot.resolve("apicurio-registry-app-" + VERSION);
        if (Files.isRegularFile(target.resolve(RUNNER_JAR))) {
            return target;
        }
        Path staging = cacheRoot.resolve(".unpacking-" + UUID.randomUUID());
        try {
            Files.createDirectories(cacheRoot);
            Files.createDirectory(staging);
            extract(archive, staging);
            if (!Files.isRegularFile(staging.resolve(RUNNER_JAR))) {
                throw new EmbeddedSchemaRegistryException(archive + " holds no " + RUNNER_JAR
                        + "; it is not the Apicurio Registry " + VERSION + " distribution (" + COORDINATES + ")");
            }
            publish(staging, target);
            return target;
        } catch (IOException e) {
            throw new EmbeddedSchemaRegistryException("cannot unpack " + archive + " into " + target
                    + ": " + e.getMessage(), e);
        } finally {
            Directories.deleteQuietly(staging);
        }
    }

    /*
     * A rename is atomic, so another JVM sees either no folder or a complete one. When two JVMs
     * race, one rename wins and the other finds the folder taken, which is just as good.
     */
    private static void publish(Path staging, Path target) throws IOException {
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
            requireComplete(target, e);
        } catch (FileSystemException e) {
            // Linux reports a rename onto a non-empty folder as "Directory not empty".
            requireComplete(target, e);
        }
    }

    private static void requireComplete(Path target, IOException cause) throws IOException {
        if (!Files.isRegularFile(target.resolve(RUNNER_JAR))) {
            throw cause;
        }
    }

    private static void extract(Path archive, Path into) throws IOException {
        Path root = into.toAbsolutePath().normalize();
        try (InputStream file = Files.newInputStream(archive);
             InputStream gzip = new GzipCompressorInputStream(new BufferedInputStream(file, 1 << 16));
             TarArchiveInputStream tar = new TarArchiveInputStream(gzip)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path destination = root.resolve(entry.getName()).normalize();
                // An entry named "../x" would write outside the cache folder.
                if (!destination.startsWith(root)) {
                    throw new IOException("archive entry " + entry.getName() + " points outside " + root);
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(destination);
                } else if (entry.isFile()) {
                    Files.createDirectories(destination.getParent());
                    try (OutputStream out = Files.newOutputStream(destination)) {
                        tar.transferTo(out);
                    }
                }
                // Links and devices are skipped: the distribution has none and needs none.
            }
        }
    }
}
