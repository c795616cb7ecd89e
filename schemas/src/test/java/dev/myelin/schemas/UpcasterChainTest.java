package dev.myelin.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import dev.myelin.schemas.testing.AccountOpened;
import dev.myelin.schemas.testing.MoneyDeposited;

class UpcasterChainTest {

    private static final String TOPIC = "bank.account.events";
    private static final String FUNDS_ADDED = "dev.myelin.schemas.testing.FundsAdded";
    private static final Schema DEPOSITED = MoneyDeposited.getClassSchema();

    /** FundsAdded(accountId, sum) was renamed to MoneyDeposited(accountId, amountCents). */
    private static final Upcaster RENAMED = Upcaster.of(FUNDS_ADDED, old -> {
        GenericRecord now = new GenericData.Record(DEPOSITED);
        now.put("accountId", old.get("accountId"));
        now.put("amountCents", old.get("sum"));
        return List.of(now);
    });

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final byte[] oldEvent = AvroSerdes.generic(registry).serializer().serialize(TOPIC, TestSchemas.fundsAdded("acc-1", 700));

    @Test
    void a_renamed_event_is_read_as_its_new_class() {
        AvroSerdeConfig config = AvroSerdeConfig.builder(registry).upcasters(UpcasterChain.of(RENAMED)).build();

        MoneyDeposited event = AvroDeserializer.specific(MoneyDeposited.class, config).deserialize(TOPIC, oldEvent);

        assertThat(event).isEqualTo(new MoneyDeposited("acc-1", 700L));
    }

    @Test
    void the_renaming_helper_copies_fields_by_name_and_alias() {
        AvroSerdeConfig config = AvroSerdeConfig.builder(registry)
                .upcasters(UpcasterChain.of(Upcaster.renamed(FUNDS_ADDED, DEPOSITED))).trustedPackages("dev.myelin.schemas").build();

        SpecificRecord event = AvroDeserializer.specific(config).deserialize(TOPIC, oldEvent);

        assertThat(event).isEqualTo(new MoneyDeposited("acc-1", 700L));
    }

    @Test
    void the_renaming_helper_refuses_a_new_field_without_default() {
        Upcaster toOpened = Upcaster.renamed(FUNDS_ADDED, AccountOpened.getClassSchema());

        assertThatThrownBy(() -> UpcasterChain.of(toOpened).apply(TestSchemas.fundsAdded("a", 1)))
                .isInstanceOf(UpcastingException.class).hasMessageContaining("field 'owner' is new and has no default");
    }

    @Test
    void events_no_upcaster_handles_take_the_direct_path() {
        AvroSerdeConfig config = AvroSerdeConfig.builder(registry).upcasters(UpcasterChain.of(RENAMED)).build();
        byte[] current = AvroSerdes.specific(MoneyDeposited.class, registry).serializer().serialize(TOPIC, new MoneyDeposited("a", 3L));

        assertThat(UpcasterChain.of(RENAMED).appliesTo(DEPOSITED)).isFalse();
        assertThat(AvroDeserializer.specific(MoneyDeposited.class, config).deserialize(TOPIC, current))
                .isEqualTo(new MoneyDeposited("a", 3L));
    }

    @Test
    void a_generic_reader_gets_the_upcast_record() {
        AvroSerdeConfig config = AvroSerdeConfig.builder(registry).upcasters(UpcasterChain.of(RENAMED)).build();

        GenericRecord event = AvroDeserializer.generic(config).deserialize(TOPIC, oldEvent);

        assertThat(event.getSchema()).isEqualTo(DEPOSITED);
        assertThat(event.get("amountCents")).isEqualTo(700L);
    }

    @Test
    void upcasters_compose_from_oldest_to_newest() {
        Schema v2 = TestSchemas.parse("""
                {"type":"record","name":"FundsAddedV2","namespace":"dev.myelin.schemas.testing","fields":[
                  {"name":"accountId","type":"string"},{"name":"cents","type":"long"}]}""");
        Upcaster first = Upcaster.of(FUNDS_ADDED, old -> {
            GenericRecord r = new GenericData.Record(v2);
            r.put("accountId", old.get("accountId"));
            r.put("cents", old.get("sum"));
            return List.of(r);
        });
        Upcaster second = Upcaster.of(v2.getFullName(), old -> {
            GenericRecord r = new GenericData.Record(DEPOSITED);
            r.put("accountId", old.get("accountId"));
            r.put("amountCents", (Long) old.get("cents") * 10);
            return List.of(r);
        });

        List<GenericRecord> out = UpcasterChain.of(second, first).apply(TestSchemas.fundsAdded("a", 5));

        assertThat(out).singleElement().satisfies(r -> {
            assertThat(r.getSchema()).isEqualTo(DEPOSITED);
            assertThat(r.get("amountCents")).isEqualTo(50L);
        });
    }

