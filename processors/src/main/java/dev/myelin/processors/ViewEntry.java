package dev.myelin.processors;

import java.util.Objects;

/**
 * One key of a view and its value, as returned by the scans of {@link ViewQuery}.
 *
 * <pre>{@code
 * for (ViewEntry<String, Balance> entry : balances.all()) {
 *     System.out.println(entry.key() + " " + entry.view().getAmount());
 * }
 * }</pre>
 *
 * @param key  the view key
 * @param view the view value
 * @param <K>  the key type
 * @param <V>  the view type
 */
public record ViewEntry<K, V>(K key, V view) {

    /**
     * Checks the components.
     *
     * @throws NullPointerException if either is null
     */
    public ViewEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(view, "view");
    }
}
