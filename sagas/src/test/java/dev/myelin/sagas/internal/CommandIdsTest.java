package dev.myelin.sagas.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommandIdsTest {

    @Test
    void anIdNamesItsSagaStepAndPhaseAndParsesBack() {
        String id = CommandIds.of("place-order", "tenant:7/o-1", CommandIds.Phase.COMPENSATE, "reserve-credit");

        assertThat(id).isEqualTo("saga:place-order:c:reserve-credit:tenant:7/o-1");
        assertThat(CommandIds.parse("place-order", id))
                .contains(new CommandIds.Parsed("tenant:7/o-1", CommandIds.Phase.COMPENSATE, "reserve-credit"));
    }

    @Test
    void idsOfOtherSagasAndOtherSendersAreNotParsed() {
        assertThat(CommandIds.parse("place-order", "saga:cancel-order:i:refund:o-1")).isEmpty();
        assertThat(CommandIds.parse("place-order", "0b7c3c1e-6f0e-4c43-9c7e-1f8a1d7e2a11")).isEmpty();
        assertThat(CommandIds.parse("place-order", "saga:place-order:x:step:o-1")).isEmpty();
        assertThat(CommandIds.parse("place-order", "saga:place-order:i:step:")).isEmpty();
        assertThat(CommandIds.parse("place-order", null)).isEmpty();
    }
}
