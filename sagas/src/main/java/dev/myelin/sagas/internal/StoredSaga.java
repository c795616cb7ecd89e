package dev.myelin.sagas.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import dev.myelin.sagas.SagaStatus;

/**
 * A saga's row in the store. Small on purpose: the store's changelog is what a restarted task
 * restores, so it holds the data's bytes and a few numbers, never the saga's history (that is on
 * the log topic). In memory steps are indexes; stored, they are names (as is the status), so that
 * adding a step to a definition or a status to the enum leaves stored sagas readable.
 *
 * @param sagaId        the saga id
 * @param status        where it is; {@code RUNNING} means step {@code step} is being run,
 *                      {@code COMPENSATING} that step {@code step} is being undone
 * @param step          the index of the current step
 * @param attempt       how many times the current command was sent
 * @param awaitingRetry whether the deadline is the end of a backoff (send again) rather than a reply deadline
 * @param deadline      epoch millis of the next deadline, 0 for none
 * @param data          the data's bytes
 * @param completed     indexes of the steps that succeeded and are not yet undone, ascending
 * @param failureReason why the saga is compensating, or failed; empty otherwise
 * @param timedOut      indexes of the steps that timed out after their last attempt and are not yet undone: their
 *                      command may still run late, so they are compensated along with the completed ones
 */
record StoredSaga(String sagaId, SagaStatus status, int step, int attempt, boolean awaitingRetry, long deadline, byte[] data,
                  List<Integer> completed, String failureReason, List<Integer> timedOut) {
    /** Format 2 added {@code timedOut}; format 1 rows (written before) read as having none. */
    private static final int FORMAT = 2;

    StoredSaga {
        completed = List.copyOf(completed);
        timedOut = List.copyOf(timedOut);
    }

    StoredSaga(String sagaId, SagaStatus status, int step, int attempt, boolean awaitingRetry, long deadline, byte[] data,
               List<Integer> completed, String failureReason) {
        this(sagaId, status, step, attempt, awaitingRetry, deadline, data, completed, failureReason, List.of());
    }

    StoredSaga with(SagaStatus newStatus, int newStep, int newAttempt, boolean newAwaitingRetry, long newDeadline) {
        return new StoredSaga(sagaId, newStatus, newStep, newAttempt, newAwaitingRetry, newDeadline, data, completed, failureReason,
                timedOut);
    }

    StoredSaga withData(byte[] newData) {
        return new StoredSaga(sagaId, status, step, attempt, awaitingRetry, deadline, newData, completed, failureReason, timedOut);
    }

    StoredSaga withCompleted(List<Integer> newCompleted) {
        return new StoredSaga(sagaId, status, step, attempt, awaitingRetry, deadline, data, newCompleted, failureReason, timedOut);
    }

    StoredSaga withFailureReason(String reason) {
        return new StoredSaga(sagaId, status, step, attempt, awaitingRetry, deadline, data, completed, reason, timedOut);
    }

    StoredSaga withTimedOut(List<Integer> newTimedOut) {
        return new StoredSaga(sagaId, status, step, attempt, awaitingRetry, deadline, data, completed, failureReason, newTimedOut);
    }

    byte[] encode(List<String> stepNames) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + data.length);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(FORMAT);
            out.writeUTF(sagaId);
            out.writeUTF(status.name());
            out.writeUTF(stepNames.get(step));
            out.writeInt(attempt);
            out.writeBoolean(awaitingRetry);
            out.writeLong(deadline);
            out.writeInt(data.length);
            out.write(data);
            out.writeInt(completed.size());
            for (int index : completed) {
                out.writeUTF(stepNames.get(index));
            }
            out.writeUTF(failureReason);
            out.writeInt(timedOut.size());
            for (int index : timedOut) {
                out.writeUTF(stepNames.get(index));
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Decodes a stored saga.
     *
     * @throws UnknownStepException if it names a step the definition no longer has
     */
    static StoredSaga decode(byte[] bytes, List<String> stepNames) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            int format = in.readByte();
            if (format != 1 && format != FORMAT) {
                throw new IllegalArgumentException("unknown saga state format " + format + "; is this Myelin older than the one that wrote it?");
            }
            String sagaId = in.readUTF();
            SagaStatus status = SagaStatus.valueOf(in.readUTF());
            int step = index(stepNames, in.readUTF(), sagaId);
            int attempt = in.readInt();
            boolean awaitingRetry = in.readBoolean();
            long deadline = in.readLong();
            byte[] data = new byte[in.readInt()];
            in.readFully(data);
            int count = in.readInt();
            List<Integer> completed = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                completed.add(index(stepNames, in.readUTF(), sagaId));
            }
            String failureReason = in.readUTF();
            List<Integer> timedOut = new ArrayList<>();
            if (format >= 2) {
                int timedOutCount = in.readInt();
                for (int i = 0; i < timedOutCount; i++) {
                    timedOut.add(index(stepNames, in.readUTF(), sagaId));
                }
            }
            return new StoredSaga(sagaId, status, step, attempt, awaitingRetry, deadline, data, completed, failureReason, timedOut);
        } catch (IOException e) {
            throw new IllegalArgumentException("saga state cannot be decoded: " + e, e);
        }
    }

    private static int index(List<String> stepNames, String name, String sagaId) {
        int index = stepNames.indexOf(name);
        if (index < 0) {
            throw new UnknownStepException("saga " + sagaId + " is at step '" + name + "', which the definition no longer has (its steps: "
                    + stepNames + "); put the step back until such sagas have ended, or start the changed saga under a new name");
        }
        return index;
    }

    /** A stored saga names a step the definition no longer has. */
    static final class UnknownStepException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UnknownStepException(String message) {
            super(message);
        }
    }
}
