package dev.myelin.benchmarks;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsConfig;

import dev.myelin.application.Myelin;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.examples.shop.AddStock;
import dev.myelin.examples.shop.Customer;
import dev.myelin.examples.shop.OpenCustomer;
import dev.myelin.examples.shop.Order;
import dev.myelin.examples.shop.OrderPlaced;
import dev.myelin.examples.shop.PlaceOrder;
import dev.myelin.examples.shop.PlaceOrderData;
import dev.myelin.examples.shop.Shop;
import dev.myelin.examples.shop.Stock;
import dev.myelin.sagas.SagaHeaders;
import dev.myelin.sagas.SagaRuntime;
import dev.myelin.sagas.SagaTransition;
import dev.myelin.schemas.InMemorySchemaRegistry;

/**
 * The shop example's place-order saga (check the order, reserve credit, reserve stock, approve: four
 * steps across three aggregate types): the first saga after a cold start, throughput, and
 * end-to-end latency at a fixed rate. It wires the shop itself rather than running the shop demo,
 * which also starts a schema registry and a projection and checks its results at length: seconds
 * the smoke run cannot spare, and nothing the figures depend on.
 *
 * <p>A saga counts as ended when its final transition is committed on the saga's log topic, read
 * with {@code read_committed}: what a reader of the log sees, not the runtime's uncommitted store,
 * which may run a commit interval ahead.
 */
final class MyelinSagas implements AutoCloseable {

    /** What the notes say of the commit interval: Myelin's defaults unless the run sets one for every processor. */
    private final String commitInterval;
    static final String BENCHMARK = "Myelin place-order sagas (4 steps)";
    static final String LATENCY = "Myelin place-order saga end to end";
    static final String FIRST = "Myelin first place-order saga after a cold start";
    private static final int CUSTOMERS = 20;
    private static final String SKU = "sku-bench";
    private static final long PRICE = 1_000L;
    /** Credit per customer: enough for any run's orders, so that no saga compensates. */
    private static final long CREDIT = PRICE * 10_000_000L;
    private static final int IN_FLIGHT = 200;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final EventStore<?, SpecificRecord, SpecificRecord> stock;
    private final EventStore<?, SpecificRecord, SpecificRecord> orders;
    /** When each saga's final transition was read from its log, by saga (order) id. */
    private final Map<String, Long> ended = new ConcurrentHashMap<>();
    /** Sagas that ended other than COMPLETED: the workload is built so that none does. */
    private final ConcurrentLinkedQueue<String> failed = new ConcurrentLinkedQueue<>();
    private final Thread logReader;
    private volatile boolean closing;
    private volatile Throwable readerFailure;
    private int nextOrder;

    /**
     * Starts the shop's three event stores, opens the customers, adds stock for the first order and then
     * starts the saga runtime.
     *
     * @param commitIntervalMs the commit interval of every processor, or empty for Myelin's defaults
     *                         (5 ms for an event store, 20 ms for a saga runtime)
     */
    MyelinSagas(EmbeddedKafkaCluster kafka, Path stateDir, OptionalInt commitIntervalMs) throws Exception {
        String application = "bench-shop-" + Long.toString(System.nanoTime() % 1_000_000, 36);
        MyelinConfig.Builder builder = MyelinCommands.configFor(application, kafka).partitions(3);
        commitIntervalMs.ifPresent(ms -> builder.property(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, ms));
        commitInterval = commitIntervalMs.isPresent() ? "commit.interval.ms=" + commitIntervalMs.getAsInt()
                : "Myelin's default commit intervals (event stores 5 ms, saga runtime 20 ms)";
        MyelinConfig config = builder.build();
        Myelin shop = Myelin.application(application).schemaRegistry(new InMemorySchemaRegistry()).trustedPackages(Shop.RECORDS).build();
        Serde<SpecificRecord> avro = shop.avro();
        Path state = Files.createDirectories(stateDir.resolve(application));
        try {
            // the stores create their topics; the saga checks that its trigger topic exists, so it starts last
            EventStore<?, SpecificRecord, SpecificRecord> customers = store(Customer.TYPE, config, avro, state);
            stock = store(Stock.TYPE, config, avro, state);
            orders = store(Order.TYPE, config, avro, state);
            List<CompletableFuture<CommandResult<SpecificRecord>>> opened = new ArrayList<>();
            for (int c = 0; c < CUSTOMERS; c++) {
                opened.add(customers.gateway().send(customer(c), new OpenCustomer(CREDIT)));
            }
            for (CompletableFuture<CommandResult<SpecificRecord>> result : opened) {
                requireAccepted(result.get(2, TimeUnit.MINUTES), "opening the shop");
            }
            addStock(1); // for the first saga, placed as soon as the runtime has started
            SagaRuntime<OrderPlaced, PlaceOrderData> sagas = SagaRuntime.builder(Shop.placeOrder(shop), config)
                    .stateDirectory(state.resolve("saga")).start();
            resources.add(0, sagas);
            KafkaConsumer<byte[], byte[]> log = RawKafka.committedReader(kafka, sagas.topics().log(),
                    Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50));
            logReader = new Thread(() -> readLog(log), "saga-log-reader");
            logReader.setDaemon(true);
            logReader.start();
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /**
     * Places one order as soon as the saga runtime's {@code start()} has returned (the event stores
     * running, the customers open and the stock in) and returns the seconds from placing it to its
     * saga's completion on the log: the demo's "time to first saga end" from a cold start of the
     * runtime, without the demo's dashboard and projection. Call it first.
     */
    Measurement firstSaga() throws Exception {
        long placed = System.nanoTime();
        String orderId = place().get(2, TimeUnit.MINUTES);
        long end = awaitEnded(List.of(orderId), Duration.ofMinutes(2));
        return Measurement.of(FIRST, "s", (end - placed) / 1e9,
                "from placing the first order (as soon as the saga runtime's start() returned; event stores running, customers open) to its saga's"
                        + " COMPLETED on the log, " + commitInterval);
    }

    /** Places {@code count} orders that all succeed, at most {@value #IN_FLIGHT} unanswered, and returns completed sagas/s. */
    Measurement throughput(int count) throws Exception {
        addStock(count);
        long started = System.nanoTime();
        Semaphore window = new Semaphore(IN_FLIGHT);
        List<String> ids = new ArrayList<>();
        List<CompletableFuture<String>> placed = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            window.acquire();
            placed.add(place().whenComplete((id, error) -> window.release()));
        }
        for (CompletableFuture<String> order : placed) {
            ids.add(order.get(2, TimeUnit.MINUTES));
        }
        awaitEnded(ids, Duration.ofMinutes(5));
        double perSecond = count / RawKafka.seconds(started);
        return Measurement.of(BENCHMARK, "sagas/s", perSecond, count + " orders from the first placed to the last saga"
                + " COMPLETED on the log, " + IN_FLIGHT + " orders in flight, shop example, 3 partitions, " + commitInterval);
    }

