package dev.myelin.console.internal;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.apache.avro.generic.GenericContainer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * Hides personal data from the console's answers: whole payloads of some names, or some fields of
 * them. A payload is named by what it belongs to (topic, aggregate type, projection, saga) and by its
 * type (simple and full class name, Avro schema name); a rule applies if it names any of those.
 *
 * @param payloads the names whose payloads are masked whole
 * @param fields   the fields masked in the payloads of each name
 */
public record PayloadMask(Set<String> payloads, Map<String, Set<String>> fields) {
    /** What a masked value shows as. */
    public static final String MASKED = "***";
    /** Masks nothing. */
    public static final PayloadMask NONE = new PayloadMask(Set.of(), Map.of());

    /**
     * Copies the rules.
     */
    public PayloadMask {
        payloads = Set.copyOf(payloads);
        fields = Map.copyOf(fields);
    }

    /**
     * Returns {@code json}, the JSON of {@code value}, masked as the rules say for a payload of these names.
     *
     * @param json  the payload as JSON
     * @param value the payload (its type names it too), or null when only its bytes are known
     * @param names what it belongs to: topics, aggregate type, projection, saga, event type
     * @return the JSON, or a masked copy
     */
    public JsonNode apply(JsonNode json, Object value, String... names) {
        if (payloads.isEmpty() && fields.isEmpty()) {
            return json;
        }
        Set<String> all = new LinkedHashSet<>();
        for (String name : names) {
            if (name != null && !name.isEmpty()) {
                all.add(name);
            }
        }
        if (value != null) {
            all.add(value.getClass().getSimpleName());
            all.add(value.getClass().getName());
            if (value instanceof GenericContainer container) {
                all.add(container.getSchema().getFullName());
                all.add(container.getSchema().getName());
            }
        }
        Set<String> hidden = new LinkedHashSet<>();
        for (String name : all) {
            if (payloads.contains(name)) {
                return TextNode.valueOf(MASKED);
            }
            hidden.addAll(fields.getOrDefault(name, Set.of()));
        }
        if (hidden.isEmpty() || json.isNull()) {
            return json;
        }
        if (!json.isContainerNode()) {
            // text or bytes: the fields cannot be found in it, so none of it is shown
            return TextNode.valueOf(MASKED);
        }
        JsonNode copy = json.deepCopy();
        maskFields(copy, hidden);
        return copy;
    }

    private static void maskFields(JsonNode node, Set<String> hidden) {
        if (node instanceof ObjectNode object) {
            for (var it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (hidden.contains(field.getKey())) {
                    field.setValue(TextNode.valueOf(MASKED));
                } else {
                    maskFields(field.getValue(), hidden);
                }
            }
        } else if (node instanceof ArrayNode array) {
            array.forEach(element -> maskFields(element, hidden));
        }
    }
}
