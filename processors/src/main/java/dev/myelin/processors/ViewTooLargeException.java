package dev.myelin.processors;

/**
 * Recorded in a dead letter ({@link DeadLetter.Reason#VIEW_FAILED}) when the view an event folds into
 * would be larger, serialized, than the producer may send ({@code max.request.size}, less room for
 * the key and headers). The view keeps its value from before the event. Keep views small (split a
 * view, or keep a summary), or raise {@code max.request.size} and the topics' {@code max.message.bytes}
 * together, then re-drive the dead letter.
 */
public class ViewTooLargeException extends MyelinProjectionException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the sizes and the fix
     */
    public ViewTooLargeException(String message) {
        super(message);
    }
}
