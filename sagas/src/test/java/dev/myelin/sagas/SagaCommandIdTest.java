package dev.myelin.sagas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The format of the command ids a saga sends. */
class SagaCommandIdTest {

    @Test
    void aStepsCommandIdNamesTheSagaTheStepAndTheSagaId() {
        assertThat(SagaCommandId.of("place-order", "o-1", "reserve-stock").value()).isEqualTo("saga:place-order:i:reserve-stock:o-1");
    }

    @Test
    void aCompensationsIdSaysSo() {
        assertThat(new SagaCommandId("place-order", "o-1", "reserve-stock", true).value()).isEqualTo("saga:place-order:c:reserve-stock:o-1");
    }

    @Test
    void anIdReadsBackToItsParts() {
        SagaCommandId id = new SagaCommandId("place-order", "o:1:with:colons", "reserve-stock", true);

        assertThat(SagaCommandId.parse(id.value())).contains(id);
    }

    @Test
    void anIdThatIsNotASagasIsNotRead() {
        assertThat(SagaCommandId.parse("a-client-command-id")).isEmpty();
        assertThat(SagaCommandId.parse("saga:place-order:x:reserve-stock:o-1")).isEmpty();
        assertThat(SagaCommandId.parse("saga:place-order:i:reserve-stock:")).isEmpty();
        assertThat(SagaCommandId.parse("saga:place-order:i")).isEmpty();
    }

    @Test
    void aNameWithAColonIsRejected() {
        assertThatThrownBy(() -> SagaCommandId.of("place:order", "o-1", "reserve"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("saga must be a non-empty name without a colon");
    }
}
