package dev.myelin.examples.shop;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * What a run of the shop demo did and found: what {@link ShopDemo} prints, as numbers a test can check.
 *
 * @param orders                 orders placed
 * @param completed              sagas that ended {@code COMPLETED}
 * @param compensated            sagas that ended {@code COMPENSATED}
 * @param failed                 sagas that ended {@code FAILED} (a compensation failed); 0 in a healthy run
 * @param compensatedAtCredit    compensated sagas whose reason is the credit limit
 * @param compensatedAtStock     compensated sagas whose reason is missing stock
 * @param plannedCreditFailures  orders the workload sent to a customer without enough credit
 * @param plannedStockFailures   orders the workload sent for a SKU without enough stock
 * @param expectedRevenue        the sum of the totals of the orders planned to succeed
 * @param compensatedOrders      the ids of the compensated orders
 * @param p50                    the median latency of a {@code PlaceOrder} command, from the order gateway's
 *                               {@code myelin.commands.latency} timer
 * @param p99                    the 99th-percentile latency of a {@code PlaceOrder} command, from the same timer
 * @param firstSagaEnded         how long after the first order the first saga was seen ended
 * @param eventsPerSecond        events written to the three events topics per second of workload
 * @param workload               from the first order sent to the last saga ended
 * @param dashboard              the {@code order-dashboard} view
 * @param stock                  each SKU's state, as its aggregate has it
 * @param customers              each customer's state, as its aggregate has it
 * @param topics                 the application's topics and their committed record counts
 * @param meters                 what Myelin's meters counted
 */
public record ShopSummary(int orders, int completed, int compensated, int failed, int compensatedAtCredit, int compensatedAtStock,
                          int plannedCreditFailures, int plannedStockFailures, long expectedRevenue, Set<String> compensatedOrders,
                          Duration p50, Duration p99, Duration firstSagaEnded, double eventsPerSecond, Duration workload, Dashboard dashboard,
                          Map<String, StockState> stock, Map<String, CustomerState> customers, Map<String, Long> topics,
                          Meters meters) {

    /**
     * What Myelin's meters counted during the run, summed over the aggregate types.
     *
     * @param commandsSent      commands sent through the gateways ({@code myelin.commands.sent})
     * @param commandsAccepted  of those, accepted ({@code myelin.commands.accepted})
     * @param commandsRejected  of those, rejected ({@code myelin.commands.rejected})
     * @param commandsTimedOut  of those, without a result in time ({@code myelin.commands.timeouts})
     * @param eventsAppended    events the event stores appended, the saga's commands' included ({@code myelin.events.appended})
     * @param sagasStarted      place-order sagas started ({@code myelin.sagas.started})
     * @param sagasCompleted    place-order sagas completed ({@code myelin.sagas.completed})
     * @param sagasCompensated  place-order sagas compensated ({@code myelin.sagas.compensated})
     * @param deadLetters       records any runtime dead-lettered, over every dead-letter topic ({@code myelin.dead.letters})
     * @param scrapeUrl         where Prometheus could scrape them while the demo ran
     */
    public record Meters(long commandsSent, long commandsAccepted, long commandsRejected, long commandsTimedOut, long eventsAppended,
                         long sagasStarted, long sagasCompleted, long sagasCompensated, long deadLetters, String scrapeUrl) {
    }
}
