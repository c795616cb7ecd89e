package dev.myelin.testkit;

import java.util.List;
import java.util.Objects;

import org.apache.avro.Schema;
import org.assertj.core.api.AbstractAssert;

import dev.myelin.schemas.CompatibilityChecker;
import dev.myelin.schemas.CompatibilityLevel;
import dev.myelin.schemas.CompatibilityResult;

/**
 * AssertJ assertions about Avro schema evolution, checked locally by the rules a schema registry
 * applies ({@link CompatibilityChecker}), so a test fails before a deployment does. Failure messages
 * name each offending field and the reason.
 *
 * <pre>{@code
 * import static dev.myelin.testkit.SchemaAssertions.assertThat;
 *
 * assertThat(AccountOpened.getClassSchema()).isBackwardCompatibleWith(v1, v2);
 * assertThat(v3).isFullyCompatibleWith(v2);
 * assertThat(withoutOwner).isNotForwardCompatibleWith(v2);
 * assertThat(next).isCompatibleWith(CompatibilityLevel.FULL_TRANSITIVE, v1, v2, v3);
 * }</pre>
 */
public final class SchemaAssertions {

    private SchemaAssertions() {
    }

    /**
     * Starts assertions about a (new) schema.
     *
     * @param actual the schema under test
     * @return the assertion
     */
    public static SchemaAssert assertThat(Schema actual) {
        return new SchemaAssert(actual);
    }

    /**
     * Assertions about one Avro schema's compatibility with older ones. The {@code older} schemas are
     * given oldest first; the {@code is…CompatibleWith} methods check against every one of them (the
     * transitive rule), {@link #isCompatibleWith} follows the given level exactly.
     */
    public static final class SchemaAssert extends AbstractAssert<SchemaAssert, Schema> {

        private SchemaAssert(Schema actual) {
            super(actual, SchemaAssert.class);
        }

        /**
         * Verifies that the schema can read data written with each of {@code older}
         * ({@link CompatibilityLevel#BACKWARD_TRANSITIVE}).
         *
         * @param older the earlier schemas, oldest first, at least one
         * @return this assertion
         * @throws IllegalArgumentException if no older schema is given
         */
        public SchemaAssert isBackwardCompatibleWith(Schema... older) {
            return isCompatibleWith(CompatibilityLevel.BACKWARD_TRANSITIVE, older);
        }

        /**
         * Verifies that each of {@code older} can read data written with the schema
         * ({@link CompatibilityLevel#FORWARD_TRANSITIVE}).
         *
         * @param older the earlier schemas, oldest first, at least one
         * @return this assertion
         * @throws IllegalArgumentException if no older schema is given
         */
        public SchemaAssert isForwardCompatibleWith(Schema... older) {
            return isCompatibleWith(CompatibilityLevel.FORWARD_TRANSITIVE, older);
        }

        /**
         * Verifies both backward and forward compatibility with each of {@code older}
         * ({@link CompatibilityLevel#FULL_TRANSITIVE}).
         *
         * @param older the earlier schemas, oldest first, at least one
         * @return this assertion
         * @throws IllegalArgumentException if no older schema is given
         */
        public SchemaAssert isFullyCompatibleWith(Schema... older) {
            return isCompatibleWith(CompatibilityLevel.FULL_TRANSITIVE, older);
        }

        /**
         * Verifies that the schema may follow {@code older} under {@code level}, exactly as a registry
         * would decide (non-transitive levels look at the last older schema only).
         *
         * @param level the rule
         * @param older the earlier schemas, oldest first, at least one
         * @return this assertion
         * @throws IllegalArgumentException if no older schema is given
         */
        public SchemaAssert isCompatibleWith(CompatibilityLevel level, Schema... older) {
            CompatibilityResult result = check(level, older);
            if (!result.compatible()) {
                failWithMessage("%s", "Expecting schema " + name() + " to be " + level + " compatible with "
                        + describe(older) + ", but:" + lines(result.messages()));
            }
            return this;
        }

        /**
         * Verifies that the schema cannot read data written with some of {@code older}.
         *
         * @param older the earlier schemas, oldest first, at least one
         * @return this assertion
         * @throws IllegalArgumentException if no older schema is given
         */
        public SchemaAssert isNotBackwardCompatibleWith(Schema... older) {
            return isNotCompatibleWith(CompatibilityLevel.BACKWARD_TRANSITIVE, older);
        }

        /**
         * Verifies that some of {@code older} cannot read data written with the schema.
         *
         * @param older the earlier schemas, oldest first, at least one
         * @return this assertion
         * @throws IllegalArgumentException if no older schema is given
         */
        public SchemaAssert isNotForwardCompatibleWith(Schema... older) {
            return isNotCompatibleWith(CompatibilityLevel.FORWARD_TRANSITIVE, older);
        }

        /**
         * Verifies that the schema is not fully compatible with all of {@code older}.
         *
         * @param older the earlier schemas, oldest first, at least one
         * @return this assertion
         * @throws IllegalArgumentException if no older schema is given
         */
        public SchemaAssert isNotFullyCompatibleWith(Schema... older) {
            return isNotCompatibleWith(CompatibilityLevel.FULL_TRANSITIVE, older);
        }

        /**
         * Verifies that a registry with {@code level} would refuse the schema after {@code older}.
         *
         * @param level the rule
         * @param older the earlier schemas, oldest first, at least one
         * @return this assertion
         * @throws IllegalArgumentException if no older schema is given
         */
        public SchemaAssert isNotCompatibleWith(CompatibilityLevel level, Schema... older) {
            if (check(level, older).compatible()) {
                failWithMessage("%s", "Expecting schema " + name() + " not to be " + level + " compatible with "
                        + describe(older) + ", but it is");
            }
            return this;
        }

        /**
         * Verifies that data written with {@code writer} can be read with the schema (Avro schema
         * resolution).
         *
         * @param writer the schema the data is written with
         * @return this assertion
         */
        public SchemaAssert canRead(Schema writer) {
            isNotNull();
            CompatibilityResult result = CompatibilityChecker.canRead(actual, Objects.requireNonNull(writer, "writer"));
            if (!result.compatible()) {
                failWithMessage("%s", "Expecting schema " + name() + " to read data written with " + writer.getFullName()
                        + ", but:" + lines(result.messages()));
            }
            return this;
        }

        private CompatibilityResult check(CompatibilityLevel level, Schema... older) {
            isNotNull();
            Objects.requireNonNull(level, "level");
            if (older.length == 0) {
                throw new IllegalArgumentException("name at least one older schema to compare with");
            }
            return CompatibilityChecker.check(level, actual, List.of(older));
        }

        private String name() {
            return actual.getType() == Schema.Type.RECORD || actual.getType() == Schema.Type.ENUM
                    || actual.getType() == Schema.Type.FIXED ? actual.getFullName() : actual.getType().getName();
        }

        private static String describe(Schema... older) {
            return older.length == 1 ? "the older schema" : older.length + " older schemas (oldest first)";
        }

        private static String lines(List<String> messages) {
            StringBuilder out = new StringBuilder();
            messages.forEach(m -> out.append(System.lineSeparator()).append("  - ").append(m));
            return out.toString();
        }
    }
}
