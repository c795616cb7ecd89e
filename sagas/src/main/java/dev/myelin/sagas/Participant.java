package dev.myelin.sagas;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serde;

import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.sagas.internal.AggregateParticipant;
import dev.myelin.sagas.internal.ServiceParticipant;

/**
 * A service a saga sends commands to and hears back from: a Myelin aggregate type, or any service
 * with a command topic and a reply topic. Made with {@link #aggregate} or {@link #service}; not for
 * implementing outside Myelin.
 *
 * <pre>{@code
 * Participant<SpecificRecord, CommandResult<SpecificRecord>> customers =
 *         Participant.aggregate(AggregateTopics.of("shop", "customer"), avro, avro);
 * Participant<PaymentRequest, PaymentReply> payments =
 *         Participant.service("payments", "payments.requests", requestSerde, "payments.replies", replySerde);
 * }</pre>
 *
 * <p>Every command a saga sends carries the header {@link CommandHeaders#COMMAND_ID}, made of the
 * saga's name, id and step; a reply finds its saga by it. The same step sends the same id on every
 * retry, so a participant that remembers command ids (as Myelin aggregates do) applies it once.
 *
 * @param <C> the command type
 * @param <R> the reply type
 */
public interface Participant<C, R> {

    /**
     * Returns a Myelin aggregate type as a participant: commands go to its commands topic keyed by
     * aggregate id, and its command results (keyed by command id) are the replies. An
     * {@code Accepted} result is a success, {@code Rejected} and {@code Conflict} are failures. The
     * aggregate needs nothing extra.
     *
     * @param topics       the aggregate type's topics, such as {@code AggregateTopics.of("shop", "customer")}
     * @param commandSerde the serde the aggregate's event store reads commands with
     * @param eventSerde   the serde of its events, to decode the events of accepted results
     * @param <C>          the command type
     * @param <E>          the event type
     * @return the participant
     * @throws NullPointerException if an argument is null
     */
    static <C, E> Participant<C, CommandResult<E>> aggregate(AggregateTopics topics, Serde<C> commandSerde, Serde<E> eventSerde) {
        return new AggregateParticipant<>(topics, commandSerde, eventSerde);
    }

    /**
     * Returns any service as a participant. Commands go to {@code commandTopic} keyed by the step's
     * target; the service answers on {@code replyTopic} with the command's id as the record key or in
     * the {@link CommandHeaders#COMMAND_ID} header. Each step that invokes a service says which replies
     * are a success ({@link SagaDefinition.StepOptions#onReply onReply} or {@link SagaDefinition.StepOptions#successWhen successWhen}).
     *
     * @param name         the participant's name, for logs and diagrams
     * @param commandTopic where commands go
     * @param commandSerde how commands are written
     * @param replyTopic   where replies come from
     * @param replySerde   how replies are read
     * @param <C>          the command type
     * @param <R>          the reply type
     * @return the participant
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if a name or topic is blank
     */
    static <C, R> Participant<C, R> service(String name, String commandTopic, Serde<C> commandSerde, String replyTopic,
                                            Serde<R> replySerde) {
        return new ServiceParticipant<>(name, commandTopic, commandSerde, replyTopic, replySerde);
    }

    /**
     * Returns the participant's name, as diagrams and logs show it.
     *
     * @return the name
     */
    String name();

    /**
     * Returns the topic commands are sent to.
     *
     * @return the topic
     */
    String commandTopic();

    /**
     * Returns the topic replies are read from.
     *
     * @return the topic
     */
    String replyTopic();

    /**
     * Reads a command record's value as the participant would, for tests that check what a saga sent.
     *
     * @param headers the record's headers
     * @param value   the record's value
     * @return the command
     * @throws RuntimeException whatever the command serde throws for bytes it cannot read
     */
    C decodeCommand(Headers headers, byte[] value);

    /**
     * Writes a reply as the participant would, for tests that play the participant: the value of a
     * record on {@link #replyTopic()}, keyed by {@link #replyKey} and carrying the command's id in the
     * {@link CommandHeaders#COMMAND_ID} header.
     *
     * @param reply the reply
     * @return the record's value
     * @throws NullPointerException if {@code reply} is null
     */
    byte[] encodeReply(R reply);

    /**
     * Returns the key of the reply record to the command with id {@code commandId}, as the
     * participant writes it.
     *
     * @param commandId the command's id (see {@link SagaCommandId})
     * @return the record key
     */
    String replyKey(String commandId);
}
