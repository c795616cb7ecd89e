package dev.myelin.console.internal;

import java.time.Duration;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.myelin.eventstore.CommandDeadLetter;
import dev.myelin.eventstore.DeadLetterStatus;
import dev.myelin.eventstore.EventStore;

/**
 * An event store's dead letters in the console: {@code GET /api/event-stores/{aggregate}/dead-letters}
 * lists them with what was done about them; {@code POST .../dead-letters/redrive} and
 * {@code .../dead-letters/skip} act on the pending ones a query chooses: {@code positions=} (a
 * comma-separated list of {@code topic:partition:offset}, as listed), {@code aggregateId=},
 * {@code error=} (text the error contains), or {@code all=true}; given several, a letter must match each.
 */
final class CommandDeadLetterRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(CommandDeadLetterRoutes.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private CommandDeadLetterRoutes() {
    }

    /** Answers {@code rest}, the path after {@code /api/event-stores/{aggregate}/}. */
    static JsonNode route(ConsoleApi.Request request, EventStore<?, ?, ?> store, String aggregate, String rest, PayloadMask mask) {
        switch (rest) {
            case "dead-letters" -> {
                DeadLetterJson.requireGet(request);
                return list(store, aggregate, mask);
            }
            case "dead-letters/redrive", "dead-letters/skip" -> {
                String by = ActionGate.requireAction(request);
                return act(store, aggregate, rest.endsWith("redrive"), DeadLetterJson.which(request.query(), CommandDeadLetter::position,
                        "aggregateId", CommandDeadLetter::aggregateId, CommandDeadLetter::error), by);
            }
            default -> throw new ConsoleApi.Refused(404, "no such API: " + request.rawPath());
        }
    }

    /** Counts the letters still pending, for the overview. */
    static int pending(EventStore<?, ?, ?> store) {
        return (int) store.deadLetters(TIMEOUT).stream().filter(l -> l.status() == DeadLetterStatus.PENDING).count();
    }

    private static JsonNode list(EventStore<?, ?, ?> store, String aggregate, PayloadMask mask) {
        ObjectNode node = ValueJson.MAPPER.createObjectNode();
        node.put("aggregate", aggregate);
        node.put("topic", store.topics().deadLetters());
        ArrayNode list = node.putArray("deadLetters");
        for (CommandDeadLetter letter : store.deadLetters(TIMEOUT)) {
            ObjectNode entry = list.addObject();
            DeadLetterJson.common(entry, letter.position(), letter.origin(), letter.status(), letter.actions());
            entry.put("time", letter.failedAt().toString());
            letter.aggregateId().ifPresentOrElse(id -> entry.put("aggregateId", id), () -> entry.putNull("aggregateId"));
            entry.put("commandId", letter.commandId());
            entry.put("commandType", letter.commandType());
            entry.put("correlationId", letter.correlationId().orElse(""));
            entry.put("error", letter.error());
            // the console has not the store's command serde: the bytes as text, or base64
            entry.set("payload", mask.apply(ValueJson.bytes(letter.value()), null, aggregate, store.topics().deadLetters(),
                    store.topics().commands(), letter.commandType()));
        }
        return node;
    }

    private static JsonNode act(EventStore<?, ?, ?> store, String aggregate, boolean redrive, Predicate<CommandDeadLetter> which,
                                String by) {
        int done = redrive ? store.redrive(which, by, TIMEOUT) : store.skip(which, by, TIMEOUT);
        LOG.info("console: {} {} dead letter(s) of event store {}, by {}", redrive ? "redrove" : "skipped", done, aggregate, by);
        return DeadLetterJson.acted("aggregate", aggregate, redrive, done);
    }
}
