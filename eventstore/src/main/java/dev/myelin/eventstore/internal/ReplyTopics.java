package dev.myelin.eventstore.internal;

import java.util.Set;

/**
 * The topics other than its own results topic that a command processor may write a result to
 * directly (see {@link dev.myelin.eventstore.CommandHeaders#REPLY_TO}). A topic that is refused
 * gets nothing lost: the result goes to the results topic, where a router forwards it.
 */
@FunctionalInterface
public interface ReplyTopics {

    /**
     * Returns whether a result may be written to {@code topic}: a wrong answer of {@code true}
     * would fail the command's transaction again and again, so when in doubt the answer is no.
     *
     * @param topic the topic a command names in its reply-to header
     * @return whether the topic exists and may be written to
     */
    boolean accepts(String topic);

    /**
     * Returns the policy that refuses every topic: every result goes to the results topic.
     *
     * @return a policy that accepts nothing
     */
    static ReplyTopics none() {
        return topic -> false;
    }

    /**
     * Returns the policy that accepts exactly {@code topics}, for tests on a topology test driver.
     *
     * @param topics the topics accepted
     * @return a policy that accepts these topics
     */
    static ReplyTopics of(Set<String> topics) {
        Set<String> copy = Set.copyOf(topics);
        return copy::contains;
    }
}
