package dev.myelin.console.internal;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.myelin.eventstore.DeadLetterStatus;
import dev.myelin.sagas.SagaDeadLetter;
import dev.myelin.sagas.SagaRuntime;

/**
 * A saga runtime's dead letters in the console: {@code GET /api/saga-runtimes/{saga}/dead-letters}
 * lists the triggers and replies it gave up on with what was done about them;
 * {@code POST .../dead-letters/redrive} and {@code .../dead-letters/skip} act on the pending ones a
 * query chooses, as for an event store's ({@code positions=}, {@code sagaId=}, {@code error=} or
 * {@code all=true}).
 */
final class SagaDeadLetterRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(SagaDeadLetterRoutes.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private SagaDeadLetterRoutes() {
    }

    /** Answers {@code rest}, the path after {@code /api/saga-runtimes/{saga}/}. */
    static JsonNode route(ConsoleApi.Request request, SagaRuntime<?, ?> saga, String rest, PayloadMask mask) {
        String name = saga.definition().name();
        switch (rest) {
            case "dead-letters" -> {
                DeadLetterJson.requireGet(request);
                return list(saga, mask);
            }
            case "dead-letters/redrive", "dead-letters/skip" -> {
                String by = ActionGate.requireAction(request);
                boolean redrive = rest.endsWith("redrive");
                var which = DeadLetterJson.which(request.query(), SagaDeadLetter::position, "sagaId", SagaDeadLetter::sagaId,
                        SagaDeadLetter::error);
                int done = redrive ? saga.redrive(which, by, TIMEOUT) : saga.skip(which, by, TIMEOUT);
                LOG.info("console: {} {} dead letter(s) of saga {}, by {}", redrive ? "redrove" : "skipped", done, name, by);
                return DeadLetterJson.acted("saga", name, redrive, done);
            }
            default -> throw new ConsoleApi.Refused(404, "no such API: " + request.rawPath());
        }
    }

    /** Counts the letters still pending, for the overview. */
    static int pending(SagaRuntime<?, ?> saga) {
        return (int) saga.deadLetters(TIMEOUT).stream().filter(l -> l.status() == DeadLetterStatus.PENDING).count();
    }

    private static JsonNode list(SagaRuntime<?, ?> saga, PayloadMask mask) {
        ObjectNode node = ValueJson.MAPPER.createObjectNode();
        node.put("saga", saga.definition().name());
        node.put("topic", saga.topics().deadLetters());
        ArrayNode list = node.putArray("deadLetters");
        for (SagaDeadLetter letter : saga.deadLetters(TIMEOUT)) {
            ObjectNode entry = list.addObject();
            DeadLetterJson.common(entry, letter.position(), letter.origin(), letter.status(), letter.actions());
            entry.put("time", letter.failedAt().toString());
            entry.put("kind", letter.kind().name());
            entry.put("key", letter.key().orElse(""));
            entry.put("sagaId", letter.sagaId().orElse(""));
            entry.put("commandId", letter.commandId().orElse(""));
            entry.put("reason", letter.reason());
            entry.put("error", letter.error());
            entry.set("payload", payload(saga, letter, mask));
        }
        return node;
    }

    /** A trigger decoded as the saga reads it when it can be; otherwise (and for replies) the bytes as text or base64. */
    private static JsonNode payload(SagaRuntime<?, ?> saga, SagaDeadLetter letter, PayloadMask mask) {
        String[] names = {saga.definition().name(), saga.topics().deadLetters(), letter.origin().topic()};
        if (letter.kind() == SagaDeadLetter.Kind.TRIGGER && letter.value().length > 0) {
            try {
                Object trigger = saga.definition().triggerSerde().deserializer().deserialize(saga.definition().triggerTopic(),
                        letter.value());
                return mask.apply(ValueJson.of(trigger), trigger, names);
            } catch (RuntimeException e) {
                // undecodable is often why it is here: show the bytes
            }
        }
        return mask.apply(ValueJson.bytes(letter.value()), null, names);
    }
}
