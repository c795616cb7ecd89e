package dev.myelin.sagas.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Renders a definition as a Mermaid state diagram ({@code stateDiagram-v2}), the one Mermaid diagram
 * with forks and joins. Steps are states {@code s<i>}, compensations {@code c<i>} (styled
 * {@code undo}), and a parallel group of stage {@code k} runs from {@code fork<k>} to
 * {@code join<k>}; ids are made up since step names may hold characters Mermaid ids cannot. The
 * success path is labelled {@code success}, the compensation path {@code failure} and
 * {@code times out} (a step that times out goes to its own compensation first).
 */
final class Mermaid {
    private Mermaid() {
    }

    static String render(DefaultSagaDefinition<?, ?> definition) {
        List<? extends StepModel<?>> steps = definition.steps();
        StringBuilder out = new StringBuilder("stateDiagram-v2\n");
        for (int i = 0; i < steps.size(); i++) {
            StepModel<?> step = steps.get(i);
            line(out, "state \"" + escape(step.name()) + " (" + escape(step.participant().name()) + ")\" as s" + i);
            if (step.hasCompensation()) {
                line(out, "state \"undo " + escape(step.name()) + "\" as c" + i);
            }
        }
        for (int k = 0; k < definition.stageCount(); k++) {
            if (definition.stage(k).size() > 1) {
                line(out, "state fork" + k + " <<fork>>");
                line(out, "state join" + k + " <<join>>");
            }
        }
        // the success path, stage by stage
        String from = "[*]";
        String label = " : " + escape(definition.triggerType().getSimpleName());
        for (int k = 0; k < definition.stageCount(); k++) {
            List<Integer> stage = definition.stage(k);
            if (stage.size() == 1) {
                line(out, from + " --> s" + stage.get(0) + label);
                from = "s" + stage.get(0);
                label = " : success";
            } else {
                line(out, from + " --> fork" + k + label);
                for (int i : stage) {
                    line(out, "fork" + k + " --> s" + i);
                }
                for (int i : stage) {
                    line(out, "s" + i + " --> join" + k + " : success");
                }
                from = "join" + k;
                label = "";
            }
        }
        line(out, from + " --> COMPLETED" + label);
        // the compensation path: from each step's failure to the compensations of what ran before it, last first
        List<Integer> undo = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            StepModel<?> step = steps.get(i);
            List<Integer> stage = definition.stage(step.stage());
            boolean timesOutToItself = step.hasTimeout() && step.hasCompensation();
            if (stage.size() == 1) {
                line(out, "s" + i + " --> " + compensationBefore(steps, i) + " : failure");
                if (timesOutToItself) {
                    // no reply is not a no: a step that timed out is undone itself, before the steps it followed
                    line(out, "s" + i + " --> c" + i + " : times out");
                }
            } else {
                // the group waits for its other steps, then undoes those that succeeded or timed out, last first
                int last = stage.get(stage.size() - 1);
                line(out, "s" + i + " --> " + compensationFrom(steps, last, i) + " : failure");
                if (timesOutToItself) {
                    line(out, "s" + i + " --> " + compensationFrom(steps, last, -1) + " : times out");
                }
            }
            if (step.hasCompensation()) {
                undo.add(i);
                line(out, "c" + i + " --> " + compensationBefore(steps, i));
                line(out, "c" + i + " --> FAILED : fails");
            }
        }
        line(out, "COMPLETED --> [*]");
        line(out, "COMPENSATED --> [*]");
        if (!undo.isEmpty()) {
            line(out, "FAILED --> [*]");
            line(out, "classDef undo fill:#fdecea,stroke:#b03a2e");
            line(out, "class " + String.join(", ", undo.stream().map(i -> "c" + i).toList()) + " undo");
        }
        return out.toString();
    }

    /** Returns the node that undoes the last step with a compensation before step {@code index}. */
    private static String compensationBefore(List<? extends StepModel<?>> steps, int index) {
        return compensationFrom(steps, index - 1, -1);
    }

    /** Returns the node that undoes the last step with a compensation at or before {@code index}, other than {@code skip}. */
    private static String compensationFrom(List<? extends StepModel<?>> steps, int index, int skip) {
        for (int j = index; j >= 0; j--) {
            if (j != skip && steps.get(j).hasCompensation()) {
                return "c" + j;
            }
        }
        return "COMPENSATED";
    }

    private static void line(StringBuilder out, String text) {
        out.append("    ").append(text).append('\n');
    }

    private static String escape(String text) {
        return text.replace("\"", "#quot;");
    }
}
