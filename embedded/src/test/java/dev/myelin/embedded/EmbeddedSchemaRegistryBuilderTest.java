package dev.myelin.embedded;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedSchemaRegistryBuilderTest {

    @Test
    void compatibilityRejectsAnUnknownLevel() {
        assertThatThrownBy(() -> EmbeddedSchemaRegistry.builder().compatibility("backward"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("backward")
                .hasMessageContaining("FULL_TRANSITIVE");
    }

    @Test
    void compatibilityRejectsNull() {
        assertThatThrownBy(() -> EmbeddedSchemaRegistry.builder().compatibility(null))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void compatibilityMayBeSetOnce() {
        EmbeddedSchemaRegistry.Builder builder = EmbeddedSchemaRegistry.builder().compatibility("FULL");

        assertThatThrownBy(() -> builder.compatibility("NONE"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("compatibility was already set to FULL");
    }

    @Test
    void startupTimeoutRejectsZero() {
        assertThatThrownBy(() -> EmbeddedSchemaRegistry.builder().startupTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive");
    }

    @Test
    void startupTimeoutRejectsNegative() {
        assertThatThrownBy(() -> EmbeddedSchemaRegistry.builder().startupTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void startupTimeoutMayBeSetOnce() {
        EmbeddedSchemaRegistry.Builder builder = EmbeddedSchemaRegistry.builder().startupTimeout(Duration.ofSeconds(5));

        assertThatThrownBy(() -> builder.startupTimeout(Duration.ofSeconds(9)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("startupTimeout was already set to PT5S");
    }

    @Test
    void distributionMayBeSetOnce(@TempDir Path dir) {
        EmbeddedSchemaRegistry.Builder builder = EmbeddedSchemaRegistry.builder().distribution(dir.resolve("a.tar.gz"));

        assertThatThrownBy(() -> builder.distribution(dir.resolve("b.tar.gz")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("a.tar.gz");
    }

    @Test
    void portRejectsAValueOutsideOneTo65535() {
        assertThatThrownBy(() -> EmbeddedSchemaRegistry.builder().port(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("port must be between 1 and 65535: 0");
        assertThatThrownBy(() -> EmbeddedSchemaRegistry.builder().port(65_536))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void portMayBeSetOnce() {
        EmbeddedSchemaRegistry.Builder builder = EmbeddedSchemaRegistry.builder().port(18_081);

        assertThatThrownBy(() -> builder.port(18_082))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("port was already set to 18081");
    }

    @Test
    void storageDirectoryMayBeSetOnceAndNotToNull(@TempDir Path dir) {
        assertThatThrownBy(() -> EmbeddedSchemaRegistry.builder().storageDirectory(null))
                .isInstanceOf(NullPointerException.class);
        EmbeddedSchemaRegistry.Builder builder = EmbeddedSchemaRegistry.builder().storageDirectory(dir.resolve("a"));

        assertThatThrownBy(() -> builder.storageDirectory(dir.resolve("b")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("storageDirectory was already set");
    }

    @Test
    void startWithAMissingDistributionNamesThePathAndTheCommandThatFetchesIt(@TempDir Path dir) {
        Path missing = dir.resolve("apicurio-registry-app-2.6.13.Final-all.tar.gz");

        assertThatThrownBy(() -> EmbeddedSchemaRegistry.builder().distribution(missing).start())
                .isInstanceOf(EmbeddedSchemaRegistryException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("mvn dependency:get -Dartifact=io.apicurio:apicurio-registry-app:2.6.13.Final:tar.gz:all");
    }
}
