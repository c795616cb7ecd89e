package dev.myelin.embedded.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * The checks the embedded servers' builders make on every setter, with their messages in one place.
 */
public final class BuilderChecks {

    private BuilderChecks() {
    }

    /**
     * Refuses a second call of a setter.
     *
     * @param current the value set so far, null when unset
     * @param setting the setting's name
     * @throws IllegalStateException if {@code current} is not null
     */
    public static void requireUnset(Object current, String setting) {
        if (current != null) {
            throw new IllegalStateException(setting + " was already set to " + current);
        }
    }

    /**
     * Returns {@code timeout} if it is a positive duration.
     *
     * @param timeout the value given
     * @param setting the setting's name
     * @return {@code timeout}
     * @throws NullPointerException     if {@code timeout} is null
     * @throws IllegalArgumentException if it is zero or negative
     */
    public static Duration requirePositive(Duration timeout, String setting) {
        Objects.requireNonNull(timeout, setting);
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException(setting + " must be positive: " + timeout);
        }
        return timeout;
    }
}
