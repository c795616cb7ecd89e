package dev.myelin.schemas;

import org.apache.avro.Schema;

import dev.myelin.schemas.internal.NamedSubjectNameStrategy;

/**
 * Chooses the registry subject under which a record's schema is registered and looked up.
 *
 * <p>{@link #RECORD} is Myelin's default: an events topic carries several event types, and naming the
 * subject after the record lets each type evolve on its own. {@link #TOPIC} suits a topic with one
 * type; {@link #TOPIC_RECORD} keeps the same record type apart on different topics.
 *
 * <pre>{@code
 * AvroSerdeConfig config = AvroSerdeConfig.builder(registry)
 *         .subjectNameStrategy(SubjectNameStrategy.TOPIC)
 *         .build();
 * }</pre>
 */
@FunctionalInterface
public interface SubjectNameStrategy {

    /** {@code <topic>-key} or {@code <topic>-value}. */
    SubjectNameStrategy TOPIC = new NamedSubjectNameStrategy("topic", (topic, isKey, schema) -> topic + (isKey ? "-key" : "-value"));

    /** The schema's full name, for example {@code bank.AccountOpened}. */
    SubjectNameStrategy RECORD = new NamedSubjectNameStrategy("record", (topic, isKey, schema) -> fullName(schema));

    /** {@code <topic>-<full name>}, for example {@code bank.account.events-bank.AccountOpened}. */
    SubjectNameStrategy TOPIC_RECORD = new NamedSubjectNameStrategy("topic-record", (topic, isKey, schema) -> topic + "-" + fullName(schema));

    /**
     * Returns the subject for a record.
     *
     * @param topic  the topic the record is written to or read from
     * @param isKey  true for the record key, false for its value
     * @param schema the record's schema
     * @return the subject
     * @throws IllegalArgumentException if the strategy needs a named schema and {@code schema} has no name
     */
    String subjectName(String topic, boolean isKey, Schema schema);

    /**
     * Returns the built-in strategy with the given configuration name.
     *
     * @param name {@code topic}, {@code record} or {@code topic-record}
     * @return the strategy
     * @throws IllegalArgumentException if {@code name} names no strategy
     */
    static SubjectNameStrategy named(String name) {
        for (SubjectNameStrategy s : new SubjectNameStrategy[] {TOPIC, RECORD, TOPIC_RECORD}) {
            if (s.toString().equals(name.trim())) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown subject name strategy '" + name
                + "'; expected topic, record or topic-record");
    }

    private static String fullName(Schema schema) {
        return switch (schema.getType()) {
            case RECORD, ENUM, FIXED -> schema.getFullName();
            default -> throw new IllegalArgumentException("the record subject name strategy needs a named schema"
                    + " (record, enum or fixed), not " + schema.getType());
        };
    }
}
