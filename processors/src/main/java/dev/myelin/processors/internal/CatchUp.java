package dev.myelin.processors.internal;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

import org.apache.kafka.common.TopicPartition;

import dev.myelin.eventstore.Health;

/**
 * A projection's readiness: it is {@link Health.CatchingUp catching up}, live but not ready, until it
 * has processed every event its sources held when it was first seen running; from then on it is
 * ready whenever its runtime runs. The target is fixed once, so a source that never stands still
 * does not keep it catching up for ever, and a later burst of events does not take a serving view
 * out of service.
 */
final class CatchUp {
    /** How far a projection has come, read from the cluster. */
    interface Progress {
        /**
         * Returns the committed end of each source partition now.
         *
         * @return the ends
         */
        Map<TopicPartition, Long> sourceEnds();

        /**
         * Returns how many events before {@code targets} are not yet processed.
         *
         * @param targets offsets per partition
         * @return the events left
         */
        long behind(Map<TopicPartition, Long> targets);
    }

    private final Progress progress;
    private final Instant since;
    private Map<TopicPartition, Long> targets;
    /** How many events were left when first asked: the whole of a rebuild, less what was folded before the first look. */
    private long initiallyBehind = -1;
    private volatile boolean caughtUp;

    CatchUp(Progress progress, Instant since) {
        this.progress = Objects.requireNonNull(progress, "progress");
        this.since = Objects.requireNonNull(since, "since");
    }

    /**
     * Returns the projection's health: {@code runtime} itself unless that is {@link Health.Running}
     * and the projection has not caught up yet.
     *
     * @param runtime the health of its Kafka Streams runtime
     * @return the health with readiness
     */
    Health health(Health runtime) {
        if (caughtUp || !(runtime instanceof Health.Running)) {
            return runtime;
        }
        long behind;
        try {
            behind = behind();
        } catch (RuntimeException e) {
            return Health.catchingUp("catching up: how far it is behind cannot be read now (" + e.getMessage() + ")", since);
        }
        if (behind == 0) {
            caughtUp = true;
            return runtime;
        }
        return Health.catchingUp("catching up: " + behind + " of the events its sources held when it started are left to fold",
                since);
    }

    /**
     * Returns the share of the catch-up done, from 0 to 1: of the events left when it was first asked,
     * those folded since; 1 once caught up. A rebuilt projection's progress, for a gauge.
     *
     * @return the share done
     * @throws RuntimeException if the cluster cannot be asked
     */
    double progress() {
        if (caughtUp) {
            return 1;
        }
        long behind = behind();
        if (behind == 0) {
            // not marked caught up here: readiness also waits for the runtime to run, which health() sees
            return 1;
        }
        return Math.max(0, Math.min(1, (initiallyBehind - behind) / (double) initiallyBehind));
    }

    private synchronized long behind() {
        if (targets == null) {
            targets = Map.copyOf(progress.sourceEnds());
        }
        long behind = progress.behind(targets);
        if (initiallyBehind < 0) {
            initiallyBehind = behind;
        }
        return behind;
    }
}
