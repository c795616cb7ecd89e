package dev.myelin.sagas.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import dev.myelin.sagas.SagaStatus;

/**
 * A saga's row in the store. Small on purpose: the store's changelog is what a restarted task
 * restores, so it holds the data's bytes and a few numbers, never the saga's history (that is on
 * the log topic). In memory steps are indexes; stored, they are names (as is the status), so that
 * adding a step to a definition or a status to the enum leaves stored sagas readable.
 *
 * @param sagaId        the saga id
 * @param status        where it is; {@code RUNNING} means the steps in {@code inFlight} are being run,
 *                      {@code COMPENSATING} that the saga is being undone (its in-flight entries are then either the
 *                      one compensation being sent, or the steps of a parallel group it waits for before undoing)
 * @param step          the index of the current step: the first step of the stage being run, the step being undone,
 *                      or the last step touched when final
 * @param data          the data's bytes
 * @param completed     indexes of the steps that succeeded and are not yet undone, ascending
 * @param failureReason why the saga is compensating, or failed; empty otherwise
 * @param timedOut      indexes of the steps that timed out after their last attempt (or were cut short) and are not yet
 *                      undone: their command may still run late, so they are compensated along with the completed ones
 * @param inFlight      the commands sent and not yet answered, by step index
 * @param expiresAt     epoch millis when the saga's overall limit ({@code completeWithin}) passes, 0 for none; it
 *                      only matters while the saga goes forward
 * @param deadline      epoch millis of the next deadline (the saga's key in the deadline index), 0 for none: the
 *                      earliest in-flight deadline or limit, or the end of retention of a finished saga
 */
