package dev.myelin.processors;

import java.time.Instant;
import java.util.Objects;

/**
 * How a runtime is doing, in the one shape every Myelin runtime is meant to report: running, degraded
 * with a reason (it works, or will again by itself, but not fully now), or failed with its cause (it
 * will not go on without someone's help). Made for health checks and dashboards:
 *
 * <pre>{@code
 * Health health = running.health();
 * if (health instanceof Health.Degraded d) {
 *     log.warn("degraded since {}: {}", d.since(), d.reason());
 * } else if (health instanceof Health.Failed f) {
 *     log.error("failed", f.cause());
 * }
 * }</pre>
 *
 * <p>Projections report it first; the event store and the saga runtime are to report the same shape,
 * which may then move to a module they all share.
 */
public sealed interface Health permits Health.Running, Health.Degraded, Health.Failed {

    /**
     * Returns the one {@link Running} value.
     *
     * @return running
     */
    static Health running() {
        return Running.INSTANCE;
    }

    /** Works as it should. */
    record Running() implements Health {
        private static final Running INSTANCE = new Running();
    }

    /**
     * Works only in part, or not for now, and is expected to recover by itself: a partition held
     * while the schema registry is away, a rebalance, a start.
     *
     * @param reason what is wrong, naming the partition and the cause where there is one
     * @param since  when it began
     */
    record Degraded(String reason, Instant since) implements Health {
        /**
         * Checks the components.
         *
         * @throws NullPointerException if a component is null
         */
        public Degraded {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(since, "since");
        }
    }

    /**
     * Has stopped and will not go on by itself.
     *
     * @param cause why it stopped
     */
    record Failed(Throwable cause) implements Health {
        /**
         * Checks the component.
         *
         * @throws NullPointerException if {@code cause} is null
         */
        public Failed {
            Objects.requireNonNull(cause, "cause");
        }
    }
}
