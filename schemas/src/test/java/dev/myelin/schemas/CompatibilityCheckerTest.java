package dev.myelin.schemas;

import static dev.myelin.schemas.CompatibilityLevel.BACKWARD;
import static dev.myelin.schemas.CompatibilityLevel.BACKWARD_TRANSITIVE;
import static dev.myelin.schemas.CompatibilityLevel.FORWARD;
import static dev.myelin.schemas.CompatibilityLevel.FORWARD_TRANSITIVE;
import static dev.myelin.schemas.CompatibilityLevel.FULL;
import static dev.myelin.schemas.CompatibilityLevel.FULL_TRANSITIVE;
import static dev.myelin.schemas.CompatibilityLevel.NONE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class CompatibilityCheckerTest {

    private static Schema record(String fields) {
        return TestSchemas.parse("{\"type\":\"record\",\"name\":\"A\",\"namespace\":\"t\",\"fields\":[" + fields + "]}");
    }

    private static final Schema X = record("{\"name\":\"x\",\"type\":\"string\"}");
    private static final Schema X_Y_DEFAULT = record("{\"name\":\"x\",\"type\":\"string\"},{\"name\":\"y\",\"type\":\"int\",\"default\":0}");
    private static final Schema X_Z = record("{\"name\":\"x\",\"type\":\"string\"},{\"name\":\"z\",\"type\":\"int\"}");
    private static final Schema Y_DEFAULT = record("{\"name\":\"y\",\"type\":\"int\",\"default\":0}");

    @Test
    void adding_a_field_with_a_default_passes_every_level() {
        for (CompatibilityLevel level : CompatibilityLevel.values()) {
            assertThat(CompatibilityChecker.check(level, X_Y_DEFAULT, List.of(X)).compatible()).as("%s", level).isTrue();
        }
    }

    @Test
    void adding_a_field_without_default_breaks_backward_naming_the_field() {
        CompatibilityResult result = CompatibilityChecker.check(BACKWARD, X_Z, List.of(X));

        assertThat(result.compatible()).isFalse();
        assertThat(result.messages()).singleElement().asString()
                .startsWith("BACKWARD: the new schema cannot read data written with existing schema 1 of 1: ")
                .contains("field 'z' has no default value").contains("READER_FIELD_MISSING_DEFAULT_VALUE");
        assertThat(CompatibilityChecker.check(FORWARD, X_Z, List.of(X)).compatible()).isTrue();
    }

    @Test
    void removing_a_field_without_default_breaks_forward_and_full() {
        assertThat(CompatibilityChecker.check(BACKWARD, Y_DEFAULT, List.of(X)).compatible()).isTrue();
        assertThat(CompatibilityChecker.check(FORWARD, Y_DEFAULT, List.of(X)).messages()).singleElement().asString()
                .startsWith("FORWARD: existing schema 1 of 1 cannot read data written with the new schema: ")
                .contains("field 'x' has no default value");
        assertThat(CompatibilityChecker.check(FULL, Y_DEFAULT, List.of(X)).messages()).hasSize(1);
        assertThat(CompatibilityChecker.check(NONE, Y_DEFAULT, List.of(X)).compatible()).isTrue();
    }

    @Test
    void non_transitive_levels_look_at_the_latest_schema_only() {
        // X -> Y_DEFAULT drops x, then X_Y_DEFAULT brings it back without a default.
        List<Schema> history = List.of(Y_DEFAULT, X);

        assertThat(CompatibilityChecker.check(BACKWARD, X_Y_DEFAULT, history).compatible()).isTrue();
        assertThat(CompatibilityChecker.check(BACKWARD_TRANSITIVE, X_Y_DEFAULT, history).messages()).singleElement()
                .asString().contains("existing schema 1 of 2").contains("field 'x'");
        assertThat(CompatibilityChecker.check(FORWARD_TRANSITIVE, Y_DEFAULT, List.of(X, X_Y_DEFAULT)).messages())
                .hasSize(2);
        assertThat(CompatibilityChecker.check(FULL_TRANSITIVE, X_Y_DEFAULT, history).compatible()).isFalse();
    }

    @Test
    void type_changes_name_the_nested_field_path() {
        Schema v1 = TestSchemas.parse("""
                {"type":"record","name":"A","fields":[{"name":"owner","type":
                  {"type":"record","name":"Owner","fields":[{"name":"age","type":"int"}]}}]}""");
        Schema v2 = TestSchemas.parse("""
                {"type":"record","name":"A","fields":[{"name":"owner","type":
                  {"type":"record","name":"Owner","fields":[{"name":"age","type":"string"}]}}]}""");

        assertThat(CompatibilityChecker.check(BACKWARD, v2, List.of(v1)).messages()).singleElement().asString()
                .contains("field 'owner.age' has type string in the reader but int in the writer");
    }

    @Test
    void enum_and_union_problems_are_explained() {
        Schema twoSymbols = TestSchemas.parse("""
                {"type":"record","name":"A","fields":[{"name":"kind","type":{"type":"enum","name":"K","symbols":["A","B"]}},
                  {"name":"u","type":["null","string","int"]}]}""");
        Schema oneSymbol = TestSchemas.parse("""
                {"type":"record","name":"A","fields":[{"name":"kind","type":{"type":"enum","name":"K","symbols":["A"]}},
                  {"name":"u","type":["null","string"]}]}""");

        assertThat(CompatibilityChecker.check(BACKWARD, oneSymbol, List.of(twoSymbols)).messages()).hasSize(2)
                .anySatisfy(m -> assertThat(m).contains("enum 'kind' lacks the writer's symbols [B]"))
                .anySatisfy(m -> assertThat(m).contains("union 'u' has no branch for the writer's INT"));
    }

    @Test
    void a_renamed_record_without_alias_is_a_name_mismatch() {
        Schema renamed = TestSchemas.parse("{\"type\":\"record\",\"name\":\"B\",\"namespace\":\"t\",\"fields\":[{\"name\":\"x\",\"type\":\"string\"}]}");

        assertThat(CompatibilityChecker.canRead(renamed, X).messages()).singleElement().asString()
                .contains("is named t.B in the reader but t.A in the writer; add an alias");
    }

    @Test
    void nothing_registered_means_compatible() {
        assertThat(CompatibilityChecker.check(FULL_TRANSITIVE, X, List.of())).isEqualTo(CompatibilityResult.ok());
    }
}
