package dev.myelin.eventstore;

/**
 * Thrown at startup when an existing topic cannot be used as it is configured (an events topic that
 * is not compacted, partition counts that differ); the message names the topic and the fix.
 */
public class TopicConfigurationException extends MyelinEventStoreException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong with which topic, and how to fix it
     */
    public TopicConfigurationException(String message) {
        super(message);
    }
}