record StoredSaga(String sagaId, SagaStatus status, int step, byte[] data, List<Integer> completed, String failureReason,
                  List<Integer> timedOut, List<Branch> inFlight, long expiresAt, long deadline) {
    /**
     * Format 3 stores strings as an int length and UTF-8 bytes (formats 1 and 2 used {@code writeUTF},
     * which cannot hold more than 64 KB, so one long failure reason ended the runtime) and holds a list
     * of commands in flight, for parallel steps, and the overall limit. Format 2 added {@code timedOut};
     * rows of formats 1 and 2 (written by an older Myelin, in flight across an upgrade) still decode.
     */
    private static final int FORMAT = 3;

    StoredSaga {
        completed = List.copyOf(completed);
        timedOut = List.copyOf(timedOut);
        inFlight = inFlight.stream().sorted(Comparator.comparingInt(Branch::step)).toList();
    }

    /** A saga with one command in flight (or none when final), as formats 1 and 2 stored it. */
    StoredSaga(String sagaId, SagaStatus status, int step, int attempt, boolean awaitingRetry, long deadline, byte[] data,
               List<Integer> completed, String failureReason, List<Integer> timedOut) {
        this(sagaId, status, step, data, completed, failureReason, timedOut,
                status.isFinal() ? List.of() : List.of(new Branch(step, status == SagaStatus.RUNNING ? CommandIds.Phase.INVOKE
                        : CommandIds.Phase.COMPENSATE, attempt, awaitingRetry, deadline)), 0, deadline);
    }

    StoredSaga(String sagaId, SagaStatus status, int step, int attempt, boolean awaitingRetry, long deadline, byte[] data,
               List<Integer> completed, String failureReason) {
        this(sagaId, status, step, attempt, awaitingRetry, deadline, data, completed, failureReason, List.of());
    }

    /**
     * One command a saga sent and waits for.
     *
     * @param step          the step's index
     * @param phase         the step's own command or its compensation
     * @param attempt       how many times it was sent
     * @param awaitingRetry whether the deadline is the end of a backoff (send again) rather than a reply deadline
     * @param deadline      epoch millis of the deadline, 0 for none
     */
    record Branch(int step, CommandIds.Phase phase, int attempt, boolean awaitingRetry, long deadline) {
        Branch withDeadline(long newDeadline, boolean newAwaitingRetry) {
            return new Branch(step, phase, attempt, newAwaitingRetry, newDeadline);
        }
    }

    StoredSaga withStatus(SagaStatus newStatus) {
        return new StoredSaga(sagaId, newStatus, step, data, completed, failureReason, timedOut, inFlight, expiresAt, deadline);
    }

    /** Returns the saga with step {@code index} as its current one (see {@link #step}). */
    StoredSaga atStep(int index) {
        return new StoredSaga(sagaId, status, index, data, completed, failureReason, timedOut, inFlight, expiresAt, deadline);
    }

    StoredSaga withData(byte[] newData) {
        return new StoredSaga(sagaId, status, step, newData, completed, failureReason, timedOut, inFlight, expiresAt, deadline);
    }

    StoredSaga withCompleted(List<Integer> newCompleted) {
        return new StoredSaga(sagaId, status, step, data, newCompleted, failureReason, timedOut, inFlight, expiresAt, deadline);
    }

    StoredSaga withFailureReason(String reason) {
        return new StoredSaga(sagaId, status, step, data, completed, reason, timedOut, inFlight, expiresAt, deadline);
    }

    StoredSaga withTimedOut(List<Integer> newTimedOut) {
        return new StoredSaga(sagaId, status, step, data, completed, failureReason, newTimedOut, inFlight, expiresAt, deadline);
    }

    StoredSaga withInFlight(List<Branch> newInFlight) {
        return new StoredSaga(sagaId, status, step, data, completed, failureReason, timedOut, newInFlight, expiresAt, deadline);
    }

    StoredSaga withExpiresAt(long newExpiresAt) {
        return new StoredSaga(sagaId, status, step, data, completed, failureReason, timedOut, inFlight, newExpiresAt, deadline);
    }

    StoredSaga withDeadline(long newDeadline) {
        return new StoredSaga(sagaId, status, step, data, completed, failureReason, timedOut, inFlight, expiresAt, newDeadline);
    }

    /** Returns the saga with {@code branch} in flight, in place of any earlier command of its step. */
    StoredSaga sending(Branch branch) {
        List<Branch> next = new ArrayList<>(inFlight.size() + 1);
        inFlight.stream().filter(b -> b.step() != branch.step()).forEach(next::add);
        next.add(branch);
        return withInFlight(next);
    }

    /** Returns the saga without the command of step {@code index} in flight. */
    StoredSaga answered(int index) {
        return withInFlight(inFlight.stream().filter(b -> b.step() != index).toList());
    }

    /** Returns the command of step {@code index} in phase {@code phase} that the saga waits for, if it does. */
    Optional<Branch> awaiting(int index, CommandIds.Phase phase) {
        return inFlight.stream().filter(b -> b.step() == index && b.phase() == phase).findFirst();
    }

    /** Returns whether a step's own command (not a compensation) is in flight: the saga still goes forward. */
    boolean invoking() {
        return inFlight.stream().anyMatch(b -> b.phase() == CommandIds.Phase.INVOKE);
    }

    /** Returns the attempt of the command in flight for the current step, or 1. */
    int attempt() {
        return inFlight.stream().filter(b -> b.step() == step).mapToInt(Branch::attempt).findFirst()
                .orElse(inFlight.isEmpty() ? 1 : inFlight.get(0).attempt());
    }

    /** Returns the earliest in-flight deadline, and the overall limit while steps go forward; 0 for none. */
    long nextDeadline() {
        long next = Long.MAX_VALUE;
        for (Branch branch : inFlight) {
            if (branch.deadline() != 0) {
                next = Math.min(next, branch.deadline());
            }
        }
        if (expiresAt != 0 && invoking()) {
            next = Math.min(next, expiresAt);
        }
        return next == Long.MAX_VALUE ? 0 : next;
    }

    byte[] encode(List<String> stepNames) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(96 + data.length + failureReason.length());
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(FORMAT);
            writeString(out, sagaId);
            writeString(out, status.name());
            writeString(out, stepNames.get(step));
            out.writeInt(data.length);
            out.write(data);
            writeSteps(out, completed, stepNames);
            writeString(out, failureReason);
            writeSteps(out, timedOut, stepNames);
            out.writeInt(inFlight.size());
            for (Branch branch : inFlight) {
                writeString(out, stepNames.get(branch.step()));
                out.writeBoolean(branch.phase() == CommandIds.Phase.COMPENSATE);
                out.writeInt(branch.attempt());
                out.writeBoolean(branch.awaitingRetry());
                out.writeLong(branch.deadline());
            }
            out.writeLong(expiresAt);
            out.writeLong(deadline);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Decodes a stored saga of any format this Myelin wrote or an older one did.
     *
     * @throws UnknownStepException if it names a step the definition no longer has
     */
    static StoredSaga decode(byte[] bytes, List<String> stepNames) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            int format = in.readByte();
            if (format == 1 || format == 2) {
                return decodeWrittenByUtf(in, format, stepNames);
            }
            if (format != FORMAT) {
                throw new IllegalArgumentException("unknown saga state format " + format + "; is this Myelin older than the one that wrote it?");
            }
            String sagaId = readString(in);
            SagaStatus status = SagaStatus.valueOf(readString(in));
            int step = index(stepNames, readString(in), sagaId);
            byte[] data = new byte[in.readInt()];
            in.readFully(data);
            List<Integer> completed = readSteps(in, stepNames, sagaId);
            String failureReason = readString(in);
            List<Integer> timedOut = readSteps(in, stepNames, sagaId);
            int count = in.readInt();
            List<Branch> inFlight = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int index = index(stepNames, readString(in), sagaId);
                CommandIds.Phase phase = in.readBoolean() ? CommandIds.Phase.COMPENSATE : CommandIds.Phase.INVOKE;
                inFlight.add(new Branch(index, phase, in.readInt(), in.readBoolean(), in.readLong()));
            }
            long expiresAt = in.readLong();
            long deadline = in.readLong();
            return new StoredSaga(sagaId, status, step, data, completed, failureReason, timedOut, inFlight, expiresAt, deadline);
        } catch (IOException e) {
            throw new IllegalArgumentException("saga state cannot be decoded: " + e, e);
        }
    }

    /** Formats 1 and 2: modified UTF-8 strings, one command in flight; format 2 added the timed-out steps. */
    private static StoredSaga decodeWrittenByUtf(DataInputStream in, int format, List<String> stepNames) throws IOException {
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
    }

    private static void writeString(DataOutputStream out, String text) throws IOException {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IOException("a string of " + length + " bytes does not fit in what is left (" + in.available() + ")");
        }
        byte[] utf8 = new byte[length];
        in.readFully(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    private static void writeSteps(DataOutputStream out, List<Integer> indexes, List<String> stepNames) throws IOException {
        out.writeInt(indexes.size());
        for (int index : indexes) {
            writeString(out, stepNames.get(index));
        }
    }

    private static List<Integer> readSteps(DataInputStream in, List<String> stepNames, String sagaId) throws IOException {
        int count = in.readInt();
        List<Integer> indexes = new ArrayList<>(Math.min(count, stepNames.size()));
        for (int i = 0; i < count; i++) {
            indexes.add(index(stepNames, readString(in), sagaId));
        }
        return indexes;
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
