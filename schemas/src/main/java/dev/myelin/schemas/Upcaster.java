package dev.myelin.schemas;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Turns an event written in an old form into its current form, for the changes Avro schema
 * resolution cannot express: a renamed event type, an event split in two, a field whose meaning
 * changed. It works on {@link GenericRecord}s decoded with the writer's schema and is applied on read
 * by an {@link UpcasterChain}, so stored events are never rewritten.
 *
 * <p>An upcaster picks the events it handles by their writer schema: by event type (the record's full
 * name) alone, or by event type and the exact writer schema's fingerprint
 * ({@link #fingerprint(Schema)}), which a reader can compute without asking the registry.
 *
 * <pre>{@code
 * // bank.FundsAdded was renamed to bank.MoneyDeposited, and its field "sum" to "amountCents"
 * Upcaster renamed = Upcaster.of("bank.FundsAdded", old -> {
 *     GenericRecord now = new GenericData.Record(MoneyDeposited.getClassSchema());
 *     now.put("accountId", old.get("accountId"));
 *     now.put("amountCents", old.get("sum"));
 *     return List.of(now);
 * });
 * }</pre>
 */
public interface Upcaster {

    /**
     * Tells whether this upcaster handles events written with {@code writerSchema}.
     *
     * @param writerSchema the schema the event was written with
     * @return true if {@link #upcast} should be applied
     */
    boolean appliesTo(Schema writerSchema);

    /**
     * Returns the newer form of {@code event}: usually one record, several for a split, none to drop
     * an event that no longer means anything. The results may be upcast again by later upcasters of
     * the chain.
     *
     * @param event the event, decoded with its writer's schema
     * @return the upcast events, not null
     */
    List<GenericRecord> upcast(GenericRecord event);

    /**
     * Returns an upcaster for every event whose writer schema has the full name {@code eventType}.
     *
     * @param eventType the record's full name, e.g. {@code bank.FundsAdded}
     * @param upcast    the conversion
     * @return the upcaster
     */
    static Upcaster of(String eventType, Function<GenericRecord, List<GenericRecord>> upcast) {
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(upcast, "upcast");
        return new Upcaster() {
            @Override
            public boolean appliesTo(Schema writerSchema) {
                return isRecordNamed(writerSchema, eventType);
            }

            @Override
            public List<GenericRecord> upcast(GenericRecord event) {
                return upcast.apply(event);
            }

            @Override
            public String toString() {
                return "Upcaster[" + eventType + "]";
            }
        };
    }

    /**
     * Returns an upcaster for the events of type {@code eventType} written with exactly one schema,
     * named by its fingerprint, so that each historic version of a type can have its own conversion.
     *
     * @param eventType         the record's full name
     * @param writerFingerprint the writer schema's {@link #fingerprint(Schema)}
     * @param upcast            the conversion
     * @return the upcaster
     */
    static Upcaster of(String eventType, long writerFingerprint, Function<GenericRecord, List<GenericRecord>> upcast) {
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(upcast, "upcast");
        return new Upcaster() {
            @Override
            public boolean appliesTo(Schema writerSchema) {
                return isRecordNamed(writerSchema, eventType) && fingerprint(writerSchema) == writerFingerprint;
            }

            @Override
            public List<GenericRecord> upcast(GenericRecord event) {
                return upcast.apply(event);
            }

            @Override
            public String toString() {
                return "Upcaster[" + eventType + "@" + Long.toHexString(writerFingerprint) + "]";
            }
        };
    }

    /**
     * Returns an upcaster for a renamed event type: each event of {@code oldEventType} becomes a record
     * of {@code newSchema} with the fields copied by name (or by a field's aliases); a field the old
     * event lacks gets its default. Nested values are copied as they are.
     *
     * @param oldEventType the old record's full name
     * @param newSchema    the new record schema
     * @return the upcaster
     * @throws IllegalArgumentException if {@code newSchema} is not a record schema
     */
    static Upcaster renamed(String oldEventType, Schema newSchema) {
        Objects.requireNonNull(newSchema, "newSchema");
        if (newSchema.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException("newSchema must be a record schema, not " + newSchema.getType());
        }
        return of(oldEventType, old -> {
            GenericData.Record now = new GenericData.Record(newSchema);
            for (Schema.Field field : newSchema.getFields()) {
                Schema.Field source = old.getSchema().getField(field.name());
                for (String alias : field.aliases()) {
                    if (source == null) {
                        source = old.getSchema().getField(alias);
                    }
                }
                if (source != null) {
                    now.put(field.pos(), old.get(source.pos()));
                } else if (field.hasDefaultValue()) {
                    now.put(field.pos(), GenericData.get().getDefaultValue(field));
                } else {
                    throw new UpcastingException("cannot rename " + oldEventType + " to " + newSchema.getFullName()
                            + ": field '" + field.name() + "' is new and has no default", null);
                }
            }
            return List.of(now);
        });
    }

    /**
     * Returns a schema's fingerprint: the 64-bit Rabin fingerprint of its Avro parsing canonical form,
     * which ignores docs and formatting.
     *
     * @param schema the schema
     * @return the fingerprint
     */
    static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    private static boolean isRecordNamed(Schema schema, String fullName) {
        return schema.getType() == Schema.Type.RECORD && schema.getFullName().equals(fullName);
    }
}
