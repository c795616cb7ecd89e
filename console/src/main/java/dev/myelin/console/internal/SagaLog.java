package dev.myelin.console.internal;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerRecord;

import com.fasterxml.jackson.databind.JsonNode;

import dev.myelin.sagas.SagaCommandId;
import dev.myelin.sagas.SagaStatus;
import dev.myelin.sagas.SagaTransition;

/**
 * A saga type's log topic read back: one entry per transition, grouped by saga. It gives the list of
 * sagas with where each is (its last entry), one saga's timeline, and the counts drawn on the diagram.
 * The log is what every instance of the runtime wrote, so the console sees all sagas, not only those
 * whose partitions this instance holds.
 *
 * @param sagas each saga's entries in log order, sagas in the order they started
 */
record SagaLog(Map<String, List<Entry>> sagas) {

    /**
     * One line of the log.
     *
     * @param sagaId     the saga
     * @param transition what happened
     * @param step       the step it happened to (the saga's current step for saga-wide transitions)
     * @param attempt    the attempt of that step's command
     * @param status     the saga's status after it
     * @param detail     the command id of a sent command, the reason of a failure or compensation, or empty
     * @param at         when
     */
    record Entry(String sagaId, SagaTransition transition, String step, int attempt, SagaStatus status, String detail, Instant at) {
    }

    /**
     * Where a saga is, as its last log entry says.
     *
     * @param sagaId       the saga
     * @param status       its status
     * @param step         its current or last step
     * @param attempt      that step's attempt
     * @param started      when it started (its first entry)
     * @param updated      its last entry's time
     * @param last         its last transition
     * @param reason       why it is compensating, compensated or failed; empty otherwise
     * @param transitions  how many entries it has
     */
    record Summary(String sagaId, SagaStatus status, String step, int attempt, Instant started, Instant updated,
                   SagaTransition last, String reason, int transitions) {
        /** How long it has run (to now while in flight, to its last entry once final). */
        Duration age(Instant now) {
            return Duration.between(started, status.isFinal() ? updated : now);
        }
    }

