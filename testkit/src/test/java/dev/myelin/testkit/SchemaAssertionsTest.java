package dev.myelin.testkit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

import dev.myelin.schemas.CompatibilityLevel;

class SchemaAssertionsTest {

    private static Schema record(String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Opened\",\"namespace\":\"bank\",\"fields\":["
                + fields + "]}");
    }

    private static final Schema V1 = record("{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"owner\",\"type\":\"string\"}");
    private static final Schema V2_ADDS_DEFAULTED = record("{\"name\":\"id\",\"type\":\"string\"},"
            + "{\"name\":\"owner\",\"type\":\"string\"},{\"name\":\"currency\",\"type\":\"string\",\"default\":\"EUR\"}");
    private static final Schema V3_DROPS_OWNER = record("{\"name\":\"id\",\"type\":\"string\"},"
            + "{\"name\":\"currency\",\"type\":\"string\",\"default\":\"EUR\"}");
    private static final Schema V3_ADDS_REQUIRED = record("{\"name\":\"id\",\"type\":\"string\"},"
            + "{\"name\":\"owner\",\"type\":\"string\"},{\"name\":\"branch\",\"type\":\"string\"}");

    @Test
    void passes_for_a_field_added_with_a_default() {
        SchemaAssertions.assertThat(V2_ADDS_DEFAULTED).isBackwardCompatibleWith(V1).isForwardCompatibleWith(V1)
                .isFullyCompatibleWith(V1).isCompatibleWith(CompatibilityLevel.FULL_TRANSITIVE, V1).canRead(V1);
    }

    @Test
    void backward_fails_naming_the_new_field_without_default() {
        assertThatThrownBy(() -> SchemaAssertions.assertThat(V3_ADDS_REQUIRED).isBackwardCompatibleWith(V1, V2_ADDS_DEFAULTED))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expecting schema bank.Opened to be BACKWARD_TRANSITIVE compatible with 2 older schemas")
                .hasMessageContaining("field 'branch' has no default value");
    }

    @Test
    void forward_and_full_fail_naming_the_removed_field() {
        SchemaAssertions.assertThat(V3_DROPS_OWNER).isBackwardCompatibleWith(V2_ADDS_DEFAULTED)
                .isNotForwardCompatibleWith(V2_ADDS_DEFAULTED).isNotFullyCompatibleWith(V2_ADDS_DEFAULTED);
        assertThatThrownBy(() -> SchemaAssertions.assertThat(V3_DROPS_OWNER).isFullyCompatibleWith(V2_ADDS_DEFAULTED))
                .isInstanceOf(AssertionError.class).hasMessageContaining("FORWARD: existing schema 1 of 1")
                .hasMessageContaining("field 'owner' has no default value");
    }

    @Test
    void negative_assertions_fail_when_the_schemas_are_compatible() {
        assertThatThrownBy(() -> SchemaAssertions.assertThat(V2_ADDS_DEFAULTED).isNotBackwardCompatibleWith(V1))
                .isInstanceOf(AssertionError.class).hasMessageContaining("not to be BACKWARD_TRANSITIVE compatible")
                .hasMessageContaining("but it is");
        assertThatThrownBy(() -> SchemaAssertions.assertThat(V2_ADDS_DEFAULTED).isNotCompatibleWith(CompatibilityLevel.NONE, V1))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void non_transitive_levels_compare_with_the_last_schema_only() {
        // The oldest schema required "branch", which V2 lacks: only the transitive rule looks that far back.
        SchemaAssertions.assertThat(V2_ADDS_DEFAULTED).isCompatibleWith(CompatibilityLevel.FORWARD, V3_ADDS_REQUIRED, V1)
                .isNotCompatibleWith(CompatibilityLevel.FORWARD_TRANSITIVE, V3_ADDS_REQUIRED, V1);
    }

    @Test
    void can_read_fails_with_the_reason() {
        assertThatThrownBy(() -> SchemaAssertions.assertThat(V3_ADDS_REQUIRED).canRead(V1))
                .isInstanceOf(AssertionError.class).hasMessageContaining("to read data written with bank.Opened")
                .hasMessageContaining("'branch'");
    }

    @Test
    void at_least_one_older_schema_is_required() {
        assertThatThrownBy(() -> SchemaAssertions.assertThat(V1).isBackwardCompatibleWith())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one older schema");
    }

    @Test
    void a_null_schema_fails_like_any_assertj_assertion() {
        assertThatThrownBy(() -> SchemaAssertions.assertThat(null).isBackwardCompatibleWith(V1))
                .isInstanceOf(AssertionError.class).hasMessageContaining("Expecting actual not to be null");
    }
}
