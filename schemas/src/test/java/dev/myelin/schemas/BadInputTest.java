package dev.myelin.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;

import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import dev.myelin.schemas.testing.AccountOpened;
import dev.myelin.schemas.testing.MoneyDeposited;
import dev.myelin.untrusted.Probe;

/** Every kind of bad input gets a typed exception that names where the record came from. */
class BadInputTest {

    private static final String TOPIC = "bank.account.events";

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final AvroSerde<AccountOpened> serde = AvroSerdes.specific(AccountOpened.class, registry);
    private final byte[] good = serde.serializer().serialize(TOPIC, new AccountOpened("acc-1", "Ada Lovelace", "EUR"));

    @Test
    void a_first_byte_other_than_zero_is_a_wire_format_error_naming_topic_partition_and_offset() {
        byte[] bad = good.clone();
        bad[0] = 1;

        assertThatThrownBy(() -> serde.deserializer().deserialize(RecordOrigin.of(TOPIC, 3, 42), bad))
                .isInstanceOfSatisfying(WireFormatException.class, e -> {
                    assertThat(e.origin()).isEqualTo(RecordOrigin.of(TOPIC, 3, 42));
                    assertThat(e.origin().partition()).hasValue(3);
                    assertThat(e.origin().offset()).hasValue(42);
                })
                .hasMessageContaining("0x01").hasMessageContaining("magic byte 0")
                .hasMessageContaining("topic bank.account.events partition 3 offset 42");
    }

