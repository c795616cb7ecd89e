package dev.myelin.schemas;

/**
 * Thrown by a serializer with auto-registration off when the record's schema is not registered
 * under its subject. Register the schema (in a deployment step, or with
 * {@link SchemaRegistry#register}) or turn auto-registration on.
 */
public class SchemaNotRegisteredException extends MyelinSchemaException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param subject    the subject that lacks the schema
     * @param recordName the full name of the record's schema
     * @param topic      the topic the record was meant for
     */
    public SchemaNotRegisteredException(String subject, String recordName, String topic) {
        super("schema of " + recordName + " is not registered under subject '" + subject + "' (topic " + topic
                + ") and auto-registration is off; register it first or set myelin.avro.auto.register=true");
    }
}
