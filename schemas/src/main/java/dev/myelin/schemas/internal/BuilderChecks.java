package dev.myelin.schemas.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * The checks every Myelin configuration builder makes in its setters (set once, a valid value), with
 * their messages in one place, so that each module's builders fail alike. Lives in the lowest module
 * with builders; the event store, projections and sagas use it too.
 *
 * <pre>{@code
 * public Builder timeout(Duration t) {
 *     BuilderChecks.requireUnset(timeout, "timeout");
 *     timeout = BuilderChecks.requirePositive(t, "timeout");
 *     return this;
 * }
 * }</pre>
 */
public final class BuilderChecks {

    private BuilderChecks() {
    }

    /**
     * Refuses a second call of a setter.
     *
     * @param current the value set so far, null when unset
     * @param setting the setting's name, as the user calls it
     * @throws IllegalStateException if {@code current} is not null
     */
    public static void requireUnset(Object current, String setting) {
        requireState(current == null, "%s was already set to %s", setting, current);
    }

    /**
     * Throws an {@link IllegalStateException} with the formatted message unless {@code ok}.
     *
     * @param ok     the condition
     * @param format the message, a {@link String#format} pattern
     * @param args   its arguments
     * @throws IllegalStateException if not {@code ok}
     */
    public static void requireState(boolean ok, String format, Object... args) {
        if (!ok) {
            throw new IllegalStateException(String.format(format, args));
        }
    }

    /**
     * Throws an {@link IllegalArgumentException} with the formatted message unless {@code ok}.
     *
     * @param ok     the condition
     * @param format the message, a {@link String#format} pattern
     * @param args   its arguments
     * @throws IllegalArgumentException if not {@code ok}
     */
    public static void requireArgument(boolean ok, String format, Object... args) {
        if (!ok) {
            throw new IllegalArgumentException(String.format(format, args));
        }
    }

    /**
     * Returns {@code value} if it is longer than zero.
     *
     * @param value   the value given
     * @param setting the setting's name
     * @return {@code value}
     * @throws NullPointerException     if {@code value} is null
     * @throws IllegalArgumentException if it is zero or negative
     */
    public static Duration requirePositive(Duration value, String setting) {
        requireArgument(!Objects.requireNonNull(value, setting).isNegative() && !value.isZero(), "%s must be positive: %s", setting, value);
        return value;
    }

    /**
     * Returns {@code value} if it is not negative.
     *
     * @param value   the value given
     * @param setting the setting's name
     * @return {@code value}
     * @throws NullPointerException     if {@code value} is null
     * @throws IllegalArgumentException if it is negative
     */
    public static Duration requireNotNegative(Duration value, String setting) {
        requireArgument(!Objects.requireNonNull(value, setting).isNegative(), "%s must not be negative: %s", setting, value);
        return value;
    }

    /**
     * Parses a property value that must be a whole number.
     *
     * @param key   the property, for the message
     * @param value its value (a number or its text)
     * @return the number
     * @throws IllegalArgumentException if it is not a whole number
     */
    public static long parseLong(String key, Object value) {
        try {
            return Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number: '" + value + "'", e);
        }
    }

    /**
     * Parses a property value that must be a whole number in {@code int}'s range.
     *
     * @param key   the property, for the message
     * @param value its value (a number or its text)
     * @return the number
     * @throws IllegalArgumentException if it is not such a number
     */
    public static int parseInt(String key, Object value) {
        long parsed = parseLong(key, value);
        requireArgument(parsed == (int) parsed, "%s is too large: '%s'", key, value);
        return (int) parsed;
    }
}
