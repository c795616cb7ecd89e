package dev.myelin.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

import dev.myelin.schemas.testing.AccountOpened;
import dev.myelin.schemas.testing.MoneyDeposited;

class AvroSerdesTest {

    private static final String TOPIC = "bank.account.events";
    private static final String SUBJECT = "dev.myelin.schemas.testing.AccountOpened";

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    @Test
    void a_specific_serde_round_trips_and_registers_under_the_record_name() {
        Serde<AccountOpened> serde = AvroSerdes.specific(AccountOpened.class, registry);
        AccountOpened event = new AccountOpened("acc-1", "Ada", "EUR");

        AccountOpened back = serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, event));

        assertThat(back).isEqualTo(event);
        assertThat(registry.subjects()).containsExactly(SUBJECT);
    }

    @Test
    void a_generic_serde_round_trips_in_the_writer_schema() {
        Serde<GenericRecord> serde = AvroSerdes.generic(registry);
        GenericRecord event = TestSchemas.fundsAdded("acc-1", 10);

        GenericRecord back = serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, event));

        assertThat(back).isEqualTo(event);
        assertThat(back.getSchema()).isEqualTo(TestSchemas.FUNDS_ADDED);
    }

    @Test
    void one_serde_for_a_topic_with_several_event_types_decodes_each_into_its_class() {
        Serde<SpecificRecord> events = AvroSerdes.specific(AvroSerdeConfig.builder(registry)
                .trustedPackages("dev.myelin.schemas.testing").build());
        SpecificRecord opened = new AccountOpened("acc-1", "Ada", "EUR");
        SpecificRecord deposited = new MoneyDeposited("acc-1", 500L);

        assertThat(events.deserializer().deserialize(TOPIC, events.serializer().serialize(TOPIC, opened))).isEqualTo(opened);
        assertThat(events.deserializer().deserialize(TOPIC, events.serializer().serialize(TOPIC, deposited))).isEqualTo(deposited);
        assertThat(registry.subjects()).containsExactly(SUBJECT, "dev.myelin.schemas.testing.MoneyDeposited");
    }

    @Test
    void an_old_event_decodes_into_the_current_class_with_defaults_for_new_fields() {
        byte[] old = AvroSerdes.generic(registry).serializer().serialize(TOPIC, TestSchemas.accountOpenedV1("acc-1", "Ada"));

        AccountOpened current = AvroSerdes.specific(AccountOpened.class, registry).deserializer().deserialize(TOPIC, old);

        assertThat(current).isEqualTo(new AccountOpened("acc-1", "Ada", "EUR"));
        assertThat(registry.versions(SUBJECT)).containsExactly(1);
    }

    @Test
    void a_new_event_decodes_with_an_old_reader_schema() {
        registry.register(SUBJECT, TestSchemas.ACCOUNT_OPENED_V1);
        byte[] current = AvroSerdes.specific(AccountOpened.class, registry).serializer()
                .serialize(TOPIC, new AccountOpened("acc-1", "Ada", "CHF"));

        GenericRecord old = AvroSerdes.generic(TestSchemas.ACCOUNT_OPENED_V1, AvroSerdeConfig.builder(registry).build())
                .deserializer().deserialize(TOPIC, current);

        assertThat(old.getSchema()).isEqualTo(TestSchemas.ACCOUNT_OPENED_V1);
        assertThat(old.get("owner").toString()).isEqualTo("Ada");
        assertThat(old.getSchema().getField("currency")).isNull();
        assertThat(registry.versions(SUBJECT)).containsExactly(1, 2);
    }

    @Test
    void decoding_a_known_schema_id_again_asks_the_registry_nothing() {
        Serde<AccountOpened> serde = AvroSerdes.specific(AccountOpened.class, registry);
        byte[] bytes = serde.serializer().serialize(TOPIC, new AccountOpened("acc-1", "Ada", "EUR"));
        serde.deserializer().deserialize(TOPIC, bytes);
        long calls = registry.calls();

        for (int i = 0; i < 10; i++) {
            serde.deserializer().deserialize(TOPIC, bytes);
        }

        assertThat(registry.calls()).isEqualTo(calls);
    }

    @Test
    void with_auto_registration_off_an_unregistered_schema_fails_clearly() {
        AvroSerdeConfig config = AvroSerdeConfig.builder(registry).autoRegister(false).build();
        AvroSerializer<AccountOpened> serializer = new AvroSerializer<>(config);
        AccountOpened event = new AccountOpened("acc-1", "Ada", "EUR");

        assertThatThrownBy(() -> serializer.serialize(TOPIC, event))
                .isInstanceOf(SchemaNotRegisteredException.class)
                .hasMessageContaining("not registered under subject '" + SUBJECT + "'")
                .hasMessageContaining("myelin.avro.auto.register");
        assertThat(registry.subjects()).isEmpty();

        int id = registry.register(SUBJECT, AccountOpened.getClassSchema());
        assertThat(serializer.serialize(TOPIC, event)[4]).isEqualTo((byte) id);
    }

    @Test
    void an_incompatible_schema_fails_the_serializer_with_the_registry_reason() {
        registry.setCompatibility(SUBJECT, CompatibilityLevel.FULL);
        registry.register(SUBJECT, TestSchemas.parse("""
                {"type":"record","name":"AccountOpened","namespace":"dev.myelin.schemas.testing","fields":[
                  {"name":"accountId","type":"string"},{"name":"owner","type":"string"},
                  {"name":"branch","type":"string"}]}"""));

        assertThatThrownBy(() -> AvroSerdes.specific(AccountOpened.class, registry).serializer()
                .serialize(TOPIC, new AccountOpened("acc-1", "Ada", "EUR")))
                .isInstanceOfSatisfying(IncompatibleSchemaException.class,
                        e -> assertThat(e.registryMessage()).contains("field 'branch' has no default value"))
                .hasMessageContaining(SUBJECT);
    }

    @Test
    void a_key_serde_uses_key_subjects() {
        AvroSerdeConfig config = AvroSerdeConfig.builder(registry).subjectNameStrategy(SubjectNameStrategy.TOPIC).build();
        Serde<MoneyDeposited> keys = AvroSerdes.specificKey(MoneyDeposited.class, config);

        MoneyDeposited key = new MoneyDeposited("acc-1", 1L);
        assertThat(keys.deserializer().deserialize(TOPIC, keys.serializer().serialize(TOPIC, key))).isEqualTo(key);
        assertThat(registry.subjects()).containsExactly(TOPIC + "-key");
    }

    @Test
    void a_serde_configured_from_kafka_properties_works() {
        Map<String, Object> props = new HashMap<>();
        props.put("bootstrap.servers", "ignored:9092");
        props.put(AvroSerdeConfig.REGISTRY, registry);
        props.put(AvroSerdeConfig.SPECIFIC_READER, "true");
        props.put(AvroSerdeConfig.SUBJECT_NAME_STRATEGY, "topic");
        AvroSerde<Object> serde = new AvroSerde<>();
        serde.configure(props, false);
        MoneyDeposited event = new MoneyDeposited("acc-1", 42L);

        Object back = serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, event));

        assertThat(back).isEqualTo(event);
        assertThat(registry.subjects()).containsExactly(TOPIC + "-value");
    }

    @Test
    void a_property_configured_deserializer_returns_generic_records_by_default() {
        byte[] bytes = AvroSerdes.specific(MoneyDeposited.class, registry).serializer()
                .serialize(TOPIC, new MoneyDeposited("acc-1", 42L));
        AvroDeserializer<Object> deserializer = new AvroDeserializer<>();
        deserializer.configure(Map.of(AvroSerdeConfig.REGISTRY, registry), false);

        assertThat(deserializer.deserialize(TOPIC, bytes)).isInstanceOf(GenericRecord.class)
                .isNotInstanceOf(MoneyDeposited.class);
    }
}
