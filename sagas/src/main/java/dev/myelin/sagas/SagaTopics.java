package dev.myelin.sagas;

import java.util.Objects;

/**
 * The names of the topics a saga runtime owns.
 *
 * <pre>{@code
 * SagaTopics topics = SagaTopics.of("shop", "place-order");
 * topics.log();   // "shop.saga.place-order.log"
 * }</pre>
 *
 * @param inbox triggers and replies re-keyed by saga id, so one task owns each saga ({@code cleanup.policy=delete})
 * @param log   one entry per transition, keyed by saga id ({@code cleanup.policy=delete}); see {@link SagaTransition}
 */
public record SagaTopics(String inbox, String log) {
    /**
     * Checks the components.
     *
     * @throws NullPointerException if a component is null
     */
    public SagaTopics {
        Objects.requireNonNull(inbox, "inbox");
        Objects.requireNonNull(log, "log");
    }

    /**
     * Returns the standard names, {@code <application>.saga.<saga>.inbox} and {@code .log}.
     *
     * @param application the application name
     * @param saga        the saga name
     * @return the topic names
     */
    public static SagaTopics of(String application, String saga) {
        String prefix = application + ".saga." + saga + ".";
        return new SagaTopics(prefix + "inbox", prefix + "log");
    }
}
