package dev.myelin.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.CommandGateway;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.CommandTimeoutException;
import dev.myelin.eventstore.SendOptions;
import dev.myelin.examples.shop.AddStock;
import dev.myelin.examples.shop.OpenCustomer;
import dev.myelin.examples.shop.PlaceOrder;

/**
 * The shop workload of the fault tests: sender threads place orders at a fixed rate, each order
 * starting a place-order saga. Which way each saga must end is known in advance: every tenth order
 * goes to a customer whose credit limit is below any order's total (compensated at the credit
 * step), every tenth another asks for more of a SKU than its single unit (compensated at the stock
 * step), the rest have credit and stock to spare (completed). A timeout or a failed send is retried
 * with the same command id, as in {@link BankWorkload}.
 */
final class ShopWorkload {
    private static final Logger log = LoggerFactory.getLogger(ShopWorkload.class);
    /** How long one order may keep being retried before the run counts it as lost. */
    private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(120);

    static final String BROKE_CUSTOMER = "c-broke";
    static final String SOLD_OUT_SKU = "sku-vinyl";
    static final int UNITS_PER_SKU = 1_000_000;
    static final long CREDIT_LIMIT = 1_000_000_000_000L;
    static final int CUSTOMERS = 10;
    /** Prices in cents; the broke customer's limit is below the cheapest. */
    static final Map<String, Long> PRICES = prices();
    private static final long BROKE_CREDIT_LIMIT = 1_000L;

    /** How a saga must end. */
    enum Expected { COMPLETED, COMPENSATED_AT_CREDIT, COMPENSATED_AT_STOCK }

    /** One order and the way its saga must end. */
    record Planned(PlaceOrder order, Expected expected) {
        String orderId() {
            return order.getOrderId();
        }
    }

    private final String runId;
    private final Duration interval;
    private final Duration commandTimeout;
    private final Map<String, Planned> placed = new ConcurrentHashMap<>();
    private final List<String> lost = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong sendErrors = new AtomicLong();
    private final AtomicLong slowestNanos = new AtomicLong();
    private final Map<String, String> errorSamples = new ConcurrentHashMap<>();
    private volatile boolean stopping;
    private ExecutorService pool;
    private final List<Future<?>> senders = new ArrayList<>();
    private long startedNanos;
    private long elapsedMillis;

    /**
     * @param ordersPerSecond the rate the senders keep to, so the sagas' backlog stays bounded on a small machine
     */
    ShopWorkload(String runId, int ordersPerSecond, Duration commandTimeout) {
        this.runId = runId;
        this.interval = Duration.ofNanos(1_000_000_000L / ordersPerSecond);
        this.commandTimeout = commandTimeout;
    }

    static String customer(int index) {
        return String.format("c-%02d", index);
    }

    /** Returns order {@code index} of the plan: the same index gives the same order in every run. */
    static Planned plan(String runId, int index) {
        String orderId = runId + "-o-" + index;
        List<String> skus = List.copyOf(PRICES.keySet());
        int quantity = 1 + index % 3;
        String sku = skus.get(index % (skus.size() - 1)); // the sold-out SKU is last and never ordered by chance
        String customer = customer(index % CUSTOMERS);
        Expected expected = Expected.COMPLETED;
        if (index % 10 == 3) {
            customer = BROKE_CUSTOMER;
            expected = Expected.COMPENSATED_AT_CREDIT;
        } else if (index % 10 == 7) {
            sku = SOLD_OUT_SKU;
            quantity = 2 + index % 2;
            expected = Expected.COMPENSATED_AT_STOCK;
        }
        return new Planned(new PlaceOrder(orderId, customer, sku, quantity, quantity * PRICES.get(sku)), expected);
    }

    /** Opens the customers and fills the shelves, each command retried with its id until accepted. */
    void openShop(CommandGateway<SpecificRecord, SpecificRecord> customers, CommandGateway<SpecificRecord, SpecificRecord> stock) {
        for (int c = 0; c < CUSTOMERS; c++) {
            requireAccepted(sendUntilAnswered(customers, customer(c), new OpenCustomer(CREDIT_LIMIT), runId + "-open-" + customer(c)));
        }
        requireAccepted(sendUntilAnswered(customers, BROKE_CUSTOMER, new OpenCustomer(BROKE_CREDIT_LIMIT), runId + "-open-broke"));
        for (String sku : PRICES.keySet()) {
            requireAccepted(sendUntilAnswered(stock, sku, new AddStock(sku.equals(SOLD_OUT_SKU) ? 1 : UNITS_PER_SKU), runId + "-add-" + sku));
        }
    }

    private static void requireAccepted(CommandResult<SpecificRecord> result) {
        assertThat(result).isInstanceOf(CommandResult.Accepted.class);
    }

