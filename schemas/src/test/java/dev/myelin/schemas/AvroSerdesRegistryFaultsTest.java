package dev.myelin.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.myelin.schemas.StubRegistry.Response;
import dev.myelin.schemas.testing.AccountOpened;
import dev.myelin.schemas.testing.MoneyDeposited;

/**
 * The serdes let a registry fault through as it is, so that a caller can tell "hold the record and
 * retry" ({@link SchemaRegistryUnavailableException}) from "this record is poison"
 * ({@link UndecodableRecordException}, {@link RecordEncodingException}).
 */
class AvroSerdesRegistryFaultsTest {

    private static final String TOPIC = "bank.account.events";
    private static final String SUBJECT = AccountOpened.getClassSchema().getFullName();
    private static final RecordOrigin ORIGIN = RecordOrigin.of(TOPIC, 0, 42);

    private StubRegistry stub;

    @BeforeEach
    void start() throws Exception {
        stub = new StubRegistry();
    }

    @AfterEach
    void stop() {
        stub.close();
    }

    @Test
    void the_deserializer_lets_registry_unavailable_through_for_an_uncached_schema_id() {
        stub.on("GET /schemas/ids/5", 503, "{\"error_code\":50301,\"message\":\"busy\"}");

        assertHeld(SchemaRegistryUnavailableException.class, 503);
    }

    @Test
    void the_deserializer_holds_on_a_proxy_404_instead_of_calling_the_schema_id_unknown() {
        stub.on("GET /schemas/ids/5", Response.html(404));

        assertHeld(SchemaRegistryUnavailableException.class, 404);
    }

    @Test
    void the_deserializer_lets_access_denied_through() {
        stub.on("GET /schemas/ids/5", 401, "{\"error_code\":401,\"message\":\"Unauthorized\"}");

        assertHeld(SchemaRegistryAccessDeniedException.class, 401);
    }

    @Test
    void a_schema_id_the_registry_does_not_know_is_still_poison() {
        stub.on("GET /schemas/ids/5", 404, "{\"error_code\":40403,\"message\":\"Schema 5 not found\"}");
        AvroDeserializer<AccountOpened> deserializer = deserializer();

        assertThatThrownBy(() -> deserializer.deserialize(ORIGIN, opened(5))).isInstanceOf(UnknownSchemaIdException.class)
                .hasMessageContaining("42");
    }

    @Test
    void the_serializer_lets_registry_unavailable_and_access_denied_through() {
        stub.on("POST /subjects/" + SUBJECT + "/versions", 503, "{\"error_code\":50301,\"message\":\"busy\"}");
        AvroSerializer<AccountOpened> serializer = new AvroSerializer<>(AvroSerdeConfig.builder(stub.client()).build());

        assertThatThrownBy(() -> serializer.serialize(TOPIC, new AccountOpened("acc-1", "Ada", "EUR")))
                .isExactlyInstanceOf(SchemaRegistryUnavailableException.class);

        stub.on("POST /subjects/" + SUBJECT + "/versions", 403, "{\"error_code\":403,\"message\":\"Forbidden\"}");
        AvroSerializer<AccountOpened> denied = new AvroSerializer<>(AvroSerdeConfig.builder(stub.client()).build());

        assertThatThrownBy(() -> denied.serialize(TOPIC, new AccountOpened("acc-1", "Ada", "EUR")))
                .isExactlyInstanceOf(SchemaRegistryAccessDeniedException.class);
    }

    @Test
    void the_serializer_without_auto_registration_holds_on_a_proxy_404_instead_of_calling_the_schema_unregistered() {
        stub.on("POST /subjects/" + SUBJECT, Response.html(404));
        AvroSerializer<AccountOpened> serializer = new AvroSerializer<>(
                AvroSerdeConfig.builder(stub.client()).autoRegister(false).build());

        assertThatThrownBy(() -> serializer.serialize(TOPIC, new AccountOpened("acc-1", "Ada", "EUR")))
                .isExactlyInstanceOf(SchemaRegistryUnavailableException.class);
    }

    @Test
    void an_upcaster_that_meets_an_unavailable_registry_holds_the_record() {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        byte[] old = AvroSerdes.generic(registry).serializer().serialize(TOPIC, TestSchemas.fundsAdded("acc-1", 700));
        Upcaster needsRegistry = Upcaster.of(TestSchemas.FUNDS_ADDED.getFullName(), event -> {
            throw new SchemaRegistryUnavailableException("registry down", 0, 0, "", null);
        });
        AvroDeserializer<MoneyDeposited> deserializer = AvroDeserializer.specific(MoneyDeposited.class,
                AvroSerdeConfig.builder(registry).upcasters(UpcasterChain.of(needsRegistry)).build());

        assertThatThrownBy(() -> deserializer.deserialize(ORIGIN, old))
                .isExactlyInstanceOf(SchemaRegistryUnavailableException.class).hasMessage("registry down");
        assertThatThrownBy(() -> UpcasterChain.of(needsRegistry).apply(TestSchemas.fundsAdded("acc-1", 700)))
                .isExactlyInstanceOf(SchemaRegistryUnavailableException.class);
    }

    @Test
    void a_held_record_decodes_once_the_registry_is_back() {
        stub.on("GET /schemas/ids/5", new Response(503, ""), new Response(503, ""), new Response(503, ""),
                new Response(200, StubRegistry.schemaJson(AccountOpened.getClassSchema())));
        AvroDeserializer<AccountOpened> deserializer = deserializer();

        assertThatThrownBy(() -> deserializer.deserialize(ORIGIN, opened(5)))
                .isExactlyInstanceOf(SchemaRegistryUnavailableException.class);
        assertThat(deserializer.deserialize(ORIGIN, opened(5)).getOwner()).isEqualTo("Ada");
    }

    /** Checks every decoding entry point of a deserializer whose schema id 5 is not cached. */
    private void assertHeld(Class<? extends SchemaRegistryUnavailableException> type, int status) {
        AvroDeserializer<AccountOpened> deserializer = deserializer();
        byte[] bytes = opened(5);
        List<Runnable> calls = List.of(() -> deserializer.deserialize(TOPIC, bytes),
                () -> deserializer.deserialize(ORIGIN, bytes), () -> deserializer.deserializeAll(ORIGIN, bytes),
                () -> AvroSerdes.specific(AccountOpened.class, AvroSerdeConfig.builder(stub.client()).build())
                        .deserializer().deserialize(TOPIC, bytes));
        for (Runnable call : calls) {
            assertThatThrownBy(call::run).isExactlyInstanceOf(type).isNotInstanceOf(UndecodableRecordException.class)
                    .satisfies(e -> assertThat(((SchemaRegistryException) e).httpStatus()).hasValue(status));
        }
    }

    private AvroDeserializer<AccountOpened> deserializer() {
        return AvroDeserializer.specific(AccountOpened.class, AvroSerdeConfig.builder(stub.client()).build());
    }

    /** An AccountOpened in the wire format, naming schema {@code id}. */
    private static byte[] opened(int id) {
        byte[] body = AvroSerdes.specific(AccountOpened.class, new InMemorySchemaRegistry()).serializer()
                .serialize(TOPIC, new AccountOpened("acc-1", "Ada", "EUR"));
        body[1] = (byte) (id >>> 24);
        body[2] = (byte) (id >>> 16);
        body[3] = (byte) (id >>> 8);
        body[4] = (byte) id;
        return body;
    }
}
