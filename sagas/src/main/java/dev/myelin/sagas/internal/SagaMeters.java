package dev.myelin.sagas.internal;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import dev.myelin.eventstore.internal.Meters;
import dev.myelin.sagas.SagaTransition;

/**
 * A saga's meters, counted from the transitions its log records: sagas started, completed,
 * compensated and failed (tag {@code saga}), and step answers (tags {@code saga}, {@code step},
 * {@code outcome}: succeeded, failed, timed_out), and the time from a step's first command to its
 * answer (tags {@code saga}, {@code step}). Counted as processed: a transaction that aborts and is
 * processed again counts again. One per saga processor, so used by one stream thread only; a step
 * sent before a rebalance moved its saga here is not timed.
 */
final class SagaMeters {
    private final Meters meters;
    private final String saga;
    private final Meters.Count started;
    private final Meters.Count completed;
    private final Meters.Count compensated;
    private final Meters.Count failed;
    private final Map<String, Meters.Count> steps = new HashMap<>();
    private final Map<String, Meters.Latency> latencies = new HashMap<>();
    /** When each step in flight was first sent, by saga id and step; bounded, as a step without a timeout may never answer. */
    private final Map<String, Instant> sentAt = new HashMap<>();

    SagaMeters(Meters meters, String saga) {
        this.meters = meters;
        this.saga = saga;
        this.started = meters.counter(Meters.SAGAS_STARTED, "sagas started by a trigger", "saga", saga);
        this.completed = meters.counter(Meters.SAGAS_COMPLETED, "sagas whose every step succeeded", "saga", saga);
        this.compensated = meters.counter(Meters.SAGAS_COMPENSATED, "sagas undone by their compensations", "saga", saga);
        this.failed = meters.counter(Meters.SAGAS_FAILED, "sagas whose compensation could not be completed", "saga", saga);
    }

    /** The most steps in flight timed at once; beyond it new ones go untimed rather than grow the map. */
    static final int MAX_TIMED = 100_000;

    /** Counts one transition of saga {@code sagaId} at {@code at}, at {@code step} (empty when the transition has none). */
    void transition(String sagaId, SagaTransition transition, String step, Instant at) {
        if (meters.enabled()) {
            time(sagaId, transition, step, at);
        }
        switch (transition) {
            case STARTED -> started.increment();
            case COMPLETED -> completed.increment();
            case COMPENSATED -> compensated.increment();
            case FAILED -> failed.increment();
            case STEP_SUCCEEDED -> step(step, "succeeded");
            case STEP_FAILED -> step(step, "failed");
            case TIMED_OUT -> step(step.isEmpty() ? "(saga)" : step, "timed_out");
            default -> { }
        }
    }

    private void time(String sagaId, SagaTransition transition, String step, Instant at) {
        String key = sagaId + '\0' + step;
        switch (transition) {
            case STEP_SENT -> {
                if (sentAt.size() < MAX_TIMED) {
                    sentAt.putIfAbsent(key, at);
                }
            }
            case STEP_SUCCEEDED, STEP_FAILED, TIMED_OUT -> {
                Instant sent = sentAt.remove(key);
                if (sent != null) {
                    latencies.computeIfAbsent(step, s -> meters.timer(Meters.SAGA_STEP_LATENCY,
                            "from a saga step's first command to its answer", "saga", saga, "step", s))
                            .record(Math.max(0, java.time.Duration.between(sent, at).toNanos()));
                }
            }
            case COMPLETED, COMPENSATED, FAILED -> sentAt.keySet().removeIf(k -> k.startsWith(sagaId + '\0'));
            default -> { }
        }
    }

    private void step(String step, String outcome) {
        if (!meters.enabled()) {
            return;
        }
        // the step names are the definition's, a handful: a low-cardinality tag
        steps.computeIfAbsent(step + '\0' + outcome, key -> meters.counter(Meters.SAGA_STEPS, "saga steps answered, by outcome",
                "saga", saga, "step", step, "outcome", outcome)).increment();
    }
}
