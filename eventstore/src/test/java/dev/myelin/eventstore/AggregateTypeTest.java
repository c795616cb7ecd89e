package dev.myelin.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.bank.Account;
import dev.myelin.eventstore.bank.AccountOpened;
import dev.myelin.eventstore.bank.AccountState;
import dev.myelin.eventstore.bank.Deposited;
import dev.myelin.eventstore.bank.Withdraw;
import dev.myelin.eventstore.bank.Withdrawn;

class AggregateTypeTest {

    @Test
    void theBankAccountDecidesAndFolds() {
        AccountState state = Account.TYPE.fold(Account.TYPE.initialState(), List.of(new AccountOpened("ada"), new Deposited(10L)));
        assertThat(state).isEqualTo(new AccountState(true, "ada", 10L));
        assertThat(Account.TYPE.decide(state, new Withdraw(4L))).isEqualTo(Decision.accept(new Withdrawn(4L)));
        assertThat(Account.TYPE.decide(state, new Withdraw(11L))).isInstanceOf(Decision.Reject.class);
        assertThat(Account.TYPE.eventTypeName(new Withdrawn(1L))).isEqualTo("Withdrawn");
    }

    @Test
    void aNameThatCannotBePartOfATopicNameIsRejected() {
        assertThatThrownBy(() -> AggregateType.named("Bank Account")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Bank Account");
    }

    @Test
    void aDecideReturningNullFailsWithTheFix() {
        AggregateType<String, String, String> type = AggregateType.<String, String, String>named("thing").initialState("")
                .decide((s, c) -> null).evolve((s, e) -> s);
        assertThatThrownBy(() -> type.decide("", "cmd")).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("Decision.reject");
    }

    @Test
    void aRejectionNeedsAReason() {
        assertThatThrownBy(() -> Decision.reject(" ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aStateSerdeIsDerivedOnlyForAnAvroState() {
        MyelinConfig config = MyelinConfig.builder("bank").bootstrapServers("unused:9092").build();
        AggregateType<String, SpecificRecord, SpecificRecord> plain = AggregateType.<String, SpecificRecord, SpecificRecord>named("thing")
                .initialState("").decide((s, c) -> Decision.accept()).evolve((s, e) -> s);
        assertThatThrownBy(() -> EventStore.builder(plain, config).commandSerde(BankApp.AVRO).eventSerde(BankApp.AVRO).topology())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("stateSerde(...)");
        assertThat(EventStore.builder(Account.TYPE, config).commandSerde(BankApp.AVRO).eventSerde(BankApp.AVRO).topology()
                .describe().subtopologies()).hasSize(1);
    }
}
