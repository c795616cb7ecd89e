package dev.myelin.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Runs the shop demo, as the README's first command does, on an embedded broker and an embedded
 * Apicurio Registry with a small workload, and checks its summary against what the aggregates say.
 */
class ShopDemoIT {

    @Test
    void everySagaEndsAsPlannedAndTheDashboardAgreesWithTheAggregates() throws Exception {
        DemoOptions options = DemoOptions.parse("--orders", "200", "--fail-share", "0.2");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        ShopSummary summary = ShopDemo.run(options, new PrintStream(printed, true, StandardCharsets.UTF_8), false);

        // every saga ended, as planned
        assertThat(summary.failed()).isZero();
        assertThat(summary.completed() + summary.compensated()).isEqualTo(200);
        assertThat(summary.compensated()).isEqualTo(options.plannedFailures()).isEqualTo(40);
        assertThat(summary.plannedCreditFailures()).isEqualTo(20);
        assertThat(summary.plannedStockFailures()).isEqualTo(20);
        assertThat(summary.compensatedAtCredit()).isEqualTo(summary.plannedCreditFailures());
        assertThat(summary.compensatedAtStock()).isEqualTo(summary.plannedStockFailures());
        assertThat(summary.compensatedOrders()).hasSize(40);

        // the view says what the aggregates say
        Dashboard view = summary.dashboard();
        assertThat(view.getOrdersByStatus())
                .isEqualTo(Map.of("APPROVED", (long) summary.completed(), "REJECTED", (long) summary.compensated(), "PENDING", 0L));
        assertThat(view.getRevenue()).isEqualTo(summary.expectedRevenue()).isPositive();
        assertThat(view.getStock().keySet()).isEqualTo(summary.stock().keySet());
        summary.stock().forEach((sku, stock) -> {
            assertThat(stock.getReservations().keySet()).as("orders holding %s", sku).doesNotContainAnyElementsOf(summary.compensatedOrders());
            int reserved = stock.getReservations().values().stream().mapToInt(Integer::intValue).sum();
            assertThat(view.getStock().get(sku)).as(sku).isEqualTo(new StockLevel(stock.getAvailable(), reserved));
        });
        assertThat(summary.stock().get(ShopDemo.SOLD_OUT_SKU)).isEqualTo(new StockState(1, Map.of()));

        // credit is held for approved orders only: what a compensation reserved, it released
        long creditHeld = summary.customers().values().stream().mapToLong(CustomerState::getReserved).sum();
        assertThat(creditHeld).isEqualTo(summary.expectedRevenue());
        summary.customers().values().forEach(customer ->
                assertThat(customer.getReservations().keySet()).doesNotContainAnyElementsOf(summary.compensatedOrders()));
        assertThat(summary.customers().get(ShopDemo.BROKE_CUSTOMER).getReserved()).isZero();

        // each order is placed, then approved or rejected: two events per order
        assertThat(summary.topics()).containsEntry("shop.order.events", 400L).containsKey("shop.saga.place-order.log");
        assertThat(summary.p99()).isGreaterThanOrEqualTo(summary.p50()).isPositive();
        // read from the meters: 21 customers and 6 SKUs opened, then the 200 orders, all through the gateways
        ShopSummary.Meters meters = summary.meters();
        assertThat(meters.commandsSent()).isEqualTo(227);
        assertThat(meters.commandsAccepted()).isEqualTo(227);
        assertThat(meters.commandsRejected()).isZero();
        assertThat(meters.commandsTimedOut()).isZero();
        assertThat(meters.sagasStarted()).isGreaterThanOrEqualTo(200);
        assertThat(meters.eventsAppended()).isGreaterThanOrEqualTo(400);
        assertThat(meters.deadLetters()).as("a refused order is compensated, never dead-lettered").isZero();
        assertThat(meters.scrapeUrl()).startsWith("http://127.0.0.1:").endsWith("/metrics");
        assertThat(summary.eventsPerSecond()).isPositive();

        String output = printed.toString(StandardCharsets.UTF_8);
        assertThat(output)
                .contains("compensated        40 (20 for lack of credit, 20 for lack of stock; planned 20 + 20)")
                .contains("Dead letters         0 on any dead-letter topic (myelin.dead.letters)")
                .contains("the view agrees with the aggregates: yes")
                .contains("```mermaid", "check-order", "reserve-credit", "reserve-stock", "approve")
                .contains("shop.order.events")
                .contains("Prometheus scrape endpoint http://127.0.0.1:")
                .contains("227 sent, 227 accepted, 0 rejected")
                .contains("100% 200/200 sagas ended")
                .containsPattern("Myelin Console at http://127\\.0\\.0\\.1:\\d+/")
                .as("not a terminal: one line per redraw").doesNotContain("\r");
    }
}
