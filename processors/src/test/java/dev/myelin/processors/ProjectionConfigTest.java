package dev.myelin.processors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ProjectionConfigTest {

    @Test
    void passesStreamsPropertiesThroughAndParsesMyelinOnes() {
        ProjectionConfig config = ProjectionConfig.builder()
                .bootstrapServers("localhost:9092")
                .properties(Map.of("commit.interval.ms", 50, ProjectionConfig.APPLICATION, "bank",
                        ProjectionConfig.CREATE_TOPICS, "false", ProjectionConfig.CLOSE_TIMEOUT_MS, "1500"))
                .build();

        assertThat(config.settings().streamsProperties())
                .containsOnly(Map.entry("bootstrap.servers", "localhost:9092"), Map.entry("commit.interval.ms", 50));
        assertThat(config.settings().application()).isEqualTo("bank");
        assertThat(config.settings().createTopics()).isFalse();
        assertThat(config.settings().closeTimeout()).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void parsesTheQuerySettings() {
        ProjectionConfig config = ProjectionConfig.builder()
                .bootstrapServers("localhost:9092")
                .properties(Map.of(ProjectionConfig.QUERY_ENDPOINT, "app-1.internal:7070", ProjectionConfig.QUERY_TIMEOUT_MS, "250",
                        ProjectionConfig.QUERY_CACHE_MS, "100"))
                .build();

        assertThat(config.settings().queryHost()).isEqualTo("app-1.internal");
        assertThat(config.settings().queryPort()).isEqualTo(7070);
        assertThat(config.settings().queryTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(config.settings().queryCacheTime()).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void rejectsABadQueryEndpoint() {
        assertThatIllegalArgumentException().isThrownBy(() -> ProjectionConfig.builder().property(ProjectionConfig.QUERY_ENDPOINT, "7070"))
                .withMessageContaining("must be host:port");
        assertThatIllegalArgumentException().isThrownBy(() -> ProjectionConfig.builder().queryEndpoint("host", 70000))
                .withMessageContaining("0 to 65535");
        assertThatIllegalArgumentException().isThrownBy(() -> ProjectionConfig.builder().property("application.server", "h:1"))
                .withMessageContaining("set that instead");
    }

    @Test
    void aProjectionWithAWeakerGuaranteeIsRefusedAtStartUnlessExplicitlyAllowed() {
        ProjectionConfig weaker = ProjectionConfig.builder().bootstrapServers("unused:9092")
                .property("processing.guarantee", "at_least_once").build();

        // refused before anything connects: the view could count an event twice after a crash
        assertThatThrownBy(() -> RunningProjection.start(CrashChild.projection(), weaker))
                .isInstanceOf(dev.myelin.eventstore.WeakerGuaranteeException.class)
                .hasMessageContaining("processing.guarantee=at_least_once")
                .hasMessageContaining("myelin.unsafe.allow-weaker-guarantees");
        assertThatThrownBy(() -> ProjectionConfig.builder().property("myelin.unsafe.allow-weaker-guarantees", "maybe"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsAnUnknownMyelinKey() {
        assertThatIllegalArgumentException().isThrownBy(() -> ProjectionConfig.builder().property("myelin.aplication", "x"))
                .withMessageContaining("unknown Myelin property myelin.aplication");
    }

    @Test
    void rejectsAnApplicationId() {
        assertThatIllegalArgumentException().isThrownBy(() -> ProjectionConfig.builder().property("application.id", "x"))
                .withMessageContaining("set myelin.application instead");
    }

    @Test
    void rejectsAKeySetTwice() {
        assertThatIllegalStateException()
                .isThrownBy(() -> ProjectionConfig.builder().property("commit.interval.ms", 1).property("commit.interval.ms", 2))
                .withMessage("commit.interval.ms was already set to 1");
        assertThatIllegalStateException().isThrownBy(() -> ProjectionConfig.builder().application("a").application("b"))
                .withMessage("myelin.application was already set to a");
    }

    @Test
    void rejectsMalformedMyelinValues() {
        assertThatIllegalArgumentException().isThrownBy(() -> ProjectionConfig.builder().property(ProjectionConfig.CREATE_TOPICS, "yes"));
        assertThatIllegalArgumentException().isThrownBy(() -> ProjectionConfig.builder().property(ProjectionConfig.CLOSE_TIMEOUT_MS, "soon"));
        assertThatIllegalArgumentException().isThrownBy(() -> ProjectionConfig.builder().application("bank account"));
        assertThatIllegalArgumentException().isThrownBy(() -> ProjectionConfig.builder().closeTimeout(Duration.ofMillis(-1)));
    }

    @Test
    void requiresBootstrapServers() {
        assertThatIllegalStateException().isThrownBy(() -> ProjectionConfig.builder().build())
                .withMessageContaining("bootstrap.servers is not set");
    }

    @Test
    void keepsDeadLettersThirtyDaysUnlessToldOtherwise() {
        assertThat(ProjectionConfig.builder().bootstrapServers("k:9092").build().settings().deadLetterRetention())
                .isEqualTo(Duration.ofDays(30));
        assertThat(ProjectionConfig.builder().bootstrapServers("k:9092")
                .property(ProjectionConfig.DEAD_LETTER_RETENTION_MS, "7200000").build().settings().deadLetterRetention())
                .isEqualTo(Duration.ofHours(2));
        assertThat(ProjectionConfig.builder().bootstrapServers("k:9092").deadLetterRetention(Duration.ofDays(90)).build()
                .settings().deadLetterRetention()).isEqualTo(Duration.ofDays(90));
    }

    @Test
    void rejectsADeadLetterRetentionShorterThanAMinuteOrSetTwice() {
        assertThatIllegalArgumentException().isThrownBy(() -> ProjectionConfig.builder().deadLetterRetention(Duration.ofSeconds(59)))
                .withMessageContaining("at least one minute");
        assertThatIllegalArgumentException().isThrownBy(() -> ProjectionConfig.builder()
                        .property(ProjectionConfig.DEAD_LETTER_RETENTION_MS, "-1"))
                .withMessageContaining("at least one minute");
        assertThatIllegalStateException().isThrownBy(() -> ProjectionConfig.builder().deadLetterRetention(Duration.ofDays(1))
                        .property(ProjectionConfig.DEAD_LETTER_RETENTION_MS, 1_000_000))
                .withMessageContaining("myelin.dead-letter.retention.ms was already set to PT24H");
    }
}
