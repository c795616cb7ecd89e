package dev.myelin.examples.bank;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.myelin.testkit.AggregateFixture;

class AccountTest {

    @Test
    void withdrawsWhatTheBalanceCovers() {
        AggregateFixture.of(Account.TYPE)
                .given(new AccountOpened("ada"), new Deposited(100L))
                .when(new Withdraw(30L))
                .thenEvents(new Withdrawn(30L))
                .thenState(new AccountState(true, "ada", 70L));
    }

    @Test
    void refusesAWithdrawalThatWouldOverdraw() {
        AggregateFixture.of(Account.TYPE)
                .given(new AccountOpened("ada"), new Deposited(100L))
                .when(new Withdraw(150L))
                .thenRejected(reason -> assertThat(reason).isEqualTo("withdrawing 150 would overdraw balance 100"));
    }

    @Test
    void refusesMoneyMovementsOnAnAccountNotOpenAndNonPositiveAmounts() {
        AggregateFixture.of(Account.TYPE)
                .when(new Deposit(10L))
                .thenRejected(reason -> assertThat(reason).isEqualTo("account is not open"));
        AggregateFixture.of(Account.TYPE)
                .given(new AccountOpened("ada"))
                .when(new Withdraw(0L))
                .thenRejected(reason -> assertThat(reason).isEqualTo("Withdraw needs a positive amount"));
        AggregateFixture.of(Account.TYPE)
                .given(new AccountOpened("ada"))
                .when(new OpenAccount("bob"))
                .thenRejected(reason -> assertThat(reason).isEqualTo("account is already open"));
    }
}
