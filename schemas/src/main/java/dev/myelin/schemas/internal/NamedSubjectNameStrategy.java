package dev.myelin.schemas.internal;

import org.apache.avro.Schema;

import dev.myelin.schemas.SubjectNameStrategy;

/**
 * A built-in subject name strategy whose {@code toString} is its configuration name, so a
 * configuration can be printed and read back.
 *
 * @param name     the configuration name
 * @param strategy the naming rule
 */
public record NamedSubjectNameStrategy(String name, SubjectNameStrategy strategy) implements SubjectNameStrategy {

    @Override
    public String subjectName(String topic, boolean isKey, Schema schema) {
        return strategy.subjectName(topic, isKey, schema);
    }

    @Override
    public String toString() {
        return name;
    }
}
