package dev.myelin.examples.shop;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.serialization.Serdes;

import dev.myelin.application.Myelin;
import dev.myelin.eventstore.RetryPolicy;
import dev.myelin.processors.Projection;
import dev.myelin.sagas.SagaDefinition;

/**
 * The shop's wiring: the place-order saga across {@link Customer}, {@link Stock} and {@link Order},
 * and the {@code order-dashboard} projection, each defined in the application that runs it.
 *
 * <pre>{@code
 * SagaRuntime<OrderPlaced, PlaceOrderData> sagas = shop.saga(Shop.placeOrder(shop));
 * RunningProjection<String, Dashboard> dashboard = shop.projection(Shop.orderDashboard(shop));
 * }</pre>
 */
public final class Shop {
    /** The one key of the {@code order-dashboard} view. */
    public static final String DASHBOARD_KEY = "shop";

    private Shop() {
    }

    /** The package of the shop's generated Avro classes: the only classes its records may decode into. */
    public static final String RECORDS = "dev.myelin.examples.shop";

    /**
     * Returns the place-order saga: check that the order is pending, reserve the customer's credit,
     * reserve the stock, approve the order. When credit or stock is missing the saga releases what
     * it reserved and rejects the order, last step first.
     *
     * @param shop the application: its aggregates' topics and Avro serde
     * @return the definition
     */
    public static SagaDefinition<OrderPlaced, PlaceOrderData> placeOrder(Myelin shop) {
        var customers = shop.participant(Customer.TYPE);
        var stock = shop.participant(Stock.TYPE);
        var orders = shop.participant(Order.TYPE);
        return SagaDefinition.named("place-order", OrderPlaced.class)
                .from(shop.events(Order.TYPE))
                .sagaId(OrderPlaced::getOrderId)
                .data(PlaceOrderData.class, placed -> new PlaceOrderData(placed.getOrderId(), placed.getCustomerId(),
                        placed.getSku(), placed.getQuantity(), placed.getTotal()))
                // a step with a compensation but nothing to do forward: it gives the saga a place to reject the order
                .step("check-order")
                    .invoke(orders, PlaceOrderData::getOrderId, d -> new CheckOrder(d.getOrderId()))
                    .compensate(d -> new RejectOrder(d.getOrderId()))
                    .timeout(Duration.ofSeconds(30))
                .step("reserve-credit")
                    .invoke(customers, PlaceOrderData::getCustomerId, d -> new ReserveCredit(d.getOrderId(), d.getTotal()))
                    .compensate(d -> new ReleaseCredit(d.getOrderId()))
                    .timeout(Duration.ofSeconds(30))
                .step("reserve-stock")
                    .invoke(stock, PlaceOrderData::getSku, d -> new ReserveStock(d.getOrderId(), d.getQuantity()))
                    .compensate(d -> new ReleaseStock(d.getOrderId()))
                    // a warehouse is the kind of service that goes quiet: ask again, with the same command id
                    .timeout(Duration.ofSeconds(30))
                    .retry(RetryPolicy.attempts(3).backoff(Duration.ofSeconds(1)))
                .step("approve")
                    // the pivot: an approved order stays approved, so this step waits for its answer however long it takes
                    .invoke(orders, PlaceOrderData::getOrderId, d -> new ApproveOrder(d.getOrderId()))
                .build();
    }

    /**
     * Returns the {@code order-dashboard} projection: one view, under {@link #DASHBOARD_KEY}, with the
     * orders by status, the revenue of approved orders and each SKU's stock levels. It reads the order
     * and stock events; one key is enough for a dashboard, and keeps every event of the shop in order.
     *
     * @param shop the application: its aggregates' topics and Avro serdes
     * @return the projection
     */
    public static Projection<String, Dashboard> orderDashboard(Myelin shop) {
        return Projection.named("order-dashboard")
                .from(shop.events(Order.TYPE), shop.events(Stock.TYPE))
                .keyedBy((event, metadata) -> DASHBOARD_KEY, Serdes.String())
                .initially(() -> new Dashboard(Map.of(), 0L, Map.of()), shop.avro(Dashboard.class))
                .on(OrderPlaced.class, (view, placed, metadata) -> orders(view, null, OrderStatus.PENDING, 0))
                .on(OrderApproved.class, (view, approved, metadata) ->
                        orders(view, OrderStatus.PENDING, OrderStatus.APPROVED, approved.getTotal()))
                .on(OrderRejected.class, (view, rejected, metadata) -> orders(view, OrderStatus.PENDING, OrderStatus.REJECTED, 0))
                // stock events carry no SKU: it is the aggregate id
                .on(StockAdded.class, (view, added, metadata) -> stock(view, metadata.aggregateId(), added.getQuantity(), 0))
                .on(StockReserved.class, (view, reserved, metadata) ->
                        stock(view, metadata.aggregateId(), -reserved.getQuantity(), reserved.getQuantity()))
                .on(StockReleased.class, (view, released, metadata) ->
                        stock(view, metadata.aggregateId(), released.getQuantity(), -released.getQuantity()))
                .build();
    }

    /** Moves one order from {@code from} (null for a new order) to {@code to} and adds {@code revenue}. */
    private static Dashboard orders(Dashboard view, OrderStatus from, OrderStatus to, long revenue) {
        Map<String, Long> byStatus = new HashMap<>(view.getOrdersByStatus());
        if (from != null) {
            byStatus.merge(from.name(), -1L, Long::sum);
        }
        byStatus.merge(to.name(), 1L, Long::sum);
        return new Dashboard(byStatus, view.getRevenue() + revenue, view.getStock());
    }

    private static Dashboard stock(Dashboard view, String sku, int availableDelta, int reservedDelta) {
        Map<String, StockLevel> levels = new HashMap<>(view.getStock());
        StockLevel level = levels.getOrDefault(sku, new StockLevel(0, 0));
        levels.put(sku, new StockLevel(level.getAvailable() + availableDelta, level.getReserved() + reservedDelta));
        return new Dashboard(view.getOrdersByStatus(), view.getRevenue(), levels);
    }
}
