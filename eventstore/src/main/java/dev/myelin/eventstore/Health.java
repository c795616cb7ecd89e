package dev.myelin.eventstore;

import java.time.Instant;
import java.util.Objects;

/**
 * The health of a Myelin runtime: running; catching up with a reason since some instant (it works,
 * but does not serve current data yet, such as a projection still folding the events that were
 * there when it started); degraded with a reason since some instant (it still works and expects to
 * recover by itself); or failed with its cause (it stopped for good and must be replaced once the
 * cause is fixed). The event store, the command gateway ({@code CommandGateway.health()}), a
 * projection ({@code RunningProjection.health()}) and a saga runtime report this one shape, so a
 * health endpoint handles them all alike.
 *
 * <p>Two questions an orchestrator asks are answered from it: {@link #isLive()} (keep the process,
 * false only when {@link Failed}) and {@link #isReady()} (send it traffic, true only when
 * {@link Running}).
 *
 * <pre>{@code
 * Health health = gateway.health();
 * if (health instanceof Health.Failed failed) {
 *     alert("command gateway stopped", failed.cause());
 * } else if (health instanceof Health.Degraded degraded) {
 *     warn(degraded.reason() + " since " + degraded.since());
 * }
 * int liveness = health.isLive() ? 200 : 503;     // e.g. for a Kubernetes liveness probe
 * int readiness = health.isReady() ? 200 : 503;   // and its readiness probe
 * }</pre>
 */
public sealed interface Health permits Health.Running, Health.CatchingUp, Health.Degraded, Health.Failed {

    /**
     * Returns the health of a runtime that works normally.
     *
     * @return {@link Running}
     */
    static Health running() {
        return Running.INSTANCE;
    }

    /**
     * Returns the health of a runtime that works but does not serve current data yet.
     *
     * @param reason what it is still doing, for a person, such as "catching up: 1200 events behind"
     * @param since  since when
     * @return {@link CatchingUp}
     */
    static Health catchingUp(String reason, Instant since) {
        return new CatchingUp(reason, since);
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

    /**
     * Returns whether the runtime is alive: running, catching up or degraded, which each recover by
     * themselves; only a {@link Failed} runtime must be restarted. What a liveness probe asks.
     *
     * @return false only when {@link Failed}
     */
    default boolean isLive() {
        return !(this instanceof Failed);
    }

    /**
     * Returns whether the runtime serves current data: {@link Running}, so caught up with its input
     * and with no held partition. What a readiness probe asks; a projection still catching up is live
     * but not ready.
     *
     * @return true only when {@link Running}
     */
    default boolean isReady() {
        return this instanceof Running;
    }

    /** Works normally, and serves current data. */
    record Running() implements Health {
        private static final Running INSTANCE = new Running();
    }

    /**
     * Works normally but does not serve current data yet: live, not ready.
     *
     * @param reason what it is still doing, for a person
     * @param since  since when
     */
    record CatchingUp(String reason, Instant since) implements Health {
        /**
         * Creates the value.
         *
         * @throws NullPointerException if an argument is null
         */
        public CatchingUp {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(since, "since");
        }
    }

    /**
     * Still works, or will again by itself, but meets a fault it keeps retrying: live, not ready.
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
     * Stopped for good; replace the runtime once the cause is fixed: neither live nor ready.
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
