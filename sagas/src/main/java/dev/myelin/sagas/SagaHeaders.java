package dev.myelin.sagas;

/**
 * Names the record headers a saga runtime puts on the commands it sends, for participants that read them.
 *
 * <pre>{@code
 * Header undone = command.headers().lastHeader(SagaHeaders.COMPENSATES);
 * if (undone != null) {
 *     refuseLater(new String(undone.value(), StandardCharsets.UTF_8)); // the original must not land after its undo
 * }
 * }</pre>
 */
public final class SagaHeaders {
    /**
     * The header on every compensation command with the id (UTF-8) of the command it undoes, such as
     * {@code saga:place-order:i:reserve-stock:o-1}. A compensation can be sent for a command whose
     * step timed out, and that command may still be queued at the participant; a participant that
     * remembers this id can refuse the original when it arrives after its compensation, so the
     * original's effect never lands after the undo. A Myelin aggregate does this through its command-id
     * deduplication: its event store counts the id in this header as seen, so the original, arriving
     * after its compensation, is answered as a duplicate instead of applied (within the aggregate's
     * {@code myelin.dedup.window}).
     */
    public static final String COMPENSATES = "myelin.compensates";

    private SagaHeaders() {
    }
}
