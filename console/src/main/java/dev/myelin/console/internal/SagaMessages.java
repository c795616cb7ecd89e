package dev.myelin.console.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.sagas.SagaRuntime;
import dev.myelin.sagas.internal.DefaultSagaDefinition;
import dev.myelin.sagas.internal.ParticipantModel;
import dev.myelin.sagas.internal.StepModel;

/**
 * The commands one saga sent and the replies it received, for its timeline: read from the participants'
 * command and reply topics, and from the saga's inbox where an aggregate answered there, by command id,
 * decoded as the saga decodes them, masked. A saga page is
 * opened by a person, once; its topics are read then, not on every refresh.
 */
final class SagaMessages {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** A command and its reply, each as JSON, when found. */
    record Exchange(Optional<JsonNode> command, Optional<JsonNode> reply) {
    }

    private SagaMessages() {
    }

    /**
     * Returns, for each of {@code commandIds} (by the step that sent it), the command as sent and the reply.
     *
     * @param saga       the saga runtime
     * @param commandIds the saga's command ids, each with its step's name
     * @param runtimes   reads topics
     * @param mask       hides what must not be shown
     * @return the exchanges, by command id
     */
    static Map<String, Exchange> read(SagaRuntime<?, ?> saga, Map<String, String> commandIds, Runtimes runtimes, PayloadMask mask) {
        DefaultSagaDefinition<?, ?> definition = DefaultSagaDefinition.of(saga.definition());
        Map<String, ParticipantModel<Object, Object>> byStep = new HashMap<>();
        for (StepModel<?> step : definition.steps()) {
            byStep.put(step.name(), step.participant());
        }
        // one participant may serve several steps: read each of its topics once
        Map<ParticipantModel<Object, Object>, Set<String>> byParticipant = new LinkedHashMap<>();
        commandIds.forEach((id, step) -> Optional.ofNullable(byStep.get(step))
                .ifPresent(p -> byParticipant.computeIfAbsent(p, k -> new java.util.HashSet<>()).add(id)));
        Map<String, JsonNode> commands = new HashMap<>();
        Map<String, JsonNode> replies = new HashMap<>();
        String name = saga.definition().name();
        byParticipant.forEach((participant, ids) -> {
            for (ConsumerRecord<byte[], byte[]> record : runtimes.readTopic(participant.commandTopic(), TIMEOUT)) {
                commandId(record).filter(ids::contains).ifPresent(id -> commands.put(id, decoded(() -> {
                    Object command = participant.decodeCommand(record.headers(), record.value());
                    return mask.apply(ValueJson.of(command), command, name, participant.name(), participant.commandTopic());
                }, record, mask, name, participant.commandTopic())));
            }
            for (ConsumerRecord<byte[], byte[]> record : runtimes.readTopic(participant.replyTopic(), TIMEOUT)) {
                commandId(record).filter(ids::contains).ifPresent(id -> replies.put(id, decoded(() -> {
                    Object reply = participant.decodeReply(record.headers(), record.value());
                    return reply(reply, mask, name, participant.name(), participant.replyTopic());
                }, record, mask, name, participant.replyTopic())));
            }
        });
        // a Myelin aggregate answers straight onto the saga's inbox once its store may write there: its result is
        // there, with the command id in a header (and not on the store's results topic)
        Map<String, ParticipantModel<Object, Object>> answeringOnInbox = new HashMap<>();
        byParticipant.forEach((participant, ids) -> {
            if (participant.answersOnInbox()) {
                ids.forEach(id -> answeringOnInbox.put(id, participant));
            }
        });
        if (!answeringOnInbox.isEmpty()) {
            String inbox = saga.topics().inbox();
            for (ConsumerRecord<byte[], byte[]> record : runtimes.readTopic(inbox, TIMEOUT)) {
                Header header = record.headers().lastHeader(CommandHeaders.COMMAND_ID);
                if (header == null || header.value() == null) {
                    continue; // a trigger
                }
                String id = new String(header.value(), StandardCharsets.UTF_8);
                ParticipantModel<Object, Object> participant = answeringOnInbox.get(id);
                if (participant != null && !replies.containsKey(id)) {
                    replies.put(id, decoded(() -> reply(participant.decodeReply(record.headers(), record.value()), mask, name,
                            participant.name(), inbox), record, mask, name, inbox));
                }
            }
        }
        Map<String, Exchange> exchanges = new HashMap<>();
        commandIds.keySet().forEach(id -> exchanges.put(id, new Exchange(Optional.ofNullable(commands.get(id)),
                Optional.ofNullable(replies.get(id)))));
        return exchanges;
    }

    /** Puts an exchange on a timeline entry: {@code "sent"} and {@code "reply"}, null when not found. */
    static void into(ObjectNode command, Exchange exchange) {
        command.set("sent", exchange.command().orElse(ValueJson.MAPPER.getNodeFactory().nullNode()));
        command.set("reply", exchange.reply().orElse(ValueJson.MAPPER.getNodeFactory().nullNode()));
    }

    private static Optional<String> commandId(ConsumerRecord<byte[], byte[]> record) {
        Header header = record.headers().lastHeader(CommandHeaders.COMMAND_ID);
        if (header != null && header.value() != null) {
            return Optional.of(new String(header.value(), StandardCharsets.UTF_8));
        }
        return Optional.ofNullable(record.key()).map(k -> new String(k, StandardCharsets.UTF_8));
    }

    /** An aggregate's result with its events each rendered as the event they are; any other reply as itself. */
    private static JsonNode reply(Object reply, PayloadMask mask, String... names) {
        if (reply instanceof CommandResult<?> result) {
            ObjectNode node = ValueJson.MAPPER.createObjectNode();
            if (result instanceof CommandResult.Accepted<?> accepted) {
                node.put("result", "Accepted");
                node.put("newVersion", accepted.newVersion());
                ArrayNode events = node.putArray("events");
                accepted.events().forEach(e -> events.add(mask.apply(ValueJson.of(e), e, names)));
            } else if (result instanceof CommandResult.Rejected<?> rejected) {
                node.put("result", "Rejected");
                node.put("reason", rejected.reason());
            } else if (result instanceof CommandResult.Conflict<?> conflict) {
                node.put("result", "Conflict");
                node.put("expected", conflict.expected());
                node.put("actual", conflict.actual());
            }
            return node;
        }
        return mask.apply(ValueJson.of(reply), reply, names);
    }

    /** What decoding gives, or the bytes (masked as the topic's) when the record cannot be decoded. */
    private static JsonNode decoded(java.util.function.Supplier<JsonNode> decode, ConsumerRecord<byte[], byte[]> record, PayloadMask mask,
                                    String... names) {
        try {
            return decode.get();
        } catch (RuntimeException e) {
            return mask.apply(ValueJson.bytes(record.value() == null ? new byte[0] : record.value()), null, names);
        }
    }
}
