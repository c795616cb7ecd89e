package dev.myelin.sagas.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.internal.Meters;
import dev.myelin.sagas.SagaTransition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** A saga's meters, counted from the transitions its log records. */
class SagaMetersTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final SagaMeters meters = new SagaMeters(Meters.of(Optional.of(registry), "shop"), "place-order");

    private static final Instant T0 = Instant.parse("2026-01-01T12:00:00Z");

    private double sagas(String name) {
        return registry.get(name).tags("application", "shop", "saga", "place-order").counter().count();
    }

    private double steps(String step, String outcome) {
        return registry.get(Meters.SAGA_STEPS).tags("saga", "place-order", "step", step, "outcome", outcome).counter().count();
    }

    @Test
    void aCompensatedSagaCountsOnceStartedAndOnceCompensated() {
        meters.transition("o-1", SagaTransition.STARTED, "", T0);
        meters.transition("o-1", SagaTransition.STEP_SENT, "reserve", T0);
        meters.transition("o-1", SagaTransition.STEP_SUCCEEDED, "reserve", T0);
        meters.transition("o-1", SagaTransition.STEP_SENT, "charge", T0);
        meters.transition("o-1", SagaTransition.STEP_FAILED, "charge", T0);
        meters.transition("o-1", SagaTransition.COMPENSATING, "", T0);
        meters.transition("o-1", SagaTransition.COMPENSATION_SENT, "reserve", T0);
        meters.transition("o-1", SagaTransition.COMPENSATION_SUCCEEDED, "reserve", T0);
        meters.transition("o-1", SagaTransition.COMPENSATED, "", T0);

        assertThat(sagas(Meters.SAGAS_STARTED)).isEqualTo(1);
        assertThat(sagas(Meters.SAGAS_COMPENSATED)).isEqualTo(1);
        assertThat(sagas(Meters.SAGAS_COMPLETED)).isZero();
        assertThat(sagas(Meters.SAGAS_FAILED)).isZero();
        assertThat(steps("reserve", "succeeded")).isEqualTo(1);
        assertThat(steps("charge", "failed")).isEqualTo(1);
    }

    @Test
    void aStepIsTimedFromItsFirstCommandToItsAnswer() {
        meters.transition("o-1", SagaTransition.STEP_SENT, "charge", T0);
        meters.transition("o-1", SagaTransition.STEP_SENT, "charge", T0.plusSeconds(2));   // a retry: still timed from the first
        meters.transition("o-1", SagaTransition.STEP_SUCCEEDED, "charge", T0.plusSeconds(3));

        io.micrometer.core.instrument.Timer latency = registry.get(Meters.SAGA_STEP_LATENCY).tags("saga", "place-order", "step", "charge")
                .timer();
        assertThat(latency.count()).isEqualTo(1);
        assertThat(latency.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(Duration.ofSeconds(3).toMillis());
    }

    @Test
    void completedFailedAndTimedOutSagasAreCountedApart() {
        meters.transition("o-1", SagaTransition.COMPLETED, "", T0);
        meters.transition("o-1", SagaTransition.FAILED, "", T0);
        meters.transition("o-1", SagaTransition.TIMED_OUT, "charge", T0);

        assertThat(sagas(Meters.SAGAS_COMPLETED)).isEqualTo(1);
        assertThat(sagas(Meters.SAGAS_FAILED)).isEqualTo(1);
        assertThat(steps("charge", "timed_out")).isEqualTo(1);
    }
}
