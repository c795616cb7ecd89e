package dev.myelin.sagas;

import java.util.Objects;

/**
 * The names of the topics a saga runtime owns.
 *
 * <pre>{@code
 * SagaTopics topics = SagaTopics.of("shop", "place-order");
 * topics.log();         // "shop.saga.place-order.log"
 * topics.deadLetters(); // "shop.saga.place-order.dead-letters"
 * }</pre>
 *
 * @param inbox triggers and replies re-keyed by saga id, so one task owns each saga, and the results Myelin aggregates
 *              write there themselves ({@code cleanup.policy=delete}); a name other than the standard one must match
 *              the participants' {@code MyelinConfig.replyTopics()} for them to do so
 * @param log         one entry per transition, keyed by saga id ({@code cleanup.policy=delete}, retention
 *                    {@code myelin.saga.log.retention.ms}); see {@link SagaTransition}
 * @param deadLetters the triggers and replies the runtime could not process, for good ({@code cleanup.policy=delete},
 *                    retention {@code myelin.dead-letter.retention.ms}): each keeps its original key, value and
 *                    headers and gains {@code myelin.dead-letter.*} headers with the saga's name, the reason, the
 *                    error and where it was read (topic, partition, offset), as a projection's dead letters do
 */
public record SagaTopics(String inbox, String log, String deadLetters) {
    /**
     * Checks the components.
     *
     * @throws NullPointerException if a component is null
     */
    public SagaTopics {
        Objects.requireNonNull(inbox, "inbox");
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(deadLetters, "deadLetters");
    }

    /**
     * Returns the standard names, {@code <application>.saga.<saga>.inbox}, {@code .log} and {@code .dead-letters}.
     *
     * @param application the application name
     * @param saga        the saga name
     * @return the topic names
     */
    public static SagaTopics of(String application, String saga) {
        String prefix = application + ".saga." + saga + ".";
        return new SagaTopics(prefix + "inbox", prefix + "log", prefix + "dead-letters");
    }
}
