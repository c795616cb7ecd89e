package dev.myelin.eventstore;

import java.time.Instant;
import java.util.Objects;

/**
 * The health of a Myelin runtime: running, degraded with a reason since some instant (it still works
 * and expects to recover by itself), or failed with its cause (it stopped for good and must be
 * replaced once the cause is fixed). The command gateway ({@code CommandGateway.health()}) and a
 * projection ({@code RunningProjection.health()}) report this one shape, so a health endpoint
 * handles them all alike.
 *
 * <pre>{@code
 * Health health = gateway.health();
 * if (health instanceof Health.Failed failed) {
 *     alert("command gateway stopped", failed.cause());
 * } else if (health instanceof Health.Degraded degraded) {
 *     warn(degraded.reason() + " since " + degraded.since());
 * }
 * }</pre>
 */
public sealed interface Health permits Health.Running, Health.Degraded, Health.Failed {

    /**
     * Returns the health of a runtime that works normally.
     *
     * @return {@link Running}
     */
    static Health running() {
        return Running.INSTANCE;
    }

    /**
     * Returns the health of a runtime that meets a fault it retries.
     *
     * @param reason what goes wrong, for a person
     * @param since  when it started going wrong
     * @return {@link Degraded}
     */
    static Health degraded(String reason, Instant since) {
        return new Degraded(reason, since);
    }

    /**
     * Returns the health of a runtime that stopped for good.
     *
     * @param cause why it stopped
     * @return {@link Failed}
     */
    static Health failed(Throwable cause) {
        return new Failed(cause);
    }

    /** Works normally. */
    record Running() implements Health {
        private static final Running INSTANCE = new Running();
    }

    /**
     * Still works, or will again by itself, but meets a fault it keeps retrying.
     *
     * @param reason what goes wrong, for a person
     * @param since  when it started going wrong
     */
    record Degraded(String reason, Instant since) implements Health {
        /**
         * Creates the value.
         *
         * @throws NullPointerException if an argument is null
         */
        public Degraded {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(since, "since");
        }
    }

    /**
     * Stopped for good; replace the runtime once the cause is fixed.
     *
     * @param cause why it stopped
     */
    record Failed(Throwable cause) implements Health {
        /**
         * Creates the value.
         *
         * @throws NullPointerException if {@code cause} is null
         */
        public Failed {
            Objects.requireNonNull(cause, "cause");
        }
    }
}
