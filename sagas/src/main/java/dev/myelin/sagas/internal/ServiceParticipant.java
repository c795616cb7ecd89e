package dev.myelin.sagas.internal;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Any service with a command topic and a reply topic as a saga participant. */
public final class ServiceParticipant<C, R> extends ParticipantModel<C, R> {
    private final String name;
    private final String commandTopic;
    private final String replyTopic;
    private final Serializer<C> commandSerializer;
    private final Deserializer<C> commandDeserializer;
    private final Serializer<R> replySerializer;
    private final Deserializer<R> replyDeserializer;

    /**
     * Creates the participant.
     *
     * @param name         its name
     * @param commandTopic where commands go
     * @param commandSerde how they are written
     * @param replyTopic   where replies come from
     * @param replySerde   how they are read
     */
    public ServiceParticipant(String name, String commandTopic, Serde<C> commandSerde, String replyTopic, Serde<R> replySerde) {
        this.name = requireText(name, "name");
        this.commandTopic = requireText(commandTopic, "commandTopic");
        this.replyTopic = requireText(replyTopic, "replyTopic");
        Objects.requireNonNull(commandSerde, "commandSerde");
        Objects.requireNonNull(replySerde, "replySerde");
        this.commandSerializer = commandSerde.serializer();
        this.commandDeserializer = commandSerde.deserializer();
        this.replySerializer = replySerde.serializer();
        this.replyDeserializer = replySerde.deserializer();
    }

    private static String requireText(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return value;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String commandTopic() {
        return commandTopic;
    }

    @Override
    public String replyTopic() {
        return replyTopic;
    }

    @Override
    public byte[] encodeCommand(Headers headers, C command) {
        return commandSerializer.serialize(commandTopic, headers, command);
    }

    @Override
    public C decodeCommand(Headers headers, byte[] bytes) {
        return commandDeserializer.deserialize(commandTopic, headers, bytes);
    }

    @Override
    public R decodeReply(Headers headers, byte[] bytes) {
        return replyDeserializer.deserialize(replyTopic, headers, bytes);
    }

    @Override
    public byte[] encodeReply(R reply) {
        return replySerializer.serialize(replyTopic, reply);
    }

    @Override
    public Optional<Predicate<R>> defaultSuccess() {
        return Optional.empty();
    }

    @Override
    public String failureReason(R reply) {
        return "failure reply: " + reply;
    }

    @Override
    public boolean wantsReplyToHeader() {
        return true;
    }
}