    /** Starts {@code threads} senders that place the planned orders in turn, one every interval, until {@link #stop()}. */
    void start(CommandGateway<SpecificRecord, SpecificRecord> orders, int threads) {
        pool = Executors.newFixedThreadPool(threads);
        startedNanos = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            senders.add(pool.submit(() -> {
                while (!stopping) {
                    int index = next.getAndIncrement();
                    // pacing, not a wait for Kafka: order i is due i intervals after the start; a sender that fell
                    // behind during a fault sends at once and catches up
                    long due = startedNanos + index * interval.toNanos();
                    LockSupport.parkNanos(due - System.nanoTime());
                    if (stopping) {
                        return null;
                    }
                    Planned planned = plan(runId, index);
                    long began = System.nanoTime();
                    CommandResult<SpecificRecord> result = sendUntilAnswered(orders, planned.orderId(), planned.order(),
                            "place-" + planned.orderId());
                    if (result == null) {
                        synchronized (lost) {
                            lost.add(planned.orderId());
                        }
                        continue;
                    }
                    assertThat(result).as("placing %s", planned.orderId()).isInstanceOf(CommandResult.Accepted.class);
                    assertThat(((CommandResult.Accepted<SpecificRecord>) result).newVersion()).as("version of new order %s",
                            planned.orderId()).isEqualTo(1L);
                    slowestNanos.accumulateAndGet(System.nanoTime() - began, Math::max);
                    placed.put(planned.orderId(), planned);
                }
                return null;
            }));
        }
    }

    /** Lets the senders finish the order at hand and waits for them. */
    void stop() throws Exception {
        stopping = true;
        for (Future<?> sender : senders) {
            sender.get(GIVE_UP_AFTER.toSeconds() + 60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
        log.info("shop workload {}: {} orders placed in {} ms, {} timeouts and {} send errors retried with the same id; "
                        + "slowest PlaceOrder {} ms; lost: {}; error samples: {}", runId, placed.size(), elapsedMillis, timeouts.get(),
                sendErrors.get(), TimeUnit.NANOSECONDS.toMillis(slowestNanos.get()), lost, errorSamples.values());
        assertThat(lost).as("orders that never got a result within " + GIVE_UP_AFTER).isEmpty();
    }

    /** Returns the orders whose placement was accepted, by order id, in placing order. */
    Map<String, Planned> placed() {
        Map<String, Planned> byId = new LinkedHashMap<>();
        placed.values().stream().sorted((a, b) -> a.orderId().compareTo(b.orderId())).forEach(p -> byId.put(p.orderId(), p));
        return byId;
    }

    int placedCount() {
        return placed.size();
    }

    long timeouts() {
        return timeouts.get();
    }

    long sendErrors() {
        return sendErrors.get();
    }

    long slowestMillis() {
        return TimeUnit.NANOSECONDS.toMillis(slowestNanos.get());
    }

    long elapsedMillis() {
        return elapsedMillis;
    }

    /** Sends until an answer comes, retrying timeouts and failed sends with the same id; null when none came in time. */
    private CommandResult<SpecificRecord> sendUntilAnswered(CommandGateway<SpecificRecord, SpecificRecord> gateway, String aggregateId,
                                                           SpecificRecord command, String commandId) {
        long giveUp = System.nanoTime() + GIVE_UP_AFTER.toNanos();
        SendOptions options = SendOptions.defaults().withCommandId(commandId).withTimeout(commandTimeout);
        while (System.nanoTime() < giveUp) {
            CompletableFuture<CommandResult<SpecificRecord>> future = gateway.send(aggregateId, command, options);
            try {
                return future.get(commandTimeout.toMillis() + 10_000, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof CommandTimeoutException timeout) {
                    assertThat(timeout.commandId()).isEqualTo(commandId);
                    timeouts.incrementAndGet();
                    errorSamples.putIfAbsent("timeout", timeout.getMessage());
                } else {
                    sendErrors.incrementAndGet();
                    errorSamples.putIfAbsent(e.getCause().getClass().getSimpleName(), String.valueOf(e.getCause()));
                    // a bounded back-off between retries of a failed send, not a wait for Kafka to reach a state
                    LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
                }
            } catch (TimeoutException e) {
                throw new AssertionError("the gateway's own timeout of " + commandTimeout + " did not fire for " + commandId, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
        return null;
    }

    private static Map<String, Long> prices() {
        // the sold-out SKU comes last: plan() picks ordinary SKUs from all but the last
        Map<String, Long> prices = new LinkedHashMap<>();
        prices.put("sku-book", 3_200L);
        prices.put("sku-cap", 1_800L);
        prices.put("sku-lamp", 4_500L);
        prices.put("sku-mug", 1_200L);
        prices.put(SOLD_OUT_SKU, 2_900L);
        return prices;
    }
}
