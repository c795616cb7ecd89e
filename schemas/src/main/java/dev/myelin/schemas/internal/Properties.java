package dev.myelin.schemas.internal;

import java.time.Duration;
import java.util.Locale;

/**
 * Reads typed values from Kafka-style configuration maps, whose values may be strings or objects.
 */
public final class Properties {

    private Properties() {
    }

    /**
     * Returns a value as trimmed, non-empty text.
     *
     * @param key   the key, for the message
     * @param value the value
     * @return the text
     * @throws IllegalArgumentException if the value is blank
     */
    public static String text(String key, Object value) {
        String text = value.toString().trim();
        if (text.isEmpty()) {
            throw new IllegalArgumentException(key + " must not be blank");
        }
        return text;
    }

    /**
     * Returns a value as an int.
     *
     * @param key   the key, for the message
     * @param value a Number or decimal text
     * @return the number
     * @throws IllegalArgumentException if the value is not an int
     */
    public static int integer(String key, Object value) {
        if (value instanceof Integer i) {
            return i;
        }
        try {
            return Integer.parseInt(text(key, value));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number: '" + value + "'", e);
        }
    }

    /**
     * Returns a value in milliseconds as a duration.
     *
     * @param key   the key, for the message
     * @param value a Number or decimal text
     * @return the duration
     * @throws IllegalArgumentException if the value is not a whole number
     */
    public static Duration millis(String key, Object value) {
        if (value instanceof Number n) {
            return Duration.ofMillis(n.longValue());
        }
        try {
            return Duration.ofMillis(Long.parseLong(text(key, value)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number of milliseconds: '" + value + "'", e);
        }
    }

    /**
     * Returns a value as a boolean.
     *
     * @param key   the key, for the message
     * @param value a Boolean or the text true/false
     * @return the flag
     * @throws IllegalArgumentException if the value is neither true nor false
     */
    public static boolean flag(String key, Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        String text = text(key, value).toLowerCase(Locale.ROOT);
        return switch (text) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + " must be true or false: '" + value + "'");
        };
    }
}
