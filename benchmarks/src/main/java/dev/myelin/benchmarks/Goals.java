package dev.myelin.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The speed goals of issue 17, each checked against the figure of this run that measures it: the
 * "Goals (issue 17)" section of the report.
 */
final class Goals {

    /** Myelin's command latency at its own default commit interval, at a fifth of its maximum. */
    static final Pattern DEFAULT_COMMIT = Pattern.compile("commit\\.interval\\.ms=5\\b");
    static final String FIFTH = "20 % of max";

    private Goals() {
    }

    /**
     * One goal and how this run did.
     *
     * @param goal     what is measured
     * @param target   the target, as the issue states it
     * @param measured the figure, if the suite that measures it ran
     * @param value    the value compared with the limit: the figure, or its ratio to raw for a ratio goal
     * @param limit    the target's bound
     * @param atLeast  whether the value must be at least the limit (else at most)
     * @param unit     the value's unit, for the table
     */
    record Goal(String goal, String target, Optional<Measurement> measured, double value, double limit, boolean atLeast, String unit) {

        boolean met() {
            return measured.isPresent() && (atLeast ? value >= limit : value <= limit);
        }

        /** "met" or "missed" with by how much, or why there is no verdict. */
        String verdict() {
            if (measured.isEmpty()) {
                return "not measured (suite not run)";
            }
            if (Double.isNaN(value)) {
                return "not measured (no figure)";
            }
            if (met()) {
                return "met";
            }
            double factor = atLeast ? limit / value : value / limit;
            return String.format(Locale.ROOT, "missed: %s%s, %.1f× %s the target", Report.format(value), unit.equals("×") ? "×" : " " + unit, factor,
                    atLeast ? "below" : "above");
        }
    }

    /** Finds each goal's figure among {@code results}. */
    static List<Goal> evaluate(List<Measurement> results) {
        List<Goal> goals = new ArrayList<>();
        Predicate<Measurement> defaultLatency = m -> m.benchmark().equals("Myelin command round trip")
                && DEFAULT_COMMIT.matcher(m.note()).find() && m.note().contains(FIFTH);
        goals.add(atMost(results, "command round trip p50 at a fifth of max, Myelin defaults (commit.interval.ms=5)", "≤ 5 ms",
                defaultLatency.and(m -> m.metric().equals("p50 ms")), 5, "ms"));
        goals.add(atMost(results, "command round trip p99 at a fifth of max, Myelin defaults (commit.interval.ms=5)", "≤ 15 ms",
                defaultLatency.and(m -> m.metric().equals("p99 ms")), 15, "ms"));
        for (String variant : List.of("unchecked", "checked")) {
            Optional<Measurement> commands = find(results, m -> m.benchmark().equals("Myelin commands, expected version " + variant));
            double ratio = commands.flatMap(Measurement::ratio).orElse(Double.NaN);
            goals.add(new Goal("commands/s vs raw EOS pass-through, same run, expected version " + variant, "≥ 0.5×", commands,
                    ratio, 0.5, true, "×"));
        }
        goals.add(atLeast(results, "place-order sagas/s (4 steps, shop)", "≥ 1,000",
                m -> m.benchmark().equals(MyelinSagas.BENCHMARK) && m.metric().equals("sagas/s"), 1_000, "sagas/s"));
        Predicate<Measurement> sagaLatency = m -> m.benchmark().equals(MyelinSagas.LATENCY) && m.note().contains(FIFTH);
        goals.add(atMost(results, "saga end-to-end latency p50 at a fifth of the saga max", "≤ 60 ms",
                sagaLatency.and(m -> m.metric().equals("p50 ms")), 60, "ms"));
        goals.add(atMost(results, "saga end-to-end latency p99 at a fifth of the saga max", "≤ 200 ms",
                sagaLatency.and(m -> m.metric().equals("p99 ms")), 200, "ms"));
        goals.add(atMost(results, "first saga's end after the first order, cold start (sagas suite, not the demo)", "≤ 2 s",
                m -> m.benchmark().equals(MyelinSagas.FIRST), 2, "s"));
        return goals;
    }

    /** The section's Markdown table. */
    static String table(List<Goal> goals) {
        StringBuilder table = new StringBuilder();
        table.append("| goal | target | measured | ratio to raw, same run | verdict |\n");
        table.append("|---|---|---:|---:|---|\n");
        for (Goal goal : goals) {
            // "p50 ms" is said by the goal already: the unit is enough
            String measured = goal.measured().map(m -> Report.format(m.value()) + " " + m.metric().replaceFirst("^p\\d+ ", "")).orElse("");
            String ratio = goal.measured().flatMap(m -> m.ratio().map(r -> String.format(Locale.ROOT, "%.2f× (raw %s)", r,
                    Report.format(m.baseline().orElseThrow().value())))).orElse("");
            table.append("| ").append(goal.goal()).append(" | ").append(goal.target()).append(" | ").append(measured)
                    .append(" | ").append(ratio).append(" | ").append(goal.verdict()).append(" |\n");
        }
        return table.toString();
    }

    private static Goal atMost(List<Measurement> results, String goal, String target, Predicate<Measurement> which, double limit,
                               String unit) {
        return bound(results, goal, target, which, limit, false, unit);
    }

    private static Goal atLeast(List<Measurement> results, String goal, String target, Predicate<Measurement> which, double limit,
                                String unit) {
        return bound(results, goal, target, which, limit, true, unit);
    }

    private static Goal bound(List<Measurement> results, String goal, String target, Predicate<Measurement> which, double limit,
                              boolean atLeast, String unit) {
        Optional<Measurement> m = find(results, which);
        return new Goal(goal, target, m, m.map(Measurement::value).orElse(Double.NaN), limit, atLeast, unit);
    }

    private static Optional<Measurement> find(List<Measurement> results, Predicate<Measurement> which) {
        return results.stream().filter(which).findFirst();
    }
}
