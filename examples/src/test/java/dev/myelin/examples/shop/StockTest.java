package dev.myelin.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.myelin.testkit.AggregateFixture;

class StockTest {

    @Test
    void addsUnits() {
        AggregateFixture.of(Stock.TYPE)
                .given(new StockAdded(3))
                .when(new AddStock(4))
                .thenEvents(new StockAdded(4))
                .thenState(new StockState(7, Map.of()));
    }

    @Test
    void refusesANegativeQuantity() {
        AggregateFixture.of(Stock.TYPE)
                .when(new AddStock(-1))
                .thenRejected(reason -> assertThat(reason).contains("negative"));
    }

    @Test
    void reservesWhatIsAvailable() {
        AggregateFixture.of(Stock.TYPE)
                .given(new StockAdded(3))
                .when(new ReserveStock("o-1", 3))
                .thenEvents(new StockReserved("o-1", 3))
                .thenState(new StockState(0, Map.of("o-1", 3)));
    }

    @Test
    void refusesMoreThanIsAvailable() {
        AggregateFixture.of(Stock.TYPE)
                .given(new StockAdded(3), new StockReserved("o-1", 2))
                .when(new ReserveStock("o-2", 2))
                .thenRejected(reason -> assertThat(reason).isEqualTo("only 1 in stock, 2 wanted"));
    }

    @Test
    void reservingForTheSameOrderAgainChangesNothing() {
        AggregateFixture.of(Stock.TYPE)
                .given(new StockAdded(3), new StockReserved("o-1", 2))
                .when(new ReserveStock("o-1", 2))
                .thenNoEvents();
    }

    @Test
    void releasePutsTheOrdersUnitsBack() {
        AggregateFixture.of(Stock.TYPE)
                .given(new StockAdded(3), new StockReserved("o-1", 2))
                .when(new ReleaseStock("o-1"))
                .thenEvents(new StockReleased("o-1", 2))
                .thenState(new StockState(3, Map.of()));
    }

    @Test
    void releasingForAnOrderThatHeldNothingChangesNothing() {
        AggregateFixture.of(Stock.TYPE)
                .given(new StockAdded(3))
                .when(new ReleaseStock("o-1"))
                .thenNoEvents();
    }
}
