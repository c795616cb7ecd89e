package dev.myelin.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.myelin.embedded.internal.FreePorts;

class ClusterLifecycleIT {

    @Test
    void closeFreesEveryPortStopsEveryServerThreadAndDeletesTheData() {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        List<Integer> ports;
        Path dataDir;
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1)) {
            kafka.createCompactedTopic("lifecycle", 1);
            ports = Arrays.stream(kafka.bootstrapServers().split(","))
                    .map(address -> Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)))
                    .toList();
            assertThat(ports).allSatisfy(port -> assertThat(FreePorts.isFree(port)).as("port %s in use", port).isFalse());
            dataDir = dataDirectoryOf(kafka);
            assertThat(dataDir).isDirectory();
        }

        assertThat(ports).allSatisfy(port -> assertThat(FreePorts.isFree(port)).as("port %s free again", port).isTrue());
        assertThat(dataDir).doesNotExist();
        awaitNoNewServerThreads(before);
    }

    @Test
    void aStoppedBrokerCannotBeStoppedTwiceAndUnknownBrokersAreNamed() {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1)) {
            assertThatThrownBy(() -> kafka.stopBroker(7))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no broker 7");
            assertThatThrownBy(() -> kafka.killBroker(1))
                    .as("a broker inside this JVM cannot be killed")
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("inChildProcesses()");
            assertThat(kafka.brokerLog(1)).isEmpty();
            kafka.stopBroker(1);
            assertThat(kafka.runningBrokers()).isEmpty();
            assertThatThrownBy(() -> kafka.stopBroker(1))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not running");
            kafka.startBroker(1);
            assertThat(kafka.runningBrokers()).containsExactly(1);
            kafka.createTopic("after-restart", 1);
            assertThat(kafka.readAll("after-restart")).isEmpty();
        }
    }

    @Test
    void aClosedClusterRefusesWork() {
        EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1);
        kafka.close();
        kafka.close();
        assertThatThrownBy(kafka::admin).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    private static Path dataDirectoryOf(EmbeddedKafkaCluster kafka) {
        try (var dirs = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            // The newest myelin-kafka-* folder is the one this cluster made.
            return dirs.filter(p -> p.getFileName().toString().startsWith("myelin-kafka-"))
                    .max((a, b) -> Long.compare(a.toFile().lastModified(), b.toFile().lastModified()))
                    .orElseThrow();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void awaitNoNewServerThreads(Set<Thread> before) {
        Await.until(Duration.ofSeconds(20), "no non-daemon thread left after close", () -> newServerThreads(before).isEmpty(),
                () -> newServerThreads(before));
    }

    private static Set<String> newServerThreads(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> !before.contains(thread) && thread.isAlive() && !thread.isDaemon())
                .map(Thread::getName)
                .collect(Collectors.toSet());
    }
}
