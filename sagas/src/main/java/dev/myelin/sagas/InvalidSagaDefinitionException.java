package dev.myelin.sagas;

/**
 * Thrown by {@link SagaDefinition} builders when a definition breaks a rule (a duplicate step name,
 * a compensation on a last step without a timeout, a step whose participant never replies, ...). The message names
 * the saga, the step and the fix.
 */
public final class InvalidSagaDefinitionException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong and how to fix it
     */
    public InvalidSagaDefinitionException(String message) {
        super(message);
    }
}
