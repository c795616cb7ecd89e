package dev.myelin.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

class AvroSerdeConfigTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    @Test
    void defaults_are_record_subjects_auto_registration_all_packages_no_upcasters_and_tombstones() {
        AvroSerdeConfig config = AvroSerdeConfig.builder(registry).build();

        assertThat(config.subjectNameStrategy()).isSameAs(SubjectNameStrategy.RECORD);
        assertThat(config.autoRegister()).isTrue();
        assertThat(config.trusts("any.pkg.Cls")).isTrue();
        assertThat(config.upcasters().isEmpty()).isTrue();
        assertThat(config.tombstones()).isTrue();
    }

    @Test
    void each_setting_may_be_set_only_once() {
        assertThatThrownBy(() -> AvroSerdeConfig.builder(registry).subjectNameStrategy(SubjectNameStrategy.TOPIC)
                .subjectNameStrategy(SubjectNameStrategy.RECORD))
                .isInstanceOf(IllegalStateException.class).hasMessage("subjectNameStrategy was already set to topic");
        assertThatThrownBy(() -> AvroSerdeConfig.builder(registry).autoRegister(false).autoRegister(true))
                .isInstanceOf(IllegalStateException.class).hasMessage("autoRegister was already set to false");
        assertThatThrownBy(() -> AvroSerdeConfig.builder(registry).trustedPackages("a").trustedPackages("b"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("trustedPackages was already set");
        assertThatThrownBy(() -> AvroSerdeConfig.builder(registry).upcasters(UpcasterChain.empty()).upcasters(UpcasterChain.empty()))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> AvroSerdeConfig.builder(registry).tombstones(true).tombstones(true))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void trusted_packages_must_be_package_names() {
        assertThatThrownBy(() -> AvroSerdeConfig.builder(registry).trustedPackages())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one");
        assertThatThrownBy(() -> AvroSerdeConfig.builder(registry).trustedPackages("com.example..x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a package name");
    }

    @Test
    void trusted_packages_cover_their_subpackages_only() {
        AvroSerdeConfig config = AvroSerdeConfig.builder(registry).trustedPackages("com.example.bank").build();

        assertThat(config.trusts("com.example.bank.AccountOpened")).isTrue();
        assertThat(config.trusts("com.example.bank.events.AccountOpened")).isTrue();
        assertThat(config.trusts("com.example.banking.AccountOpened")).isFalse();
        assertThat(config.trusts("com.example.Bank")).isFalse();
        assertThat(AvroSerdeConfig.builder(registry).trustedPackages("*").build().trusts("x.Y")).isTrue();
    }

    @Test
    void properties_configure_every_setting() {
        UpcasterChain upcasters = UpcasterChain.of(Upcaster.of("a.B", r -> java.util.List.of(r)));
        AvroSerdeConfig config = AvroSerdeConfig.fromProperties(Map.of(
                AvroSerdeConfig.REGISTRY, registry,
                AvroSerdeConfig.SUBJECT_NAME_STRATEGY, "topic-record",
                AvroSerdeConfig.AUTO_REGISTER, "false",
                AvroSerdeConfig.TRUSTED_PACKAGES, "com.example.a, com.example.b",
                AvroSerdeConfig.UPCASTERS, upcasters,
                AvroSerdeConfig.TOMBSTONES, false,
                AvroSerdeConfig.SPECIFIC_READER, "true"));

        assertThat(config.registry()).isSameAs(registry);
        assertThat(config.subjectNameStrategy()).isSameAs(SubjectNameStrategy.TOPIC_RECORD);
        assertThat(config.autoRegister()).isFalse();
        assertThat(config.trustedPackages()).containsExactlyInAnyOrder("com.example.a", "com.example.b");
        assertThat(config.upcasters()).isSameAs(upcasters);
        assertThat(config.tombstones()).isFalse();
        assertThat(config.specificReader()).isTrue();
    }

    @Test
    void a_registry_url_in_the_properties_makes_an_http_client() {
        AvroSerdeConfig config = AvroSerdeConfig.fromProperties(Map.of(SchemaRegistryConfig.URL, "http://127.0.0.1:1"));

        assertThat(config.registry().toString()).startsWith("HttpSchemaRegistry[SchemaRegistryConfig[url=http://127.0.0.1:1");
    }

    @Test
    void bad_properties_are_refused() {
        assertThatThrownBy(() -> AvroSerdeConfig.fromProperties(Map.of(AvroSerdeConfig.REGISTRY, registry,
                "myelin.avro.auto.registration", "true")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown Avro serde property 'myelin.avro.auto.registration'");
        assertThatThrownBy(() -> AvroSerdeConfig.fromProperties(Map.of(AvroSerdeConfig.REGISTRY, registry,
                AvroSerdeConfig.AUTO_REGISTER, "yes")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("true or false");
        assertThatThrownBy(() -> AvroSerdeConfig.fromProperties(Map.of(AvroSerdeConfig.REGISTRY, "http://x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be a dev.myelin.schemas.SchemaRegistry");
        assertThatThrownBy(() -> AvroSerdeConfig.fromProperties(Map.of(AvroSerdeConfig.REGISTRY, registry,
                SchemaRegistryConfig.URL, "http://x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not both");
        assertThatThrownBy(() -> AvroSerdeConfig.fromProperties(Map.of()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no schema registry configured");
    }
}
