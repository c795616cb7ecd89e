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
}
