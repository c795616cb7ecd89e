package dev.myelin.sagas.internal;

import java.util.List;

/**
 * Renders a definition as a Mermaid flowchart. Solid arrows are the success path, dotted arrows the
 * compensation path (a step that times out goes to its own compensation first); node ids are {@code s<i>} for steps and {@code c<i>} for compensations, since
 * step names may hold characters Mermaid ids cannot.
 */
final class Mermaid {
    private Mermaid() {
    }

    static String render(DefaultSagaDefinition<?, ?> definition) {
        List<? extends StepModel<?>> steps = definition.steps();
        StringBuilder out = new StringBuilder("flowchart TD\n");
        out.append("    trigger([\"").append(escape(definition.triggerType().getSimpleName())).append("\"])\n");
        for (int i = 0; i < steps.size(); i++) {
            StepModel<?> step = steps.get(i);
            out.append("    s").append(i).append("[\"").append(escape(step.name())).append("<br/><small>")
                    .append(escape(step.participant().name())).append("</small>\"]\n");
            if (step.hasCompensation()) {
                out.append("    c").append(i).append("[\"undo ").append(escape(step.name())).append("\"]\n");
            }
        }
        out.append("    completed([COMPLETED])\n");
        out.append("    compensated([COMPENSATED])\n");
        boolean anyCompensation = steps.stream().anyMatch(StepModel::hasCompensation);
        if (anyCompensation) {
            out.append("    failed([FAILED])\n");
        }
        out.append("    trigger --> s0\n");
        for (int i = 0; i < steps.size(); i++) {
            out.append("    s").append(i).append(" -->|success| ").append(i + 1 < steps.size() ? "s" + (i + 1) : "completed").append('\n');
        }
        for (int i = 0; i < steps.size(); i++) {
            out.append("    s").append(i).append(" -.->|failure| ").append(previousCompensation(steps, i)).append('\n');
            if (steps.get(i).hasTimeout() && steps.get(i).hasCompensation()) {
                // no reply is not a no: a step that timed out is undone itself, before the steps it followed
                out.append("    s").append(i).append(" -.->|times out| c").append(i).append('\n');
            }
            if (steps.get(i).hasCompensation()) {
                out.append("    c").append(i).append(" -.-> ").append(previousCompensation(steps, i)).append('\n');
                out.append("    c").append(i).append(" -.->|fails| failed\n");
            }
        }
        return out.toString();
    }

    /** Returns the node that undoes the last completed step before step {@code index}. */
    private static String previousCompensation(List<? extends StepModel<?>> steps, int index) {
        for (int j = index - 1; j >= 0; j--) {
            if (steps.get(j).hasCompensation()) {
                return "c" + j;
            }
        }
        return "compensated";
    }

    private static String escape(String text) {
        return text.replace("\"", "#quot;");
    }
}
