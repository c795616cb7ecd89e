package dev.myelin.examples.shop;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.myelin.application.Myelin;
import dev.myelin.schemas.InMemorySchemaRegistry;
import dev.myelin.testkit.ProjectionFixture;

class OrderDashboardTest {
    /** The application the dashboard is defined in: an in-memory registry, and no cluster, since nothing runs. */
    private static final Myelin SHOP = Myelin.application("shop").schemaRegistry(new InMemorySchemaRegistry()).build();
    private static final String ORDERS = SHOP.topics(Order.TYPE).events();
    private static final String STOCK = SHOP.topics(Stock.TYPE).events();

    @Test
    void countsOrdersByStatusAndRevenueOfApprovedOrdersOnly() {
        ProjectionFixture.of(Shop.orderDashboard(SHOP))
                .givenOn(ORDERS, "o-1", new OrderPlaced("o-1", "c-1", "sku-mug", 2, 2_400L), new OrderApproved("o-1", 2_400L))
                .givenOn(ORDERS, "o-2", new OrderPlaced("o-2", "c-1", "sku-mug", 1, 1_200L), new OrderRejected("o-2"))
                .givenOn(ORDERS, "o-3", new OrderPlaced("o-3", "c-2", "sku-tee", 1, 2_500L))
                .thenView(Shop.DASHBOARD_KEY, new Dashboard(Map.of("APPROVED", 1L, "REJECTED", 1L, "PENDING", 1L), 2_400L, Map.of()))
                .thenNoDeadLetters();
    }

    @Test
    void tracksEachSkusAvailableAndReservedUnits() {
        ProjectionFixture.of(Shop.orderDashboard(SHOP))
                .givenOn(STOCK, "sku-mug", new StockAdded(10), new StockReserved("o-1", 2), new StockReserved("o-2", 3),
                        new StockReleased("o-2", 3))
                .givenOn(STOCK, "sku-tee", new StockAdded(1))
                .thenView(Shop.DASHBOARD_KEY, new Dashboard(Map.of(), 0L,
                        Map.of("sku-mug", new StockLevel(8, 2), "sku-tee", new StockLevel(1, 0))))
                .thenNoDeadLetters();
    }
}
