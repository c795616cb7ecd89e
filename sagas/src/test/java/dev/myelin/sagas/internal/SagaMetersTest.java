package dev.myelin.sagas.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.internal.Meters;
import dev.myelin.sagas.SagaTransition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** A saga's meters, counted from the transitions its log records. */
class SagaMetersTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final SagaMeters meters = new SagaMeters(Meters.of(Optional.of(registry), "shop"), "place-order");

    private double sagas(String name) {
        return registry.get(name).tags("application", "shop", "saga", "place-order").counter().count();
    }

    private double steps(String step, String outcome) {
        return registry.get(Meters.SAGA_STEPS).tags("saga", "place-order", "step", step, "outcome", outcome).counter().count();
    }

    @Test
    void aCompensatedSagaCountsOnceStartedAndOnceCompensated() {
        meters.transition(SagaTransition.STARTED, "");
        meters.transition(SagaTransition.STEP_SENT, "reserve");
        meters.transition(SagaTransition.STEP_SUCCEEDED, "reserve");
        meters.transition(SagaTransition.STEP_SENT, "charge");
        meters.transition(SagaTransition.STEP_FAILED, "charge");
        meters.transition(SagaTransition.COMPENSATING, "");
        meters.transition(SagaTransition.COMPENSATION_SENT, "reserve");
        meters.transition(SagaTransition.COMPENSATION_SUCCEEDED, "reserve");
        meters.transition(SagaTransition.COMPENSATED, "");

        assertThat(sagas(Meters.SAGAS_STARTED)).isEqualTo(1);
        assertThat(sagas(Meters.SAGAS_COMPENSATED)).isEqualTo(1);
        assertThat(sagas(Meters.SAGAS_COMPLETED)).isZero();
        assertThat(sagas(Meters.SAGAS_FAILED)).isZero();
        assertThat(steps("reserve", "succeeded")).isEqualTo(1);
        assertThat(steps("charge", "failed")).isEqualTo(1);
    }

    @Test
    void completedFailedAndTimedOutSagasAreCountedApart() {
        meters.transition(SagaTransition.COMPLETED, "");
        meters.transition(SagaTransition.FAILED, "");
        meters.transition(SagaTransition.TIMED_OUT, "charge");

        assertThat(sagas(Meters.SAGAS_COMPLETED)).isEqualTo(1);
        assertThat(sagas(Meters.SAGAS_FAILED)).isEqualTo(1);
        assertThat(steps("charge", "timed_out")).isEqualTo(1);
    }
}
