package dev.myelin.sagas.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
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
    void aFailureReasonOverSixtyFourKilobytesIsStoredWhole() {
        // modified UTF-8 (writeUTF) holds at most 65,535 bytes; a participant's long rejection once ended the runtime here
        String reason = "reserve-stock failed: " + "é".repeat(40_000) + " and more";
        StoredSaga saga = new StoredSaga("o-1", SagaStatus.COMPENSATING, 1, 1, false, 0, new byte[0], List.of(0), reason, List.of());

        StoredSaga back = StoredSaga.decode(saga.encode(STEPS), STEPS);

        assertThat(back.failureReason()).isEqualTo(reason);
        assertThat(back.completed()).containsExactly(0);
    }

    @Test
    void aSagaIdOverSixtyFourKilobytesIsStoredWhole() {
        String sagaId = "o-" + "x".repeat(70_000);
        StoredSaga saga = new StoredSaga(sagaId, SagaStatus.RUNNING, 0, 1, false, 5L, new byte[] {7}, List.of(), "");

        assertThat(StoredSaga.decode(saga.encode(STEPS), STEPS).sagaId()).isEqualTo(sagaId);
    }

    @Test
    void aParallelGroupInFlightWithItsLimitSurvivesTheRoundTrip() {
        StoredSaga saga = new StoredSaga("o-1", SagaStatus.COMPENSATING, 0, new byte[] {9}, List.of(0), "reserve-credit failed: no",
                List.of(), List.of(new StoredSaga.Branch(1, CommandIds.Phase.INVOKE, 2, true, 3_000L),
                        new StoredSaga.Branch(0, CommandIds.Phase.COMPENSATE, 1, false, 2_000L)), 10_000L, 2_000L);

        StoredSaga back = StoredSaga.decode(saga.encode(STEPS), STEPS);

        assertThat(back).usingRecursiveComparison().isEqualTo(saga);
        assertThat(back.inFlight()).extracting(StoredSaga.Branch::step).as("kept in step order").containsExactly(0, 1);
        assertThat(back.expiresAt()).isEqualTo(10_000L);
    }

    /** Writes a row as Myelin wrote it before format 3: modified UTF-8 strings and one command in flight. */
    private static byte[] writtenByUtf(int format, String sagaId, SagaStatus status, String step, int attempt, boolean awaitingRetry,
                                       long deadline, byte[] data, List<String> completed, String reason, List<String> timedOut)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(format);
        out.writeUTF(sagaId);
        out.writeUTF(status.name());
        out.writeUTF(step);
        out.writeInt(attempt);
        out.writeBoolean(awaitingRetry);
        out.writeLong(deadline);
        out.writeInt(data.length);
        out.write(data);
        out.writeInt(completed.size());
        for (String name : completed) {
            out.writeUTF(name);
        }
        out.writeUTF(reason);
        if (format == 2) {
            out.writeInt(timedOut.size());
            for (String name : timedOut) {
                out.writeUTF(name);
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void aRowOfFormatTwoInFlightAcrossAnUpgradeReadsAsOneCommandInFlight() throws IOException {
        byte[] format2 = writtenByUtf(2, "o-1", SagaStatus.COMPENSATING, "reserve-stock", 2, true, 4_321L, new byte[] {1, 2},
                List.of("reserve-credit"), "reserve-stock timed out", List.of("reserve-stock"));

        StoredSaga back = StoredSaga.decode(format2, STEPS);

        assertThat(back.sagaId()).isEqualTo("o-1");
        assertThat(back.status()).isEqualTo(SagaStatus.COMPENSATING);
        assertThat(STEPS.get(back.step())).isEqualTo("reserve-stock");
        assertThat(back.data()).containsExactly(1, 2);
        assertThat(back.completed()).containsExactly(0);
        assertThat(back.timedOut()).containsExactly(1);
        assertThat(back.failureReason()).isEqualTo("reserve-stock timed out");
        assertThat(back.deadline()).isEqualTo(4_321L);
        assertThat(back.expiresAt()).as("no limit before format 3").isZero();
        assertThat(back.inFlight()).containsExactly(new StoredSaga.Branch(1, CommandIds.Phase.COMPENSATE, 2, true, 4_321L));
        // and it is written back in the current format, unchanged
        assertThat(StoredSaga.decode(back.encode(STEPS), STEPS)).usingRecursiveComparison().isEqualTo(back);
    }

    @Test
    void aRowOfFormatOneReadsAsHavingNoTimedOutSteps() throws IOException {
        byte[] format1 = writtenByUtf(1, "o-1", SagaStatus.RUNNING, "reserve-stock", 1, false, 99L, new byte[0], List.of("reserve-credit"),
                "", List.of());

        StoredSaga back = StoredSaga.decode(format1, STEPS);

        assertThat(back.timedOut()).isEmpty();
        assertThat(back.completed()).containsExactly(0);
        assertThat(STEPS.get(back.step())).isEqualTo("reserve-stock");
        assertThat(back.inFlight()).containsExactly(new StoredSaga.Branch(1, CommandIds.Phase.INVOKE, 1, false, 99L));
    }

    @Test
    void aFinishedRowOfAnOldFormatHasNothingInFlightAndKeepsItsRetention() throws IOException {
        byte[] format2 = writtenByUtf(2, "o-1", SagaStatus.COMPLETED, "approve", 1, false, 777L, new byte[0],
                List.of("reserve-credit", "reserve-stock", "approve"), "", List.of());

        StoredSaga back = StoredSaga.decode(format2, STEPS);

        assertThat(back.inFlight()).isEmpty();
        assertThat(back.deadline()).isEqualTo(777L);
    }

    @Test
    void aTruncatedRowIsReportedNotMisread() {
        byte[] whole = new StoredSaga("o-1", SagaStatus.RUNNING, 0, 1, false, 0, new byte[0], List.of(), "reason").encode(STEPS);

        assertThatThrownBy(() -> StoredSaga.decode(java.util.Arrays.copyOf(whole, 20), STEPS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("saga state cannot be decoded");
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
