package dev.myelin.sagas.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.myelin.sagas.SagaStatus;
import dev.myelin.sagas.SagaTransition;

class SagaLogEntryTest {

    @Test
    void anEntryIsOneJsonObjectWithItsTextEscaped() {
        SagaLogEntry entry = new SagaLogEntry("place-order", "o-\"1\"", SagaTransition.STEP_FAILED, "reserve-stock", 2,
                SagaStatus.COMPENSATING, "rejected: only 1 left\nsee C:\\stock\u0001", Instant.parse("2030-01-01T00:00:00Z"));

        assertThat(new String(entry.toJson(), StandardCharsets.UTF_8)).isEqualTo("{\"saga\":\"place-order\",\"id\":\"o-\\\"1\\\"\","
                + "\"transition\":\"STEP_FAILED\",\"step\":\"reserve-stock\",\"attempt\":2,\"status\":\"COMPENSATING\","
                + "\"detail\":\"rejected: only 1 left\\nsee C:\\\\stock\\u0001\",\"at\":\"2030-01-01T00:00:00Z\"}");
    }
}
