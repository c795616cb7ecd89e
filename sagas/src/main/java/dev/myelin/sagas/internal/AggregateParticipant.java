package dev.myelin.sagas.internal;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.CommandResultFormat;
import dev.myelin.eventstore.internal.Faults;

/** A Myelin aggregate type as a saga participant: its commands topic out, its command-results topic in. */
public final class AggregateParticipant<C, E> extends ParticipantModel<C, CommandResult<E>> {
    private static final Logger log = LoggerFactory.getLogger(AggregateParticipant.class);
    private final AggregateTopics topics;
    private final Serializer<C> commandSerializer;
    private final Deserializer<C> commandDeserializer;
    private final Serializer<E> eventSerializer;
    private final Deserializer<E> eventDeserializer;
    private final String name;

    /**
     * Creates the participant.
     *
     * @param topics       the aggregate's topics
     * @param commandSerde its command serde
     * @param eventSerde   its event serde
     */
    public AggregateParticipant(AggregateTopics topics, Serde<C> commandSerde, Serde<E> eventSerde) {
        this.topics = Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(commandSerde, "commandSerde");
        Objects.requireNonNull(eventSerde, "eventSerde");
        this.commandSerializer = commandSerde.serializer();
        this.commandDeserializer = commandSerde.deserializer();
        this.eventSerializer = eventSerde.serializer();
        this.eventDeserializer = eventSerde.deserializer();
        String commands = topics.commands();
        this.name = commands.endsWith(".commands") ? commands.substring(0, commands.length() - ".commands".length()) : commands;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String commandTopic() {
        return topics.commands();
    }

    @Override
    public String replyTopic() {
        return topics.commandResults();
    }

    @Override
    public byte[] encodeCommand(Headers headers, C command) {
        return commandSerializer.serialize(topics.commands(), headers, command);
    }

    @Override
    public C decodeCommand(Headers headers, byte[] bytes) {
        return commandDeserializer.deserialize(topics.commands(), headers, bytes);
    }

    @Override
    public CommandResult<E> decodeReply(Headers headers, byte[] bytes) {
        try {
            return CommandResultFormat.decode(bytes, event -> eventDeserializer.deserialize(topics.events(), event));
        } catch (RuntimeException e) {
            if (Faults.registryOutage(e) != null) {
                // the events are fine, the registry is away: the reply is held until it answers, never stripped of its events
                throw e;
            }
            CommandResult<byte[]> raw = CommandResultFormat.decode(bytes, event -> event);
            if (raw instanceof CommandResult.Accepted<byte[]> accepted) {
                // the outcome is what matters to the saga; events it cannot read must not turn a success into a failure
                log.warn("the events of an accepted result of {} cannot be decoded ({}); the step succeeds and onSuccess sees no events",
                        name, e.toString());
                return new CommandResult.Accepted<>(accepted.newVersion(), List.of());
            }
            throw e;
        }
    }

    @Override
    public byte[] encodeReply(CommandResult<E> reply) {
        return CommandResultFormat.encode(reply, event -> eventSerializer.serialize(topics.events(), event));
    }

    @Override
    public Optional<Predicate<CommandResult<E>>> defaultSuccess() {
        return Optional.of(result -> result instanceof CommandResult.Accepted<E>);
    }

    @Override
    public String failureReason(CommandResult<E> reply) {
        if (reply instanceof CommandResult.Rejected<E> rejected) {
            return "rejected: " + rejected.reason();
        }
        if (reply instanceof CommandResult.Conflict<E> conflict) {
            return "version conflict: expected " + conflict.expected() + ", was " + conflict.actual();
        }
        return "not a success: " + reply;
    }

    @Override
    public boolean repliesWithEvents() {
        return true;
    }

    @Override
    public boolean answersOnInbox() {
        return true;
    }

    @Override
    public boolean wantsReplyToHeader() {
        // with a reply address the command processor answers a broken command with Rejected
        // instead of dead-lettering it, so the saga hears about it
        return true;
    }
}
