package dev.myelin.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;

import dev.myelin.embedded.EmbeddedSchemaRegistry;
import dev.myelin.embedded.MyelinSchemaRegistry;
import dev.myelin.schemas.testing.AccountOpened;

/**
 * The HTTP client and the serdes against a real Apicurio Registry (its Confluent-compatible API).
 * The registry lives for the whole class, so each test uses subjects of its own.
 */
@MyelinSchemaRegistry
class ApicurioRegistryIT {

    private static final Schema V1 = TestSchemas.ACCOUNT_OPENED_V1;
    private static final Schema V2 = AccountOpened.getClassSchema();
    /** Version 2 without the owner field, which has no default: FORWARD- and so FULL-incompatible. */
    private static final Schema V3_WITHOUT_OWNER = TestSchemas.parse("""
            {"type":"record","name":"AccountOpened","namespace":"dev.myelin.schemas.testing","fields":[
              {"name":"accountId","type":"string"},{"name":"currency","type":"string","default":"EUR"}]}""");

    private final String url;
    private final SchemaRegistry registry;

    ApicurioRegistryIT(EmbeddedSchemaRegistry embedded) {
        url = embedded.url();
        registry = SchemaRegistry.connect(Map.of(SchemaRegistryConfig.URL, url));
    }

    @Test
    void registers_looks_up_and_reads_back_a_schema() {
        int id = registry.register("it-register", V1);

        assertThat(registry.register("it-register", V1)).isEqualTo(id);
        assertThat(registry.lookup("it-register", V1)).hasValueSatisfying(found -> {
            assertThat(found.id()).isEqualTo(id);
            assertThat(found.version()).isEqualTo(1);
            assertThat(found.schema()).isEqualTo(V1);
        });
        assertThat(registry.lookup("it-register", V2)).isEmpty();
        assertThat(registry.lookup("it-no-such-subject", V1)).isEmpty();
        assertThat(registry.versions("it-register")).containsExactly(1);
        assertThat(registry.latest("it-register").schema()).isEqualTo(V1);
        assertThat(registry.version("it-register", 1).id()).isEqualTo(id);
        assertThat(registry.subjects()).contains("it-register");
        SchemaRegistry fresh = SchemaRegistry.connect(Map.of(SchemaRegistryConfig.URL, url));
        assertThat(fresh.schemaById(id)).isEqualTo(V1);
    }

    @Test
    void adding_a_field_with_a_default_is_accepted() {
        registry.register("it-evolve", V1);

        assertThat(registry.testCompatibility("it-evolve", V2).compatible()).isTrue();
        int id = registry.register("it-evolve", V2);

        assertThat(registry.versions("it-evolve")).containsExactly(1, 2);
        assertThat(registry.latest("it-evolve").id()).isEqualTo(id);
    }

    @Test
    void removing_a_field_without_default_under_full_is_rejected_with_the_reason() {
        registry.setCompatibility("it-full", CompatibilityLevel.FULL);
        registry.register("it-full", V2);

        assertThat(registry.compatibility("it-full")).hasValue(CompatibilityLevel.FULL);
        CompatibilityResult test = registry.testCompatibility("it-full", V3_WITHOUT_OWNER);
        assertThat(test.compatible()).isFalse();
        assertThat(test.messages()).anySatisfy(m -> assertThat(m).contains("owner"));
        assertThatThrownBy(() -> registry.register("it-full", V3_WITHOUT_OWNER))
                .isInstanceOfSatisfying(IncompatibleSchemaException.class, e -> {
                    assertThat(e.httpStatus()).hasValue(409);
                    assertThat(e.registryMessage()).contains("owner");
                });
        assertThat(registry.versions("it-full")).containsExactly(1);
        // The local checker agrees, and says more.
        assertThat(CompatibilityChecker.check(CompatibilityLevel.FULL, V3_WITHOUT_OWNER, List.of(V2)).messages())
                .singleElement().asString().contains("field 'owner' has no default value");
    }

