package dev.myelin.sagas.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.myelin.eventstore.internal.Meters;
import dev.myelin.sagas.SagaTransition;

/**
 * A saga's meters, counted from the transitions its log records: sagas started, completed,
 * compensated and failed (tag {@code saga}), and step answers (tags {@code saga}, {@code step},
 * {@code outcome}: succeeded, failed, timed_out). Counted as processed: a transaction that aborts and
 * is processed again counts again.
 */
final class SagaMeters {
    private final Meters meters;
    private final String saga;
    private final Meters.Count started;
    private final Meters.Count completed;
    private final Meters.Count compensated;
    private final Meters.Count failed;
    private final Map<String, Meters.Count> steps = new ConcurrentHashMap<>();

    SagaMeters(Meters meters, String saga) {
        this.meters = meters;
        this.saga = saga;
        this.started = meters.counter(Meters.SAGAS_STARTED, "sagas started by a trigger", "saga", saga);
        this.completed = meters.counter(Meters.SAGAS_COMPLETED, "sagas whose every step succeeded", "saga", saga);
        this.compensated = meters.counter(Meters.SAGAS_COMPENSATED, "sagas undone by their compensations", "saga", saga);
        this.failed = meters.counter(Meters.SAGAS_FAILED, "sagas whose compensation could not be completed", "saga", saga);
    }

    /** Counts one transition of a saga, at {@code step} (empty when the transition has none). */
    void transition(SagaTransition transition, String step) {
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

    private void step(String step, String outcome) {
        if (!meters.enabled()) {
            return;
        }
        // the step names are the definition's, a handful: a low-cardinality tag
        steps.computeIfAbsent(step + '\0' + outcome, key -> meters.counter(Meters.SAGA_STEPS, "saga steps answered, by outcome",
                "saga", saga, "step", step, "outcome", outcome)).increment();
    }
}
