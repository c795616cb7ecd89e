package dev.myelin.eventstore;

import java.util.List;

/**
 * Thrown at startup when the configuration would weaken exactly-once processing or durability, for
 * instance {@code processing.guarantee=at_least_once}, {@code producer.acks=1},
 * {@code enable.idempotence=false} or {@code consumer.isolation.level=read_uncommitted}. The message
 * names each such setting and the escape hatch {@link MyelinConfig#ALLOW_WEAKER_GUARANTEES}.
 */
public class WeakerGuaranteeException extends MyelinEventStoreException {
    private static final long serialVersionUID = 1L;

    private final List<String> settings;

    /**
     * Creates the exception.
     *
     * @param message  which settings weaken what, and how to fix it
     * @param settings the settings refused, each as {@code key=value}
     */
    public WeakerGuaranteeException(String message, List<String> settings) {
        super(message);
        this.settings = List.copyOf(settings);
    }

    /**
     * Returns the settings refused, each as {@code key=value}, in the order they were checked.
     *
     * @return the settings refused
     */
    public List<String> settings() {
        return settings;
    }
}