    @Test
    void missing_things_raise_typed_exceptions() {
        registry.register("it-missing", V1);

        assertThatThrownBy(() -> registry.versions("it-nope")).isInstanceOf(SubjectNotFoundException.class);
        assertThatThrownBy(() -> registry.latest("it-nope")).isInstanceOf(SubjectNotFoundException.class);
        assertThatThrownBy(() -> registry.version("it-missing", 99)).isInstanceOf(VersionNotFoundException.class)
                .hasMessageContaining("99");
        assertThatThrownBy(() -> registry.schemaById(999_999)).isInstanceOf(SchemaNotFoundException.class);
        assertThat(registry.testCompatibility("it-nope", V1).compatible()).isTrue();
    }

    @Test
    void the_global_level_can_be_read_and_set() {
        assertThat(registry.globalCompatibility()).isEqualTo(CompatibilityLevel.BACKWARD);
        try {
            registry.setGlobalCompatibility(CompatibilityLevel.FORWARD);
            assertThat(registry.globalCompatibility()).isEqualTo(CompatibilityLevel.FORWARD);
        } finally {
            registry.setGlobalCompatibility(CompatibilityLevel.BACKWARD);
        }
    }

    @Test
    void serialized_bytes_carry_the_registry_id_and_decode_with_plain_avro() throws Exception {
        AvroSerdeConfig config = AvroSerdeConfig.builder(registry).subjectNameStrategy(SubjectNameStrategy.TOPIC).build();
        AccountOpened event = new AccountOpened("acc-1", "Ada", "CHF");

        byte[] bytes = new AvroSerializer<AccountOpened>(config).serialize("it-wire", event);

        int id = registry.lookup("it-wire-value", V2).orElseThrow().id();
        assertThat(bytes[0]).isZero();
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null);
        assertThat(new SpecificDatumReader<>(AccountOpened.class).read(null, decoder)).isEqualTo(event);
    }

    @Test
    void old_events_read_into_the_new_class_and_new_events_with_the_old_reader() {
        AvroSerdeConfig config = AvroSerdeConfig.builder(registry).subjectNameStrategy(SubjectNameStrategy.TOPIC).build();
        byte[] old = AvroSerdes.generic(config).serializer().serialize("it-history", TestSchemas.accountOpenedV1("acc-1", "Ada"));
        AvroSerde<AccountOpened> current = AvroSerdes.specific(AccountOpened.class, config);

        assertThat(current.deserializer().deserialize("it-history", old)).isEqualTo(new AccountOpened("acc-1", "Ada", "EUR"));

        byte[] fresh = current.serializer().serialize("it-history", new AccountOpened("acc-2", "Bob", "CHF"));
        GenericRecord read = AvroSerdes.generic(V1, config).deserializer().deserialize("it-history", fresh);

        assertThat(read.getSchema()).isEqualTo(V1);
        assertThat(read.get("owner").toString()).isEqualTo("Bob");
        assertThat(registry.versions("it-history-value")).containsExactly(1, 2);
    }

    @Test
    void a_serializer_with_auto_registration_off_uses_a_registered_schema_and_refuses_others() {
        AvroSerdeConfig config = AvroSerdeConfig.builder(registry).subjectNameStrategy(SubjectNameStrategy.TOPIC)
                .autoRegister(false).build();
        AvroSerializer<AccountOpened> serializer = new AvroSerializer<>(config);
        AccountOpened event = new AccountOpened("acc-1", "Ada", "EUR");

        assertThatThrownBy(() -> serializer.serialize("it-manual", event)).isInstanceOf(SchemaNotRegisteredException.class);
        int id = registry.register("it-manual-value", V2);

        assertThat(ByteBuffer.wrap(serializer.serialize("it-manual", event), 1, 4).getInt()).isEqualTo(id);
    }
}
