package dev.myelin.schemas;

import java.util.Objects;

import org.apache.avro.Schema;

/**
 * One version of a subject in a schema registry.
 *
 * <pre>{@code
 * RegisteredSchema latest = registry.latest("bank.AccountOpened");
 * Schema schema = latest.schema();
 * }</pre>
 *
 * @param subject the subject
 * @param id      the registry-wide schema id, which records carry in their header
 * @param version the version within the subject, starting at 1
 * @param schema  the schema
 */
public record RegisteredSchema(String subject, int id, int version, Schema schema) {

    /**
     * Checks every component.
     *
     * @param subject the subject
     * @param id      the registry-wide schema id
     * @param version the version within the subject
     * @param schema  the schema
     * @throws NullPointerException     if {@code subject} or {@code schema} is null
     * @throws IllegalArgumentException if {@code version} is less than 1 or {@code id} is negative
     */
    public RegisteredSchema {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(schema, "schema");
        if (version < 1) {
            throw new IllegalArgumentException("version must be 1 or more: " + version);
        }
        if (id < 0) {
            throw new IllegalArgumentException("id must not be negative: " + id);
        }
    }
}
