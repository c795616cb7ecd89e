package dev.myelin.eventstore;

import java.util.Objects;

/**
 * The names of the topics of one aggregate type of one application.
 *
 * <pre>{@code
 * AggregateTopics topics = AggregateTopics.of("bank", "account");
 * topics.events();   // "bank.account.events"
 * }</pre>
 *
 * @param commands       commands in, keyed by aggregate id ({@code cleanup.policy=delete})
 * @param events         the events, keyed {@code aggregateId@sequence}, partitioned by aggregate id
 *                       ({@code cleanup.policy=compact})
 * @param commandResults one result per command, keyed by command id ({@code cleanup.policy=delete})
 * @param deadLetters    commands that failed and had no reply address ({@code cleanup.policy=delete})
 */
public record AggregateTopics(String commands, String events, String commandResults, String deadLetters) {

    /**
     * Checks the components.
     *
     * @throws NullPointerException if a component is null
     */
    public AggregateTopics {
        Objects.requireNonNull(commands, "commands");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(commandResults, "commandResults");
        Objects.requireNonNull(deadLetters, "deadLetters");
    }

    /**
     * Returns the standard names: {@code <application>.<aggregate>.commands}, {@code .events},
     * {@code .command-results} and {@code .dead-letters}.
     *
     * @param application the application name
     * @param aggregate   the aggregate name
     * @return the topic names
     */
    public static AggregateTopics of(String application, String aggregate) {
        String prefix = application + "." + aggregate + ".";
        return new AggregateTopics(prefix + "commands", prefix + "events", prefix + "command-results", prefix + "dead-letters");
    }
}
