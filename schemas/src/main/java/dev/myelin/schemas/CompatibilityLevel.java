package dev.myelin.schemas;

import java.util.Locale;

/**
 * The compatibility rules of the Confluent protocol. A new schema is checked against the latest
 * registered one, or against all of them for the {@code _TRANSITIVE} forms.
 *
 * <pre>{@code
 * registry.setCompatibility("bank.AccountOpened", CompatibilityLevel.FULL);
 * }</pre>
 */
public enum CompatibilityLevel {
    /** Any schema is accepted. */
    NONE,
    /** The new schema can read data written with the latest one (consumers upgrade first). */
    BACKWARD,
    /** The new schema can read data written with every earlier one. */
    BACKWARD_TRANSITIVE,
    /** The latest schema can read data written with the new one (producers upgrade first). */
    FORWARD,
    /** Every earlier schema can read data written with the new one. */
    FORWARD_TRANSITIVE,
    /** Both {@link #BACKWARD} and {@link #FORWARD}. */
    FULL,
    /** Both {@link #BACKWARD_TRANSITIVE} and {@link #FORWARD_TRANSITIVE}. */
    FULL_TRANSITIVE;

    /**
     * Tells whether the new schema must be able to read older data.
     *
     * @return true for the backward and full levels
     */
    public boolean checksBackward() {
        return this == BACKWARD || this == BACKWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }

    /**
     * Tells whether older schemas must be able to read the new schema's data.
     *
     * @return true for the forward and full levels
     */
    public boolean checksForward() {
        return this == FORWARD || this == FORWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }

    /**
     * Tells whether the check covers every earlier schema rather than the latest only.
     *
     * @return true for the {@code _TRANSITIVE} levels
     */
    public boolean isTransitive() {
        return name().endsWith("_TRANSITIVE");
    }

    /**
     * Returns the level a registry names, ignoring case.
     *
     * @param name a level name such as {@code "BACKWARD"} or {@code "full_transitive"}
     * @return the level
     * @throws IllegalArgumentException if no level has that name
     */
    public static CompatibilityLevel parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown compatibility level '" + name + "'; expected one of "
                    + java.util.Arrays.toString(values()), e);
        }
    }
}
