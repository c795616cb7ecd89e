package dev.myelin.processors.internal;

import java.util.Objects;
import java.util.regex.Pattern;

/** Checks of projection and topic names, with the messages in one place. */
final class Names {

    /** Kafka's own rule for topic names (and a safe one for application ids and store names). */
    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]+");
    /** Leaves room for Kafka Streams' suffixes ({@code -view-changelog}) within Kafka's 249 limit. */
    static final int MAX_LENGTH = 200;

    private Names() {
    }

    static String requireName(String what, String name) {
        Objects.requireNonNull(name, what);
        if (name.isEmpty() || name.length() > MAX_LENGTH || !LEGAL.matcher(name).matches()
                || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException(what + " '" + name + "' is not legal: use 1 to " + MAX_LENGTH
                    + " letters, digits, '.', '_' or '-'");
        }
        return name;
    }
}
