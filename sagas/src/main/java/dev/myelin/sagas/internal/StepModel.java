package dev.myelin.sagas.internal;

import java.time.Duration;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

import dev.myelin.eventstore.RetryPolicy;

/**
 * One step as the engine runs it. Types are erased here: the DSL's stages checked them, and the
 * participant's serdes check them again on the way out.
 *
 * @param name         the step's name
 * @param participant  who gets its commands
 * @param target       the command record's key from the data
 * @param command      the command from the data
 * @param success      which replies are a success
 * @param onSuccess    the data after a success
 * @param compensation the compensating command from the data, or null when the step has none
 * @param timeout      the reply deadline, or {@link Duration#ZERO} for none
 * @param retry        the retry policy
 * @param stage        the index of the stage the step belongs to: steps of one stage run at the same time (a
 *                     parallel group); each other stage holds one step
 */
public record StepModel<D>(String name, ParticipantModel<Object, Object> participant, Function<D, String> target,
                           Function<D, Object> command, Predicate<Object> success, BiFunction<D, Object, D> onSuccess,
                           Function<D, Object> compensation, Duration timeout, RetryPolicy retry, int stage) {

    /** Returns whether the step can be undone. */
    public boolean hasCompensation() {
        return compensation != null;
    }

    /** Returns whether the step has a deadline. */
    public boolean hasTimeout() {
        return !timeout.isZero();
    }
}
