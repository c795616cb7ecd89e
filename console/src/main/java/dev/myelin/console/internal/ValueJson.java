package dev.myelin.console.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.myelin.eventstore.Health;

/**
 * Renders the application's values as JSON: Avro records as the JSON Avro writes for them, other
 * objects as Jackson sees them (Java records and beans), and anything else as its text, so that no
 * state, event or view makes a page fail.
 */
public final class ValueJson {
    /** The mapper the console writes its answers with. */
    public static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ValueJson() {
    }

    /**
     * Returns {@code value} as JSON.
     *
     * @param value any value, or null
     * @return its JSON
     */
    public static JsonNode of(Object value) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof GenericContainer avro) {
            // Avro's own rendering of a record is JSON (bytes and NaN aside, which fall back to text)
            String text = GenericData.get().toString(avro);
            try {
                return MAPPER.readTree(text);
            } catch (JsonProcessingException e) {
                return NODES.textNode(text);
            }
        }
        if (value instanceof CharSequence text) {
            return NODES.textNode(text.toString());
        }
        if (value instanceof byte[] bytes) {
            return bytes(bytes);
        }
        if (value instanceof Instant instant) {
            return NODES.textNode(instant.toString());
        }
        try {
            return MAPPER.valueToTree(value);
        } catch (IllegalArgumentException e) {
            // a type Jackson cannot describe (no properties, a cycle): its text is the best we have
            return NODES.textNode(String.valueOf(value));
        }
    }

    /**
     * Returns raw record bytes as JSON: the JSON they hold if they are JSON, their text if they are
     * UTF-8 text, else {@code {"base64": ...}}.
     *
     * @param bytes the bytes
     * @return their JSON
     */
    public static JsonNode bytes(byte[] bytes) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            if (text.chars().allMatch(c -> c >= 0x20 || c == '\n' || c == '\r' || c == '\t')) {
                return NODES.textNode(text);
            }
        } catch (CharacterCodingException e) {
            // not text: fall through to base64
        }
        ObjectNode binary = NODES.objectNode();
        binary.put("base64", Base64.getEncoder().encodeToString(bytes));
        return binary;
    }

    /**
     * Returns a runtime's health as {@code {"status": "RUNNING" | "DEGRADED" | "FAILED", ...}}, with
     * the reason and since when, or the cause's class and message (never its stack trace).
     *
     * @param health the health
     * @return its JSON
     */
    public static ObjectNode health(Health health) {
        ObjectNode node = NODES.objectNode();
        if (health instanceof Health.Degraded degraded) {
            node.put("status", "DEGRADED");
            node.put("reason", degraded.reason());
            node.put("since", degraded.since().toString());
        } else if (health instanceof Health.Failed failed) {
            node.put("status", "FAILED");
            node.put("reason", describe(failed.cause()));
        } else {
            node.put("status", "RUNNING");
        }
        return node;
    }

    /**
     * Returns an error as one line: its class's simple name and its message.
     *
     * @param error the error
     * @return the line
     */
    public static String describe(Throwable error) {
        return error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + error.getMessage());
    }
}
