package dev.myelin.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;

/**
 * Checks schema compatibility without a registry, with Avro's own {@link SchemaCompatibility}, by
 * the same rules a registry applies on registration. Each message names the field and the reason.
 *
 * <pre>{@code
 * CompatibilityResult result = CompatibilityChecker.check(CompatibilityLevel.FULL_TRANSITIVE,
 *         AccountOpened.getClassSchema(), List.of(v1, v2));
 * // e.g. "FORWARD: existing schema 2 of 2 cannot read data written with the new schema:
 * //       field 'owner' has no default value and the writer's schema lacks it; give it a default"
 * }</pre>
 */
public final class CompatibilityChecker {

    private CompatibilityChecker() {
    }

    /**
     * Checks whether {@code candidate} may follow {@code existing} under {@code level}. The
     * non-transitive levels look at the last existing schema only; the transitive ones at all of them.
     *
     * @param level     the rule
     * @param candidate the new schema
     * @param existing  the schemas registered so far, oldest first; may be empty
     * @return the verdict with one message per problem
     */
    public static CompatibilityResult check(CompatibilityLevel level, Schema candidate, List<Schema> existing) {
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(candidate, "candidate");
        Objects.requireNonNull(existing, "existing");
        if (level == CompatibilityLevel.NONE || existing.isEmpty()) {
            return CompatibilityResult.ok();
        }
        int n = existing.size();
        int from = level.isTransitive() ? 0 : n - 1;
        List<String> messages = new ArrayList<>();
        for (int i = from; i < n; i++) {
            Schema old = Objects.requireNonNull(existing.get(i), "existing schema");
            String which = "existing schema " + (i + 1) + " of " + n;
            if (level.checksBackward()) {
                describe(candidate, old, "BACKWARD: the new schema cannot read data written with " + which + ": ", messages);
            }
            if (level.checksForward()) {
                describe(old, candidate, "FORWARD: " + which + " cannot read data written with the new schema: ", messages);
            }
        }
        return messages.isEmpty() ? CompatibilityResult.ok() : CompatibilityResult.incompatible(messages);
    }

    /**
     * Checks whether data written with {@code writer} can be read with {@code reader} (Avro schema
     * resolution).
     *
     * @param reader the schema of the reading side
     * @param writer the schema the data was written with
     * @return the verdict with one message per problem
     */
    public static CompatibilityResult canRead(Schema reader, Schema writer) {
        List<String> messages = new ArrayList<>();
        describe(Objects.requireNonNull(reader, "reader"), Objects.requireNonNull(writer, "writer"), "", messages);
        return messages.isEmpty() ? CompatibilityResult.ok() : CompatibilityResult.incompatible(messages);
    }

    private static void describe(Schema reader, Schema writer, String prefix, List<String> messages) {
        SchemaCompatibility.SchemaCompatibilityResult result =
                SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getResult();
        for (Incompatibility problem : result.getIncompatibilities()) {
            messages.add(prefix + reason(problem, reader));
        }
    }

    private static String reason(Incompatibility problem, Schema reader) {
        String where = fieldPath(reader, problem.getLocation());
        Schema readerPart = problem.getReaderFragment();
        Schema writerPart = problem.getWriterFragment();
        return switch (problem.getType()) {
            case READER_FIELD_MISSING_DEFAULT_VALUE -> "field '" + where
                    + "' has no default value and the writer's schema lacks it; give it a default";
            case TYPE_MISMATCH -> "field '" + where + "' has type " + typeName(readerPart) + " in the reader but "
                    + typeName(writerPart) + " in the writer";
            case NAME_MISMATCH -> "'" + where + "' is named " + readerPart.getFullName() + " in the reader but "
                    + writerPart.getFullName() + " in the writer; add an alias";
            case FIXED_SIZE_MISMATCH -> "fixed '" + where + "' has size " + readerPart.getFixedSize()
                    + " in the reader but " + writerPart.getFixedSize() + " in the writer";
            case MISSING_ENUM_SYMBOLS -> "enum '" + where + "' lacks the writer's symbols " + problem.getMessage()
                    + "; add them or give the reader's enum a default";
            case MISSING_UNION_BRANCH -> "union '" + where + "' has no branch for the writer's "
                    + problem.getMessage().replace("reader union lacking writer type: ", "");
            default -> problem.getType() + " at '" + where + "': " + problem.getMessage();
        } + " [" + problem.getType() + " at " + problem.getLocation() + "]";
    }

    private static String typeName(Schema schema) {
        if (schema == null) {
            return "?";
        }
        return switch (schema.getType()) {
            case RECORD, ENUM, FIXED -> schema.getType().getName() + " " + schema.getFullName();
            default -> schema.getType().getName();
        };
    }

    /**
     * Turns Avro's location, a JSON pointer into the reader schema such as
     * {@code /fields/0/type/fields/1/type}, into a dotted field path such as {@code owner.name}. Where
     * the pointer cannot be followed, the path stops; an empty path names the root record.
     */
    static String fieldPath(Schema reader, String location) {
        String[] tokens = location.split("/");
        List<String> names = new ArrayList<>();
        Schema schema = reader;
        int i = 1; // the pointer starts with '/'
        while (i < tokens.length && schema != null) {
            String token = tokens[i];
            if (token.equals("fields") && i + 1 < tokens.length && schema.getType() == Schema.Type.RECORD) {
                int index = index(tokens[i + 1]);
                if (index < 0 || index >= schema.getFields().size()) {
                    break;
                }
                Schema.Field field = schema.getFields().get(index);
                names.add(field.name());
                schema = field.schema();
                i += 2;
            } else if (token.equals("type")) {
                i++;
            } else if (token.equals("items") && schema.getType() == Schema.Type.ARRAY) {
                schema = schema.getElementType();
                i++;
            } else if (token.equals("values") && schema.getType() == Schema.Type.MAP) {
                schema = schema.getValueType();
                i++;
            } else if (schema.getType() == Schema.Type.UNION && index(token) >= 0
                    && index(token) < schema.getTypes().size()) {
                schema = schema.getTypes().get(index(token));
                i++;
            } else {
                break;
            }
        }
        return names.isEmpty() ? (reader.getType() == Schema.Type.RECORD ? reader.getFullName() : reader.getType().getName())
                : String.join(".", names);
    }

    private static int index(String token) {
        try {
            return Integer.parseInt(token);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
