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

    /**
     * The header on every record of a saga's dead-letter topic ({@code SagaTopics.deadLetters()}) with
     * the saga's name. The other {@code myelin.dead-letter.*} headers are those a projection's dead
     * letters carry: {@code reason} ({@code UNDECODABLE}: the trigger or reply cannot be read;
     * {@code HANDLER_FAILED}: the definition's {@code sagaId} or initial-data function threw for a
     * trigger, or the data cannot be written; {@code UNPROCESSABLE}: anything else, where no saga
     * exists to be marked FAILED), {@code error-class}, {@code error-message}, {@code stack-trace},
     * {@code source-topic}, {@code source-partition}, {@code source-offset} (where the record was first
     * read: the trigger or reply topic, not the inbox), {@code attempts} and {@code failed-at}. The
     * record's key, value and other headers are the original's.
     */
    public static final String DEAD_LETTER_SAGA = "myelin.dead-letter.saga";

    /**
     * The header on every entry of a saga's log ({@code SagaTopics.log()}) with the
     * {@link SagaTransition} the entry records, by name (UTF-8).
     */
    public static final String TRANSITION = "myelin.saga.transition";

    private SagaHeaders() {
    }
}
