package dev.myelin.sagas.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import dev.myelin.sagas.SagaStatus;
import dev.myelin.sagas.SagaTransition;

/** One line of the saga log, written as a small JSON object so any consumer (or a person) can read it. */
record SagaLogEntry(String saga, String sagaId, SagaTransition transition, String step, int attempt, SagaStatus status, String detail,
                    Instant at) {

    byte[] toJson() {
        StringBuilder out = new StringBuilder(160).append('{');
        field(out, "saga", saga).append(',');
        field(out, "id", sagaId).append(',');
        field(out, "transition", transition.name()).append(',');
        field(out, "step", step).append(',');
        out.append("\"attempt\":").append(attempt).append(',');
        field(out, "status", status.name()).append(',');
        field(out, "detail", detail).append(',');
        field(out, "at", at.toString());
        return out.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static StringBuilder field(StringBuilder out, String name, String value) {
        out.append('"').append(name).append("\":\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }
}
