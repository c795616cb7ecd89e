package dev.myelin.console.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
                if (!request.method().equals("GET")) {
                    throw new ConsoleApi.Refused(405, request.method() + " " + request.rawPath() + " is not allowed; use GET");
                }
                return list(store, aggregate, mask);
            }
            case "dead-letters/redrive", "dead-letters/skip" -> {
                String by = ActionGate.requireAction(request);
                return act(store, aggregate, rest.endsWith("redrive"), which(request.query()), by);
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
            entry.put("position", ConsoleApi.origin(letter.position()));
            entry.put("origin", ConsoleApi.origin(letter.origin()));
            entry.put("time", letter.failedAt().toString());
            letter.aggregateId().ifPresentOrElse(id -> entry.put("aggregateId", id), () -> entry.putNull("aggregateId"));
            entry.put("commandId", letter.commandId());
            entry.put("commandType", letter.commandType());
            entry.put("correlationId", letter.correlationId().orElse(""));
            entry.put("error", letter.error());
            entry.put("status", letter.status().name());
            ArrayNode actions = entry.putArray("actions");
            letter.actions().forEach(a -> actions.addObject().put("status", a.status().name()).put("by", a.by()).put("at", a.at().toString()));
            // the console has not the store's command serde: the bytes as text, or base64
            entry.set("payload", mask.apply(ValueJson.bytes(letter.value()), null, aggregate, store.topics().deadLetters(),
                    store.topics().commands(), letter.commandType()));
        }
        return node;
    }

    private static Predicate<CommandDeadLetter> which(Map<String, String> query) {
        List<Predicate<CommandDeadLetter>> all = new ArrayList<>();
        if (query.containsKey("positions")) {
            Set<String> positions = Set.of(query.get("positions").split(","));
            all.add(l -> positions.contains(ConsoleApi.origin(l.position())));
        }
        if (query.containsKey("aggregateId")) {
            String id = query.get("aggregateId");
            all.add(l -> l.aggregateId().filter(id::equals).isPresent());
        }
        if (query.containsKey("error")) {
            String text = query.get("error");
            all.add(l -> l.error().contains(text));
        }
        if (all.isEmpty() && !"true".equals(query.get("all"))) {
            throw new ConsoleApi.Refused(400, "say which dead letters: ?positions=topic:partition:offset,..., ?aggregateId=,"
                    + " ?error=text, or ?all=true");
        }
        return l -> all.stream().allMatch(p -> p.test(l));
    }

    private static JsonNode act(EventStore<?, ?, ?> store, String aggregate, boolean redrive, Predicate<CommandDeadLetter> which,
                                String by) {
        int done = redrive ? store.redrive(which, by, TIMEOUT) : store.skip(which, by, TIMEOUT);
        LOG.info("console: {} {} dead letter(s) of event store {}, by {}", redrive ? "redrove" : "skipped", done, aggregate, by);
        ObjectNode node = ValueJson.MAPPER.createObjectNode();
        node.put("aggregate", aggregate);
        node.put(redrive ? "redriven" : "skipped", done);
        return node;
    }
}