    /** Reads the records of a log topic; a line that is not a log entry is passed over. */
    static SagaLog read(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, List<Entry>> sagas = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (record.value() == null) {
                continue;
            }
            parse(record.value()).ifPresent(entry -> sagas.computeIfAbsent(entry.sagaId(), id -> new ArrayList<>()).add(entry));
        }
        return new SagaLog(sagas);
    }

    private static Optional<Entry> parse(byte[] value) {
        try {
            JsonNode node = ValueJson.MAPPER.readTree(value);
            return Optional.of(new Entry(node.get("id").asText(), SagaTransition.valueOf(node.get("transition").asText()),
                    node.path("step").asText(""), node.path("attempt").asInt(1), SagaStatus.valueOf(node.get("status").asText()),
                    node.path("detail").asText(""), Instant.parse(node.get("at").asText())));
        } catch (IOException | RuntimeException e) {
            // a log written by another version, or not by a runtime: it is not a saga's transition
            return Optional.empty();
        }
    }

    /** Returns each saga's summary, newest first, that passes {@code filter}. */
    List<Summary> list(Predicate<Summary> filter) {
        List<Summary> list = new ArrayList<>();
        for (List<Entry> entries : sagas.values()) {
            Summary summary = summarize(entries);
            if (filter.test(summary)) {
                list.add(summary);
            }
        }
        list.sort(Comparator.comparing(Summary::started).reversed());
        return list;
    }

    /** Returns one saga's summary, if the log holds it. */
    Optional<Summary> summary(String sagaId) {
        return Optional.ofNullable(sagas.get(sagaId)).map(SagaLog::summarize);
    }

    /** Returns one saga's entries, in the order they happened. */
    List<Entry> timeline(String sagaId) {
        return sagas.getOrDefault(sagaId, List.of());
    }

    private static Summary summarize(List<Entry> entries) {
        Entry first = entries.get(0);
        Entry last = entries.get(entries.size() - 1);
        String reason = "";
        if (last.status() != SagaStatus.RUNNING && last.status() != SagaStatus.COMPLETED) {
            // the reason is on the entry that turned the saga back (COMPENSATING) or ended it (FAILED)
            for (int i = entries.size() - 1; i >= 0 && reason.isEmpty(); i--) {
                Entry e = entries.get(i);
                if (e.transition() == SagaTransition.FAILED || e.transition() == SagaTransition.COMPENSATING) {
                    reason = e.detail();
                }
            }
        }
        return new Summary(last.sagaId(), last.status(), last.step(), last.attempt(), first.at(), last.at(), last.transition(), reason,
                entries.size());
    }

    /** Returns how many sagas are in each status. */
    Map<SagaStatus, Integer> countByStatus() {
        Map<SagaStatus, Integer> counts = new LinkedHashMap<>();
        for (SagaStatus status : SagaStatus.values()) {
            counts.put(status, 0);
        }
        for (List<Entry> entries : sagas.values()) {
            counts.merge(entries.get(entries.size() - 1).status(), 1, Integer::sum);
        }
        return counts;
    }

    /** Returns how many in-flight sagas are at each step: running it, or compensating it. */
    Map<String, Map<SagaStatus, Integer>> inFlightByStep() {
        Map<String, Map<SagaStatus, Integer>> counts = new LinkedHashMap<>();
        for (List<Entry> entries : sagas.values()) {
            Entry last = entries.get(entries.size() - 1);
            if (!last.status().isFinal()) {
                counts.computeIfAbsent(last.step(), s -> new LinkedHashMap<>()).merge(last.status(), 1, Integer::sum);
            }
        }
        return counts;
    }

    /** Returns how often each transition happened to each step, over the whole log: the paths the sagas took. */
    Map<String, Map<SagaTransition, Integer>> transitionsByStep() {
        Map<String, Map<SagaTransition, Integer>> counts = new HashMap<>();
        for (List<Entry> entries : sagas.values()) {
            for (Entry e : entries) {
                counts.computeIfAbsent(e.step(), s -> new HashMap<>()).merge(e.transition(), 1, Integer::sum);
            }
        }
        return counts;
    }

    /** Returns the id of the command a {@code *_SENT} entry sent, parsed, if it is one. */
    static Optional<SagaCommandId> command(Entry entry) {
        if (entry.transition() != SagaTransition.STEP_SENT && entry.transition() != SagaTransition.COMPENSATION_SENT) {
            return Optional.empty();
        }
        return SagaCommandId.parse(entry.detail());
    }

    private static final Pattern STATE = Pattern.compile("^(\\s*)state \"(.*)\" as ([sc])(\\d+)$");
    private static final Pattern EDGE = Pattern.compile("^(\\s*)s(\\d+) --> (\\S+) : (success|failure|times out)$");
    private static final Pattern FINAL = Pattern.compile("^\\s*(\\S+) --> \\[\\*]$");

    /**
     * Draws the live counts on the definition's Mermaid diagram: on each step the sagas in flight
     * there, on each compensation those compensating it, on each success, failure and time-out path
     * how many sagas took it, and on each final state how many ended there.
     *
     * @param mermaid the definition's diagram ({@code SagaDefinition.toMermaid()})
     * @param steps   its step names, in order ({@code s<i>} and {@code c<i>} are step {@code i})
     * @return the diagram with counts
     */
    String annotate(String mermaid, List<String> steps) {
        Map<String, Map<SagaStatus, Integer>> inFlight = inFlightByStep();
        Map<String, Map<SagaTransition, Integer>> paths = transitionsByStep();
        Map<SagaStatus, Integer> byStatus = countByStatus();
        StringBuilder out = new StringBuilder();
        for (String line : mermaid.split("\n")) {
            Matcher state = STATE.matcher(line);
            Matcher edge = EDGE.matcher(line);
            Matcher fin = FINAL.matcher(line);
            if (state.matches() && Integer.parseInt(state.group(4)) < steps.size()) {
                String step = steps.get(Integer.parseInt(state.group(4)));
                SagaStatus status = state.group(3).equals("s") ? SagaStatus.RUNNING : SagaStatus.COMPENSATING;
                int n = inFlight.getOrDefault(step, Map.of()).getOrDefault(status, 0);
                out.append(state.group(1)).append("state \"").append(state.group(2)).append(" · ").append(n)
                        .append(status == SagaStatus.RUNNING ? " in flight" : " compensating").append("\" as ")
                        .append(state.group(3)).append(state.group(4));
            } else if (edge.matches() && Integer.parseInt(edge.group(2)) < steps.size()) {
                String step = steps.get(Integer.parseInt(edge.group(2)));
                SagaTransition transition = switch (edge.group(4)) {
                    case "success" -> SagaTransition.STEP_SUCCEEDED;
                    case "failure" -> SagaTransition.STEP_FAILED;
                    default -> SagaTransition.TIMED_OUT;
                };
                int n = paths.getOrDefault(step, Map.of()).getOrDefault(transition, 0);
                out.append(edge.group(1)).append('s').append(edge.group(2)).append(" --> ").append(edge.group(3)).append(" : ")
                        .append(edge.group(4)).append(" (").append(n).append(')');
            } else {
                out.append(line);
                if (fin.matches() && isFinal(fin.group(1))) {
                    out.append('\n').append(line, 0, line.indexOf(fin.group(1))).append(fin.group(1)).append(" : ")
                            .append(byStatus.get(SagaStatus.valueOf(fin.group(1)))).append(" sagas");
                }
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static boolean isFinal(String state) {
        return state.equals("COMPLETED") || state.equals("COMPENSATED") || state.equals("FAILED");
    }
}
