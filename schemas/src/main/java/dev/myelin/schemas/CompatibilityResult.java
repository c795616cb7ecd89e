package dev.myelin.schemas;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of a compatibility check: compatible or not, and why not.
 *
 * <pre>{@code
 * CompatibilityResult result = CompatibilityChecker.check(CompatibilityLevel.FULL, next, List.of(previous));
 * if (!result.compatible()) {
 *     result.messages().forEach(System.err::println);
 * }
 * }</pre>
 *
 * @param compatible whether the schema passed
 * @param messages   one line per problem, naming the field and the reason; empty when compatible
 */
public record CompatibilityResult(boolean compatible, List<String> messages) {

    private static final CompatibilityResult COMPATIBLE = new CompatibilityResult(true, List.of());

    /**
     * Copies the messages.
     *
     * @param compatible whether the schema passed
     * @param messages   one line per problem; empty when compatible
     * @throws NullPointerException     if {@code messages} is null
     * @throws IllegalArgumentException if a compatible result carries messages
     */
    public CompatibilityResult {
        messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
        if (compatible && !messages.isEmpty()) {
            throw new IllegalArgumentException("a compatible result has no messages: " + messages);
        }
    }

    /**
     * Returns the result of a check that passed.
     *
     * @return a compatible result
     */
    public static CompatibilityResult ok() {
        return COMPATIBLE;
    }

    /**
     * Returns the result of a check that failed.
     *
     * @param messages the problems, at least one
     * @return an incompatible result
     * @throws IllegalArgumentException if {@code messages} is empty
     */
    public static CompatibilityResult incompatible(List<String> messages) {
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("an incompatible result names at least one problem");
        }
        return new CompatibilityResult(false, messages);
    }
}
