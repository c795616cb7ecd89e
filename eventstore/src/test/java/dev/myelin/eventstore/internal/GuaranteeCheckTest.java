package dev.myelin.eventstore.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.eventstore.WeakerGuaranteeException;

class GuaranteeCheckTest {
    private static final String HATCH = "myelin.unsafe.allow-weaker-guarantees";

    static Stream<Arguments> weakeningSettings() {
        return Stream.of(
                Arguments.of("processing.guarantee", "at_least_once"),
                Arguments.of("acks", "1"),
                Arguments.of("acks", "0"),
                Arguments.of("producer.acks", "1"),
                Arguments.of("enable.idempotence", "false"),
                Arguments.of("enable.idempotence", false),
                Arguments.of("producer.enable.idempotence", "FALSE"),
                Arguments.of("isolation.level", "read_uncommitted"),
                Arguments.of("consumer.isolation.level", "read_uncommitted"),
                Arguments.of("main.consumer.isolation.level", "read_uncommitted"),
                Arguments.of("restore.consumer.isolation.level", "read_uncommitted"),
                Arguments.of("global.consumer.isolation.level", "read_uncommitted"));
    }

    static Stream<Arguments> safeSettings() {
        return Stream.of(
                Arguments.of("processing.guarantee", "exactly_once_v2"),
                Arguments.of("acks", "all"),
                Arguments.of("producer.acks", "-1"),
                Arguments.of("acks", -1),
                Arguments.of("enable.idempotence", true),
                Arguments.of("producer.enable.idempotence", "true"),
                Arguments.of("isolation.level", "read_committed"),
                Arguments.of("main.consumer.isolation.level", "READ_COMMITTED"),
                Arguments.of("linger.ms", 0));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("weakeningSettings")
    void aWeakeningSettingIsRefusedNamingItAndTheEscapeHatch(String key, Object value) {
        assertThatThrownBy(() -> GuaranteeCheck.verify(Map.of(key, value), "the test runtime"))
                .isInstanceOfSatisfying(WeakerGuaranteeException.class, e -> assertThat(e.settings()).containsExactly(key + "=" + value))
                .hasMessageStartingWith("the test runtime refuses settings that weaken its guarantees: " + key + "=" + value + " (")
                .hasMessageContaining(HATCH + "=true");
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("weakeningSettings")
    void aWeakeningSettingPassesWithTheEscapeHatchAndIsReported(String key, Object value) {
        assertThat(GuaranteeCheck.verify(Map.of(key, value, HATCH, "true"), "the test runtime")).containsExactly(key + "=" + value);
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("safeSettings")
    void aSafeSettingPasses(String key, Object value) {
        assertThat(GuaranteeCheck.verify(Map.of(key, value), "the test runtime")).isEmpty();
    }

    @Test
    void everyWeakeningSettingIsNamedAtOnce() {
        Map<String, Object> properties = new HashMap<>();
        properties.put("processing.guarantee", "at_least_once");
        properties.put("producer.acks", "1");
        properties.put("consumer.isolation.level", "read_uncommitted");
        assertThatThrownBy(() -> GuaranteeCheck.verify(properties, "the test runtime"))
                .isInstanceOfSatisfying(WeakerGuaranteeException.class, e -> assertThat(e.settings())
                        .containsExactly("processing.guarantee=at_least_once", "producer.acks=1", "consumer.isolation.level=read_uncommitted"));
    }

    @Test
    void anEscapeHatchSetToFalseRefuses() {
        assertThatThrownBy(() -> GuaranteeCheck.verify(Map.of("acks", "1", HATCH, "false"), "the test runtime"))
                .isInstanceOf(WeakerGuaranteeException.class).hasMessageContaining("acks=1");
    }

    @Test
    void javaPropertiesAreCheckedToo() {
        Properties properties = new Properties();
        properties.put("producer.enable.idempotence", "false");
        assertThatThrownBy(() -> GuaranteeCheck.verify(properties, "the test runtime"))
                .isInstanceOf(WeakerGuaranteeException.class).hasMessageContaining("producer.enable.idempotence=false");
    }

    @Test
    void theEscapeHatchSetThroughMyelinConfigReachesTheCheck() {
        MyelinConfig config = MyelinConfig.builder("bank").bootstrapServers("127.0.0.1:9092")
                .property("acks", "1").property(MyelinConfig.ALLOW_WEAKER_GUARANTEES, true).build();
        assertThat(config.properties()).containsEntry(HATCH, "true");
        assertThat(GuaranteeCheck.verify(config.properties(), "the test runtime")).isEqualTo(List.of("acks=1"));
    }

    @Test
    void theEscapeHatchIsTrueOrFalseAndSetOnce() {
        assertThatThrownBy(() -> MyelinConfig.builder("bank").property(HATCH, "yes"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(HATCH).hasMessageContaining("true or false");
        MyelinConfig.Builder builder = MyelinConfig.builder("bank").property(HATCH, "false");
        assertThatThrownBy(() -> builder.property(HATCH, "true"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining(HATCH + " was already set to false");
    }
}
