package dev.myelin.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.myelin.testkit.AggregateFixture;

class CustomerTest {

    @Test
    void reservesCreditWithinTheLimit() {
        AggregateFixture.of(Customer.TYPE)
                .given(new CustomerOpened(1_000L), new CreditReserved("o-1", 600L))
                .when(new ReserveCredit("o-2", 400L))
                .thenEvents(new CreditReserved("o-2", 400L))
                .thenState(new CustomerState(1_000L, 1_000L, Map.of("o-1", 600L, "o-2", 400L)));
    }

    @Test
    void refusesCreditBeyondTheLimit() {
        AggregateFixture.of(Customer.TYPE)
                .given(new CustomerOpened(1_000L), new CreditReserved("o-1", 600L))
                .when(new ReserveCredit("o-2", 401L))
                .thenRejected(reason -> assertThat(reason).isEqualTo("credit limit 1000 would be exceeded: 1001"));
    }

    @Test
    void reservingForTheSameOrderAgainChangesNothing() {
        AggregateFixture.of(Customer.TYPE)
                .given(new CustomerOpened(1_000L), new CreditReserved("o-1", 600L))
                .when(new ReserveCredit("o-1", 600L))
                .thenNoEvents();
    }

    @Test
    void releasesWhatAnOrderHeld() {
        AggregateFixture.of(Customer.TYPE)
                .given(new CustomerOpened(1_000L), new CreditReserved("o-1", 600L))
                .when(new ReleaseCredit("o-1"))
                .thenEvents(new CreditReleased("o-1", 600L))
                .thenState(new CustomerState(1_000L, 0L, Map.of()));
    }

    @Test
    void releasingForAnOrderThatHeldNothingChangesNothing() {
        // the saga compensates a step whose command may never have arrived: that must be harmless
        AggregateFixture.of(Customer.TYPE)
                .given(new CustomerOpened(1_000L))
                .when(new ReleaseCredit("o-9"))
                .thenNoEvents();
    }

    @Test
    void refusesOtherAggregatesCommands() {
        AggregateFixture.of(Customer.TYPE)
                .given(new CustomerOpened(1_000L))
                .when(new AddStock(5))
                .thenRejected(reason -> assertThat(reason).isEqualTo("customers do not handle AddStock"));
    }
}
