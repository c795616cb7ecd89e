package dev.myelin.console.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.myelin.eventstore.DeadLetterAction;
import dev.myelin.eventstore.DeadLetterStatus;
import dev.myelin.schemas.RecordOrigin;

/**
 * What the console's dead-letter routes share, whichever runtime owns the letters (an event store, a
 * saga runtime): a letter's status and actions as JSON, the query that chooses letters to act on, and
 * the answer to an action.
 */
final class DeadLetterJson {
    private DeadLetterJson() {
    }

    /** Puts a letter's position, origin, status and actions (oldest first) in {@code entry}. */
    static void common(ObjectNode entry, RecordOrigin position, RecordOrigin origin, DeadLetterStatus status,
                       List<DeadLetterAction> actions) {
        entry.put("position", ConsoleApi.origin(position));
        entry.put("origin", ConsoleApi.origin(origin));
        entry.put("status", status.name());
        ArrayNode list = entry.putArray("actions");
        actions.forEach(a -> list.addObject().put("status", a.status().name()).put("by", a.by()).put("at", a.at().toString()));
    }

    /**
     * Returns the letters a query chooses: {@code positions=} (comma-separated {@code topic:partition:offset}
     * as listed), {@code <idName>=} (the letter's id, such as its aggregate or saga id), {@code error=}
     * (text the error contains), or {@code all=true}; given several, a letter must match each.
     *
     * @throws ConsoleApi.Refused 400 if the query chooses nothing
     */
    static <L> Predicate<L> which(Map<String, String> query, Function<L, RecordOrigin> position, String idName,
                                  Function<L, Optional<String>> id, Function<L, String> error) {
        List<Predicate<L>> all = new ArrayList<>();
        if (query.containsKey("positions")) {
            Set<String> positions = Set.of(query.get("positions").split(","));
            all.add(l -> positions.contains(ConsoleApi.origin(position.apply(l))));
        }
        if (query.containsKey(idName)) {
            String wanted = query.get(idName);
            all.add(l -> id.apply(l).filter(wanted::equals).isPresent());
        }
        if (query.containsKey("error")) {
            String text = query.get("error");
            all.add(l -> error.apply(l).contains(text));
        }
        if (all.isEmpty() && !"true".equals(query.get("all"))) {
            throw new ConsoleApi.Refused(400, "say which dead letters: ?positions=topic:partition:offset,..., ?" + idName + "=,"
                    + " ?error=text, or ?all=true");
        }
        return l -> all.stream().allMatch(p -> p.test(l));
    }

    /** The answer to an action: who owns the letters, and how many were redriven or skipped. */
    static JsonNode acted(String ownerField, String owner, boolean redrive, int done) {
        ObjectNode node = ValueJson.MAPPER.createObjectNode();
        node.put(ownerField, owner);
        node.put(redrive ? "redriven" : "skipped", done);
        return node;
    }

    /** Refuses anything but GET on a listing. */
    static void requireGet(ConsoleApi.Request request) {
        if (!request.method().equals("GET")) {
            throw new ConsoleApi.Refused(405, request.method() + " " + request.rawPath() + " is not allowed; use GET");
        }
    }
}
