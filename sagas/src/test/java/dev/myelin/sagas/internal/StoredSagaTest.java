package dev.myelin.sagas.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.myelin.sagas.SagaStatus;

class StoredSagaTest {
    static final List<String> STEPS = List.of("reserve-credit", "reserve-stock", "approve");

    @Test
    void aSagaSurvivesTheRoundTrip() {
        StoredSaga saga = new StoredSaga("o-1", SagaStatus.COMPENSATING, 1, 2, true, 1_234L, new byte[] {1, 2, 3}, List.of(0, 1),
                "approve failed");

        StoredSaga back = StoredSaga.decode(saga.encode(STEPS), STEPS);

        assertThat(back).usingRecursiveComparison().isEqualTo(saga);
    }

    @Test
    void theStepsThatTimedOutSurviveTheRoundTrip() {
        StoredSaga saga = new StoredSaga("o-1", SagaStatus.COMPENSATING, 1, 1, false, 0, new byte[0], List.of(0), "reserve-stock timed out",
                List.of(1));

        StoredSaga back = StoredSaga.decode(saga.encode(STEPS), STEPS);

        assertThat(back.timedOut()).containsExactly(1);
        assertThat(back.completed()).containsExactly(0);
    }

    @Test
    void aRowWrittenBeforeTimedOutStepsWereStoredReadsAsHavingNone() {
        byte[] format2 = new StoredSaga("o-1", SagaStatus.RUNNING, 1, 1, false, 0, new byte[0], List.of(0), "").encode(STEPS);
        // format 1 is format 2 without the trailing count of timed-out steps (an int 0 here)
        byte[] format1 = java.util.Arrays.copyOf(format2, format2.length - 4);
        format1[0] = 1;

        StoredSaga back = StoredSaga.decode(format1, STEPS);

        assertThat(back.timedOut()).isEmpty();
        assertThat(back.completed()).containsExactly(0);
        assertThat(STEPS.get(back.step())).isEqualTo("reserve-stock");
    }

    @Test
    void stepsAreStoredByNameSoAnInsertedStepKeepsSagasInFlightOnTheirStep() {
        StoredSaga saga = new StoredSaga("o-1", SagaStatus.RUNNING, 1, 1, false, 0, new byte[0], List.of(0), "");
        List<String> changed = List.of("check-fraud", "reserve-credit", "reserve-stock", "approve");

        StoredSaga back = StoredSaga.decode(saga.encode(STEPS), changed);

        assertThat(changed.get(back.step())).isEqualTo("reserve-stock");
        assertThat(back.completed()).containsExactly(1);
    }

    @Test
    void aSagaAtARemovedStepIsReportedWithTheFix() {
        StoredSaga saga = new StoredSaga("o-1", SagaStatus.RUNNING, 1, 1, false, 0, new byte[0], List.of(0), "");

        assertThatThrownBy(() -> StoredSaga.decode(saga.encode(STEPS), List.of("reserve-credit", "approve")))
                .isInstanceOf(StoredSaga.UnknownStepException.class)
                .hasMessageContaining("step 'reserve-stock', which the definition no longer has")
                .hasMessageContaining("put the step back");
    }
}