    /**
     * Places orders at a fixed rate for {@code duration} and returns p50/p99/p999 of the time from
     * each order's scheduled placing to its saga's completion on the log (the first tenth is
     * warm-up). The order's own command is part of it: that is when a shopper clicked.
     */
    List<Measurement> latency(int perSecond, Duration duration, String why) throws Exception {
        long total = perSecond * duration.toSeconds();
        addStock(total);
        Map<String, Long> due = new ConcurrentHashMap<>();
        List<CompletableFuture<String>> placed = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        FixedRate.run(perSecond, total, (i, dueNanos) -> {
            String orderId = orderId(nextOrder);
            due.put(orderId, dueNanos);
            ids.add(orderId);
            placed.add(place());
        });
        for (CompletableFuture<String> order : placed) {
            order.get(2, TimeUnit.MINUTES);
        }
        awaitEnded(ids, Duration.ofMinutes(5));
        // in the order they were placed: Latencies drops the first tenth as warm-up
        Latencies latencies = new Latencies(ids.size());
        for (String id : ids) {
            latencies.add(ended.get(id) - due.get(id));
        }
        return latencies.percentiles(LATENCY, perSecond + " orders/s (" + why + ") for "
                + duration.toSeconds() + " s, from the order's scheduled placing to its saga's COMPLETED on the log,"
                + " " + commitInterval);
    }

    /** Places the next order; completes with its id once the order store accepted it (the saga starts from its event). */
    private CompletableFuture<String> place() {
        String orderId = orderId(nextOrder);
        String customer = customer(nextOrder % CUSTOMERS);
        nextOrder++;
        return orders.gateway().send(orderId, new PlaceOrder(orderId, customer, SKU, 1, PRICE)).thenApply(result -> {
            requireAccepted(result, orderId);
            return orderId;
        });
    }

    private void addStock(long quantity) throws Exception {
        requireAccepted(stock.gateway().send(SKU, new AddStock((int) quantity)).get(2, TimeUnit.MINUTES), "adding stock");
    }

    /** Waits until every saga in {@code ids} has ended on the log; returns when the last did. */
    private long awaitEnded(List<String> ids, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long last = 0;
        for (String id : ids) {
            Long end;
            while ((end = ended.get(id)) == null) {
                if (readerFailure != null) {
                    throw new IllegalStateException("reading the saga log failed", readerFailure);
                }
                if (!failed.isEmpty()) {
                    throw new IllegalStateException("sagas ended other than COMPLETED: " + failed);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("saga " + id + " did not end within " + timeout);
                }
                RawKafka.sleepQuietly(Duration.ofMillis(5));
            }
            last = Math.max(last, end);
        }
        return last;
    }

    private void readLog(KafkaConsumer<byte[], byte[]> log) {
        try (log) {
            while (!closing) {
                for (var entry : log.poll(Duration.ofMillis(50))) {
                    long now = System.nanoTime();
                    Header header = entry.headers().lastHeader(SagaHeaders.TRANSITION);
                    if (header == null) {
                        continue;
                    }
                    SagaTransition transition = SagaTransition.valueOf(new String(header.value(), StandardCharsets.UTF_8));
                    String id = new String(entry.key(), StandardCharsets.UTF_8);
                    switch (transition) {
                        case COMPLETED -> ended.putIfAbsent(id, now);
                        case COMPENSATED, FAILED -> failed.add(id + " " + transition);
                        default -> {
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            if (!closing) {
                readerFailure = e;
            }
        }
    }

    @Override
    public void close() {
        closing = true;
        if (logReader != null) {
            try {
                logReader.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // the saga first, then the stores it talks to
        for (int i = 0; i < resources.size(); i++) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                Benchmarks.progress("closing the shop: " + e);
            }
        }
    }

    private <S> EventStore<S, SpecificRecord, SpecificRecord> store(AggregateType<S, SpecificRecord, SpecificRecord> type,
                                                                 MyelinConfig config, Serde<SpecificRecord> avro, Path state) {
        EventStore<S, SpecificRecord, SpecificRecord> store =
                EventStore.builder(type, config).commandSerde(avro).eventSerde(avro).stateDirectory(state.resolve(type.name())).start();
        resources.add(store);
        return store;
    }

    private static void requireAccepted(CommandResult<SpecificRecord> result, String what) {
        if (!(result instanceof CommandResult.Accepted)) {
            throw new IllegalStateException(what + " was not accepted: " + result);
        }
    }

    private static String orderId(int i) {
        return "o-" + i;
    }

    private static String customer(int i) {
        return "c-" + i;
    }
}
