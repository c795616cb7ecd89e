package dev.myelin.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApicurioDistributionTest {

    private static final String REPOSITORY_PATH =
            "io/apicurio/apicurio-registry-app/2.6.13.Final/apicurio-registry-app-2.6.13.Final-all.tar.gz";

    @TempDir
    Path dir;

    @Test
    void locateNamesEveryPathItTriedAndTheFix() {
        Properties system = properties(Map.of(
                "myelin.apicurio.distribution", dir.resolve("configured.tar.gz").toString(),
                "maven.repo.local", dir.resolve("repo").toString(),
                "user.home", dir.resolve("home").toString()));

        assertThatThrownBy(() -> ApicurioDistribution.locate(null, system))
                .isInstanceOf(EmbeddedSchemaRegistryException.class)
                .hasMessageContaining(dir.resolve("configured.tar.gz").toString())
                .hasMessageContaining(dir.resolve("repo").resolve(REPOSITORY_PATH).toString())
                .hasMessageContaining(dir.resolve("home/.m2/repository").resolve(REPOSITORY_PATH).toString())
                .hasMessageContaining("mvn dependency:get -Dartifact=io.apicurio:apicurio-registry-app:2.6.13.Final:tar.gz:all");
    }

    @Test
    void locateFallsBackToTheLocalMavenRepository() throws IOException {
        Path inRepository = dir.resolve("repo").resolve(REPOSITORY_PATH);
        Files.createDirectories(inRepository.getParent());
        Files.createFile(inRepository);
        Properties system = properties(Map.of(
                "myelin.apicurio.distribution", dir.resolve("gone.tar.gz").toString(),
                "maven.repo.local", dir.resolve("repo").toString(),
                "user.home", dir.resolve("home").toString()));

        assertThat(ApicurioDistribution.locate(null, system)).isEqualTo(inRepository);
    }

    @Test
    void unpackedExtractsTheArchiveOnceAndReusesIt() throws IOException {
        Path archive = archive(Map.of(ApicurioDistribution.RUNNER_JAR, "runner", "lib/a.jar", "a"));
        Path cache = dir.resolve("cache");

        Path first = ApicurioDistribution.unpacked(archive, cache);
        Files.writeString(first.resolve("marker"), "kept");
        Files.delete(archive);
        Path second = ApicurioDistribution.unpacked(archive, cache);

        assertThat(second).isEqualTo(first);
        assertThat(first.resolve("lib/a.jar")).hasContent("a");
        assertThat(first.resolve("marker")).hasContent("kept");
        assertThat(listing(cache)).containsExactly(first.getFileName().toString());
    }

    @Test
    void unpackedIsSafeWhenManyThreadsRaceForAnEmptyCache() throws Exception {
        Path archive = archive(Map.of(ApicurioDistribution.RUNNER_JAR, "runner", "lib/a.jar", "a"));
        Path cache = dir.resolve("cache");
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Callable<Path>> racers = IntStream.range(0, 6)
                    .<Callable<Path>>mapToObj(i -> () -> ApicurioDistribution.unpacked(archive, cache))
                    .toList();
            List<Future<Path>> results = pool.invokeAll(racers);

            Path winner = results.get(0).get();
            for (Future<Path> result : results) {
                assertThat(result.get()).isEqualTo(winner);
            }
            assertThat(winner.resolve(ApicurioDistribution.RUNNER_JAR)).hasContent("runner");
            assertThat(listing(cache)).containsExactly(winner.getFileName().toString());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void unpackedRefusesAnEntryThatEscapesTheCacheFolder() throws IOException {
        Path archive = archive(Map.of(ApicurioDistribution.RUNNER_JAR, "runner", "../../evil.txt", "x"));
        Path cache = dir.resolve("cache");

        assertThatThrownBy(() -> ApicurioDistribution.unpacked(archive, cache))
                .isInstanceOf(EmbeddedSchemaRegistryException.class)
                .hasMessageContaining("evil.txt");
        assertThat(dir.resolve("evil.txt")).doesNotExist();
        assertThat(listing(cache)).isEmpty();
    }

    @Test
    void unpackedRefusesAnArchiveWithoutTheRunnerJar() throws IOException {
        Path archive = archive(Map.of("lib/a.jar", "a"));

        assertThatThrownBy(() -> ApicurioDistribution.unpacked(archive, dir.resolve("cache")))
                .isInstanceOf(EmbeddedSchemaRegistryException.class)
                .hasMessageContaining(ApicurioDistribution.RUNNER_JAR);
    }

    private Path archive(Map<String, String> files) throws IOException {
        Path archive = Files.createTempFile(dir, "dist", ".tar.gz");
        try (OutputStream out = Files.newOutputStream(archive);
             GzipCompressorOutputStream gzip = new GzipCompressorOutputStream(out);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(gzip)) {
            for (Map.Entry<String, String> file : files.entrySet()) {
                byte[] bytes = file.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry entry = new TarArchiveEntry(file.getKey(), true);
                entry.setSize(bytes.length);
                tar.putArchiveEntry(entry);
                tar.write(bytes);
                tar.closeArchiveEntry();
            }
        }
        return archive;
    }

    private static List<String> listing(Path folder) throws IOException {
        try (Stream<Path> children = Files.list(folder)) {
            return children.map(child -> child.getFileName().toString()).toList();
        }
    }

    private static Properties properties(Map<String, String> values) {
        Properties properties = new Properties();
        properties.putAll(values);
        return properties;
    }
}