    @Test
    void kafka_deserialize_names_the_topic_only() {
        byte[] bad = {'{', '"', 'a', '"', '}'};

        assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, bad))
                .isInstanceOfSatisfying(WireFormatException.class, e -> {
                    assertThat(e.origin().topic()).isEqualTo(TOPIC);
                    assertThat(e.origin().partition()).isEmpty();
                    assertThat(e.origin().offset()).isEmpty();
                })
                .hasMessageEndingWith("(topic bank.account.events)");
    }

    @Test
    void fewer_bytes_than_the_header_is_a_wire_format_error() {
        assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, new byte[] {0, 0, 1}))
                .isInstanceOf(WireFormatException.class).hasMessageContaining("3 bytes, fewer than the 5-byte");
        assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, new byte[0]))
                .isInstanceOf(WireFormatException.class).hasMessageContaining("0 bytes");
    }

    @Test
    void an_unknown_schema_id_is_reported_with_the_id() {
        byte[] bad = good.clone();
        bad[4] = 99;

        assertThatThrownBy(() -> serde.deserializer().deserialize(RecordOrigin.of(TOPIC, 0, 7), bad))
                .isInstanceOfSatisfying(UnknownSchemaIdException.class, e -> assertThat(e.schemaId()).isEqualTo(99))
                .hasMessageContaining("schema id 99 is unknown").hasMessageContaining("offset 7")
                .hasCauseInstanceOf(SchemaNotFoundException.class);
    }

    @Test
    void truncated_bytes_are_a_wire_format_error() {
        for (int length = 5; length < good.length; length++) {
            byte[] truncated = Arrays.copyOf(good, length);
            assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, truncated))
                    .as("truncated to %d of %d bytes", length, good.length)
                    .isInstanceOf(WireFormatException.class).hasMessageContaining("truncated or corrupt");
        }
    }

    @Test
    void bytes_left_over_after_the_record_are_a_wire_format_error() {
        byte[] longer = Arrays.copyOf(good, good.length + 3);

        assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, longer))
                .isInstanceOf(WireFormatException.class).hasMessageContaining("bytes left over");
    }

    @Test
    void null_is_a_tombstone_by_default() {
        assertThat(serde.deserializer().deserialize(TOPIC, null)).isNull();
        assertThat(serde.deserializer().deserializeAll(RecordOrigin.topic(TOPIC), null)).isEmpty();
        assertThat(serde.serializer().serialize(TOPIC, null)).isNull();
    }

    @Test
    void null_is_an_error_when_tombstones_are_off() {
        AvroSerdeConfig strict = AvroSerdeConfig.builder(registry).tombstones(false).build();
        AvroSerde<AccountOpened> strictSerde = AvroSerdes.specific(AccountOpened.class, strict);

        assertThatThrownBy(() -> strictSerde.deserializer().deserialize(RecordOrigin.of(TOPIC, 1, 2), null))
                .isInstanceOf(WireFormatException.class).hasMessageContaining("null").hasMessageContaining("offset 2");
        assertThatThrownBy(() -> strictSerde.deserializer().deserializeAll(RecordOrigin.topic(TOPIC), null))
                .isInstanceOf(WireFormatException.class);
        assertThatThrownBy(() -> strictSerde.serializer().serialize(TOPIC, null))
                .isInstanceOf(RecordEncodingException.class).hasMessageContaining("tombstones are off");
    }

    @Test
    void a_record_of_another_type_cannot_be_read_as_the_class() {
        byte[] deposit = AvroSerdes.specific(MoneyDeposited.class, registry).serializer()
                .serialize(TOPIC, new MoneyDeposited("acc-1", 5L));

        assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, deposit))
                .isExactlyInstanceOf(UndecodableRecordException.class)
                .hasMessageContaining("MoneyDeposited").hasMessageContaining("cannot be read as dev.myelin.schemas.testing.AccountOpened");
    }

    @Test
    void a_class_outside_the_trusted_packages_is_refused_before_it_is_loaded() {
        byte[] probe = AvroSerdes.specific(Probe.class, registry).serializer().serialize(TOPIC, new Probe("hi"));
        AvroSerdeConfig trusted = AvroSerdeConfig.builder(registry).trustedPackages("dev.myelin.schemas").build();
        AvroDeserializer<SpecificRecord> deserializer = AvroDeserializer.specific(trusted);

        assertThat(deserializer.deserialize(TOPIC, good)).isEqualTo(new AccountOpened("acc-1", "Ada Lovelace", "EUR"));
        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, probe))
                .isInstanceOf(UntrustedClassException.class)
                .hasMessageContaining("dev.myelin.untrusted.Probe").hasMessageContaining("myelin.avro.trusted.packages");
    }

    @Test
    void a_fixed_class_outside_the_trusted_packages_is_refused_at_construction() {
        AvroSerdeConfig trusted = AvroSerdeConfig.builder(registry).trustedPackages("dev.myelin.schemas.testing").build();

        assertThatThrownBy(() -> AvroSerdes.specific(Probe.class, trusted))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not in a trusted package");
    }

    @Test
    void a_value_that_is_not_an_avro_record_cannot_be_serialized() {
        AvroSerializer<Object> serializer = new AvroSerializer<>(AvroSerdeConfig.builder(registry).build());

        assertThatThrownBy(() -> serializer.serialize(TOPIC, "just a string"))
                .isInstanceOf(RecordEncodingException.class).hasMessageContaining("java.lang.String")
                .hasMessageContaining(TOPIC);
    }

    @Test
    void a_missing_required_field_cannot_be_serialized() {
        GenericRecord incomplete = new GenericData.Record(TestSchemas.FUNDS_ADDED);
        incomplete.put("accountId", "acc-1");

        assertThatThrownBy(() -> AvroSerdes.generic(registry).serializer().serialize(TOPIC, incomplete))
                .isInstanceOf(RecordEncodingException.class).hasMessageContaining("FundsAdded").hasMessageContaining(TOPIC);
    }

    @Test
    void an_unconfigured_serde_says_how_to_configure_it() {
        assertThatThrownBy(() -> new AvroSerializer<>().serialize(TOPIC, new Probe("x")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("myelin.schema.registry.url");
        assertThatThrownBy(() -> new AvroDeserializer<>().deserialize(TOPIC, good))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("myelin.schema.registry.url");
    }
}
