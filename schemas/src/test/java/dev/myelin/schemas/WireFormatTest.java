package dev.myelin.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.junit.jupiter.api.Test;

import dev.myelin.schemas.testing.AccountOpened;

class WireFormatTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    @Test
    void specific_record_bytes_start_with_magic_zero_and_the_registry_id_then_plain_avro() throws Exception {
        registry.register("something.else", TestSchemas.FUNDS_ADDED); // so the id is not 1 by chance
        AccountOpened event = new AccountOpened("acc-1", "Ada", "CHF");

        byte[] bytes = AvroSerdes.specific(AccountOpened.class, registry).serializer().serialize("bank.account.events", event);

        int id = registry.lookup("dev.myelin.schemas.testing.AccountOpened", AccountOpened.getClassSchema()).orElseThrow().id();
        assertThat(id).isEqualTo(2);
        assertThat(bytes[0]).isZero();
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(Arrays.copyOfRange(bytes, 5, bytes.length), null);
        AccountOpened decoded = new SpecificDatumReader<>(AccountOpened.class).read(null, decoder);
        assertThat(decoded).isEqualTo(event);
        assertThat(decoder.isEnd()).isTrue();
    }

    @Test
    void generic_record_bytes_decode_with_a_plain_binary_decoder_after_the_header() throws Exception {
        GenericRecord event = TestSchemas.fundsAdded("acc-2", 1250);

        byte[] bytes = AvroSerdes.generic(registry).serializer().serialize("bank.account.events", event);

        assertThat(Arrays.copyOf(bytes, 5)).containsExactly(0, 0, 0, 0, 1);
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null);
        GenericRecord decoded = new GenericDatumReader<GenericRecord>(TestSchemas.FUNDS_ADDED).read(null, decoder);
        assertThat(decoded.get("accountId").toString()).isEqualTo("acc-2");
        assertThat(decoded.get("sum")).isEqualTo(1250L);
    }

    @Test
    void large_ids_are_written_big_endian() {
        for (int i = 0; i < 300; i++) {
            registry.register("filler-" + i, TestSchemas.parse("{\"type\":\"record\",\"name\":\"F" + i + "\",\"fields\":[]}"));
        }
        byte[] bytes = AvroSerdes.specific(AccountOpened.class, registry).serializer()
                .serialize("t", new AccountOpened("a", "b", "EUR"));

        assertThat(Arrays.copyOf(bytes, 5)).containsExactly(0, 0, 0, 0x01, 0x2d); // id 301
    }
}
