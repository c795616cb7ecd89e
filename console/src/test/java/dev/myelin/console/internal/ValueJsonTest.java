package dev.myelin.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.myelin.eventstore.Health;

/** How the console renders states, events, views and health as JSON. */
class ValueJsonTest {

    @Test
    void anAvroRecordBecomesTheJsonAvroWritesForIt() {
        Schema line = SchemaBuilder.record("Line").fields().requiredString("sku").requiredInt("quantity").endRecord();
        Schema order = SchemaBuilder.record("Order").namespace("shop").fields()
                .requiredString("id").requiredLong("total").name("lines").type().array().items(line).noDefault()
                .optionalString("note").endRecord();
        GenericRecord first = new GenericData.Record(line);
        first.put("sku", "sku-mug");
        first.put("quantity", 2);
        GenericRecord record = new GenericData.Record(order);
        record.put("id", "o-1");
        record.put("total", 2_400L);
        record.put("lines", List.of(first));

        JsonNode json = ValueJson.of(record);

        assertThat(json.get("id").asText()).isEqualTo("o-1");
        assertThat(json.get("total").asLong()).isEqualTo(2_400L);
        assertThat(json.get("lines").get(0).get("quantity").asInt()).isEqualTo(2);
        assertThat(json.get("note").isNull()).isTrue();
    }

    record Balance(String account, long cents) {
    }

    @Test
    void aJavaRecordBecomesAnObjectAndTextStaysText() {
        JsonNode balance = ValueJson.of(new Balance("acc-1", 100));

        assertThat(balance.get("account").asText()).isEqualTo("acc-1");
        assertThat(balance.get("cents").asLong()).isEqualTo(100);
        assertThat(ValueJson.of("added 5").asText()).isEqualTo("added 5");
        assertThat(ValueJson.of(55L).asLong()).isEqualTo(55);
        assertThat(ValueJson.of(null).isNull()).isTrue();
        assertThat(ValueJson.of(Instant.parse("2026-01-02T03:04:05Z")).asText()).isEqualTo("2026-01-02T03:04:05Z");
    }

    private static final class Opaque {
        @Override
        public String toString() {
            return "opaque thing";
        }
    }

    @Test
    void aValueJacksonCannotDescribeIsShownAsItsText() {
        assertThat(ValueJson.of(new Opaque()).asText()).isEqualTo("opaque thing");
    }

    @Test
    void bytesAreTextWhenTheyAreUtf8TextAndBase64Otherwise() {
        assertThat(ValueJson.bytes("héllo".getBytes(StandardCharsets.UTF_8)).asText()).isEqualTo("héllo");
        assertThat(ValueJson.bytes(new byte[] {0, 1, (byte) 0xff}).get("base64").asText()).isEqualTo("AAH/");
        assertThat(ValueJson.bytes(new byte[] {0, 'a'}).has("base64")).isTrue();
    }

    @Test
    void healthIsItsStatusWithTheReasonButNeverAStackTrace() {
        assertThat(ValueJson.health(Health.running()).toString()).isEqualTo("{\"status\":\"RUNNING\"}");
        assertThat(ValueJson.health(Health.degraded("rebalancing", Instant.parse("2026-01-02T03:04:05Z"))).toString())
                .isEqualTo("{\"status\":\"DEGRADED\",\"reason\":\"rebalancing\",\"since\":\"2026-01-02T03:04:05Z\"}");
        assertThat(ValueJson.health(Health.failed(new IllegalStateException("broker gone"))).toString())
                .isEqualTo("{\"status\":\"FAILED\",\"reason\":\"IllegalStateException: broker gone\"}");
    }
}
