package dev.myelin.sagas.internal;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

import org.apache.kafka.common.header.Headers;

import dev.myelin.sagas.Participant;

/**
 * What the engine needs of a participant besides its public face: how commands are written and
 * replies read, and which replies are a success when the step does not say.
 */
public abstract class ParticipantModel<C, R> implements Participant<C, R> {

    /**
     * Returns the engine's view of a participant.
     *
     * @param participant a participant made by {@code Participant.aggregate} or {@code Participant.service}
     * @param <C>         the command type
     * @param <R>         the reply type
     * @return the model
     * @throws IllegalArgumentException if the participant was implemented elsewhere
     */
    public static <C, R> ParticipantModel<C, R> of(Participant<C, R> participant) {
        Objects.requireNonNull(participant, "participant");
        if (participant instanceof ParticipantModel<C, R> model) {
            return model;
        }
        throw new IllegalArgumentException(participant.getClass().getName()
                + " is not a Myelin participant; make participants with Participant.aggregate(...) or Participant.service(...)");
    }

    /** Writes a command. */
    public abstract byte[] encodeCommand(Headers headers, C command);

    @Override
    public abstract C decodeCommand(Headers headers, byte[] bytes);

    /** Reads a reply. */
    public abstract R decodeReply(Headers headers, byte[] bytes);

    @Override
    public abstract byte[] encodeReply(R reply);

    /** Returns the success test used when a step gives none. */
    public abstract Optional<Predicate<R>> defaultSuccess();

    /** Returns why a reply that is not a success failed, in words for the saga log. */
    public abstract String failureReason(R reply);

    @Override
    public String replyKey(String commandId) {
        return commandId;
    }

    /** Returns whether a success reply carries events ({@code CommandResult.Accepted}), as an aggregate's does. */
    public boolean repliesWithEvents() {
        return false;
    }

    /**
     * Returns whether the participant can answer on the saga's inbox itself, keyed by saga id (a Myelin
     * event store does, when it may write there), which saves the reply router's hop.
     */
    public boolean answersOnInbox() {
        return false;
    }

    /** Returns whether the participant's command records carry the REPLY_TO header its processor reads. */
    public abstract boolean wantsReplyToHeader();

    @Override
    public String toString() {
        return "Participant[" + name() + ": " + commandTopic() + " -> " + replyTopic() + "]";
    }
}
