package dev.myelin.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

import dev.myelin.schemas.testing.AccountOpened;

class InMemorySchemaRegistryTest {

    private static final String SUBJECT = "dev.myelin.schemas.testing.AccountOpened";
    private static final Schema V1 = TestSchemas.ACCOUNT_OPENED_V1;
    private static final Schema V2 = AccountOpened.getClassSchema();
    private static final Schema V3_REQUIRED_FIELD = TestSchemas.parse("""
            {"type":"record","name":"AccountOpened","namespace":"dev.myelin.schemas.testing","fields":[
              {"name":"accountId","type":"string"},{"name":"owner","type":"string"},
              {"name":"currency","type":"string","default":"EUR"},{"name":"branch","type":"string"}]}""");

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    @Test
    void ids_start_at_one_and_versions_count_per_subject() {
        assertThat(registry.register(SUBJECT, V1)).isEqualTo(1);
        assertThat(registry.register(SUBJECT, V2)).isEqualTo(2);

        assertThat(registry.versions(SUBJECT)).containsExactly(1, 2);
        assertThat(registry.latest(SUBJECT)).isEqualTo(new RegisteredSchema(SUBJECT, 2, 2, V2));
        assertThat(registry.version(SUBJECT, 1)).isEqualTo(new RegisteredSchema(SUBJECT, 1, 1, V1));
        assertThat(registry.schemaById(2)).isEqualTo(V2);
    }

    @Test
    void the_same_schema_keeps_its_id_in_every_subject_and_on_re_registration() {
        int id = registry.register(SUBJECT, V1);

        assertThat(registry.register(SUBJECT, V1)).isEqualTo(id);
        assertThat(registry.register("other", V1)).isEqualTo(id);
        assertThat(registry.versions(SUBJECT)).containsExactly(1);
        assertThat(registry.lookup("other", V1)).hasValue(new RegisteredSchema("other", id, 1, V1));
    }

    @Test
    void backward_is_the_default_and_refuses_a_new_field_without_default() {
        registry.register(SUBJECT, V1);
        registry.register(SUBJECT, V2);

        assertThat(registry.globalCompatibility()).isEqualTo(CompatibilityLevel.BACKWARD);
        assertThat(registry.compatibility(SUBJECT)).isEmpty();
        assertThat(registry.testCompatibility(SUBJECT, V3_REQUIRED_FIELD).compatible()).isFalse();
        assertThatThrownBy(() -> registry.register(SUBJECT, V3_REQUIRED_FIELD))
                .isInstanceOfSatisfying(IncompatibleSchemaException.class, e -> {
                    assertThat(e.httpStatus()).hasValue(409);
                    assertThat(e.registryMessage()).contains("field 'branch' has no default value");
                });
        assertThat(registry.versions(SUBJECT)).containsExactly(1, 2);
    }

    @Test
    void a_subject_level_overrides_the_global_one() {
        registry.register(SUBJECT, V1);
        registry.setCompatibility(SUBJECT, CompatibilityLevel.NONE);

        assertThat(registry.compatibility(SUBJECT)).hasValue(CompatibilityLevel.NONE);
        assertThat(registry.register(SUBJECT, V3_REQUIRED_FIELD)).isEqualTo(2);
    }

    @Test
    void full_refuses_removing_a_field_without_default() {
        registry.register(SUBJECT, V2);
        registry.setGlobalCompatibility(CompatibilityLevel.FULL);

        assertThatThrownBy(() -> registry.register(SUBJECT, TestSchemas.parse("""
                {"type":"record","name":"AccountOpened","namespace":"dev.myelin.schemas.testing","fields":[
                  {"name":"accountId","type":"string"},{"name":"currency","type":"string","default":"EUR"}]}""")))
                .isInstanceOf(IncompatibleSchemaException.class)
                .hasMessageContaining("FORWARD").hasMessageContaining("field 'owner' has no default value");
    }

    @Test
    void missing_subjects_versions_and_ids_raise_typed_exceptions() {
        registry.register(SUBJECT, V1);

        assertThatThrownBy(() -> registry.versions("nope")).isInstanceOf(SubjectNotFoundException.class);
        assertThatThrownBy(() -> registry.latest("nope")).isInstanceOf(SubjectNotFoundException.class);
        assertThatThrownBy(() -> registry.version(SUBJECT, 2)).isInstanceOf(VersionNotFoundException.class);
        assertThatThrownBy(() -> registry.schemaById(7)).isInstanceOf(SchemaNotFoundException.class)
                .hasMessageContaining("id 7");
        assertThat(registry.lookup(SUBJECT, V2)).isEmpty();
        assertThat(registry.lookup("nope", V1)).isEmpty();
        assertThat(registry.testCompatibility("nope", V1).compatible()).isTrue();
    }

    @Test
    void calls_are_counted() {
        long before = registry.calls();
        registry.register(SUBJECT, V1);
        registry.schemaById(1);

        assertThat(registry.calls() - before).isEqualTo(2);
    }
}