    @Test
    void a_split_event_is_returned_whole_by_deserialize_all() {
        Upcaster split = Upcaster.of(FUNDS_ADDED, old -> {
            GenericRecord opened = new GenericData.Record(AccountOpened.getClassSchema());
            opened.put("accountId", old.get("accountId"));
            opened.put("owner", "unknown");
            opened.put("currency", "EUR");
            GenericRecord deposited = new GenericData.Record(DEPOSITED);
            deposited.put("accountId", old.get("accountId"));
            deposited.put("amountCents", old.get("sum"));
            return List.of(opened, deposited);
        });
        AvroSerdeConfig config = AvroSerdeConfig.builder(registry).upcasters(UpcasterChain.of(split)).build();
        AvroDeserializer<SpecificRecord> deserializer = AvroDeserializer.specific(config);

        assertThat(deserializer.deserializeAll(RecordOrigin.of(TOPIC, 0, 9), oldEvent))
                .containsExactly(new AccountOpened("acc-1", "unknown", "EUR"), new MoneyDeposited("acc-1", 700L));
        assertThatThrownBy(() -> deserializer.deserialize(RecordOrigin.of(TOPIC, 0, 9), oldEvent))
                .isInstanceOf(UndecodableRecordException.class).hasMessageContaining("into 2 events")
                .hasMessageContaining("deserializeAll").hasMessageContaining("offset 9");
    }

    @Test
    void an_upcaster_may_drop_an_event() {
        AvroSerdeConfig config = AvroSerdeConfig.builder(registry)
                .upcasters(UpcasterChain.of(Upcaster.of(FUNDS_ADDED, old -> List.of()))).build();

        assertThat(AvroDeserializer.generic(config).deserializeAll(RecordOrigin.topic(TOPIC), oldEvent)).isEmpty();
    }

    @Test
    void a_fingerprinted_upcaster_handles_only_its_writer_schema() {
        Schema otherFundsAdded = TestSchemas.parse("""
                {"type":"record","name":"FundsAdded","namespace":"dev.myelin.schemas.testing","fields":[
                  {"name":"accountId","type":"string"},{"name":"sum","type":"int"}]}""");
        Upcaster exact = Upcaster.of(FUNDS_ADDED, Upcaster.fingerprint(TestSchemas.FUNDS_ADDED), old -> List.of());

        assertThat(exact.appliesTo(TestSchemas.FUNDS_ADDED)).isTrue();
        assertThat(exact.appliesTo(otherFundsAdded)).isFalse();
        assertThat(exact.appliesTo(DEPOSITED)).isFalse();
        Schema sameWithDocs = TestSchemas.parse("""
                {"type": "record", "name": "FundsAdded", "namespace": "dev.myelin.schemas.testing",
                 "doc": "docs and layout do not change the fingerprint",
                 "fields": [{"name": "accountId", "type": "string"}, {"name": "sum", "type": "long"}]}""");
        assertThat(Upcaster.fingerprint(sameWithDocs)).isEqualTo(Upcaster.fingerprint(TestSchemas.FUNDS_ADDED));
    }

    @Test
    void an_upcaster_that_loops_is_stopped() {
        Upcaster loop = Upcaster.of(FUNDS_ADDED, old -> List.of(old));

        assertThatThrownBy(() -> UpcasterChain.of(loop).apply(TestSchemas.fundsAdded("a", 1)))
                .isInstanceOf(UpcastingException.class).hasMessageContaining("did not end after 32 steps");
    }

    @Test
    void an_upcaster_failure_names_the_event_type() {
        Upcaster broken = Upcaster.of(FUNDS_ADDED, old -> {
            throw new IllegalStateException("boom");
        });
        Upcaster nulls = Upcaster.of(FUNDS_ADDED, old -> null);

        assertThatThrownBy(() -> UpcasterChain.of(broken).apply(TestSchemas.fundsAdded("a", 1)))
                .isInstanceOf(UpcastingException.class).hasMessageContaining(FUNDS_ADDED).hasMessageContaining("boom")
                .hasCauseInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> UpcasterChain.of(nulls).apply(TestSchemas.fundsAdded("a", 1)))
                .isInstanceOf(UpcastingException.class).hasMessageContaining("returned null");
        AvroSerdeConfig config = AvroSerdeConfig.builder(registry).upcasters(UpcasterChain.of(broken)).build();
        assertThatThrownBy(() -> AvroDeserializer.generic(config).deserialize(RecordOrigin.of(TOPIC, 2, 3), oldEvent))
                .isInstanceOf(UndecodableRecordException.class).hasCauseInstanceOf(UpcastingException.class)
                .hasMessageContaining("partition 2 offset 3");
    }

    @Test
    void an_empty_chain_changes_nothing() {
        GenericRecord event = TestSchemas.fundsAdded("a", 1);

        assertThat(UpcasterChain.empty().apply(event)).containsExactly(event);
        assertThat(UpcasterChain.empty().appliesTo(TestSchemas.FUNDS_ADDED)).isFalse();
    }
}
