package dev.myelin.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.myelin.testkit.AggregateFixture;

class OrderTest {
    private static final OrderPlaced PLACED = new OrderPlaced("o-1", "c-1", "sku-mug", 2, 2_400L);

    @Test
    void placingAnOrderStartsItPending() {
        AggregateFixture.of(Order.TYPE)
                .when(new PlaceOrder("o-1", "c-1", "sku-mug", 2, 2_400L))
                .thenEvents(PLACED)
                .thenState(new OrderState(OrderStatus.PENDING, "c-1", "sku-mug", 2, 2_400L));
    }

    @Test
    void placingTheSameOrderAgainChangesNothing() {
        AggregateFixture.of(Order.TYPE)
                .given(PLACED)
                .when(new PlaceOrder("o-1", "c-1", "sku-mug", 2, 2_400L))
                .thenNoEvents();
    }

    @Test
    void anOrderNeedsAPositiveQuantity() {
        AggregateFixture.of(Order.TYPE)
                .when(new PlaceOrder("o-1", "c-1", "sku-mug", 0, 0L))
                .thenRejected(reason -> assertThat(reason).contains("positive quantity"));
    }

    @Test
    void checkingAPendingOrderIsAcceptedWithoutEvents() {
        AggregateFixture.of(Order.TYPE).given(PLACED).when(new CheckOrder("o-1")).thenNoEvents();
    }

    @Test
    void checkingAnOrderThatIsNotPendingIsRefused() {
        AggregateFixture.of(Order.TYPE)
                .given(PLACED, new OrderRejected("o-1"))
                .when(new CheckOrder("o-1"))
                .thenRejected(reason -> assertThat(reason).isEqualTo("order is REJECTED, not PENDING"));
    }

    @Test
    void approvingCarriesTheTotalForRevenue() {
        AggregateFixture.of(Order.TYPE)
                .given(PLACED)
                .when(new ApproveOrder("o-1"))
                .thenEvents(new OrderApproved("o-1", 2_400L))
                .thenState(state -> assertThat(state.getStatus()).isEqualTo(OrderStatus.APPROVED));
    }

    @Test
    void approvingTwiceChangesNothing() {
        AggregateFixture.of(Order.TYPE).given(PLACED, new OrderApproved("o-1", 2_400L)).when(new ApproveOrder("o-1")).thenNoEvents();
    }

    @Test
    void rejectingAPendingOrder() {
        AggregateFixture.of(Order.TYPE)
                .given(PLACED)
                .when(new RejectOrder("o-1"))
                .thenEvents(new OrderRejected("o-1"))
                .thenState(state -> assertThat(state.getStatus()).isEqualTo(OrderStatus.REJECTED));
    }

    @Test
    void anApprovedOrderCannotBeRejectedNorARejectedOneApproved() {
        AggregateFixture.of(Order.TYPE)
                .given(PLACED, new OrderApproved("o-1", 2_400L))
                .when(new RejectOrder("o-1"))
                .thenRejected(reason -> assertThat(reason).isEqualTo("cannot reject an order that is APPROVED"));
        AggregateFixture.of(Order.TYPE)
                .given(PLACED, new OrderRejected("o-1"))
                .when(new ApproveOrder("o-1"))
                .thenRejected(reason -> assertThat(reason).isEqualTo("cannot approve an order that is REJECTED"));
    }
}
