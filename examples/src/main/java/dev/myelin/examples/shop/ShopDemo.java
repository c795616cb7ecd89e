package dev.myelin.examples.shop;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import dev.myelin.application.Myelin;
import dev.myelin.console.ConsoleOptions;
import dev.myelin.console.MyelinConsole;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.EmbeddedSchemaRegistry;
import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.processors.RunningProjection;
import dev.myelin.sagas.SagaDefinition;
import dev.myelin.sagas.SagaRuntime;
import dev.myelin.sagas.SagaState;
import dev.myelin.sagas.SagaStatus;

/**
 * Runs the shop end to end: starts (or connects to) Kafka and a schema registry, starts the three
 * event stores, the place-order saga and the {@code order-dashboard} projection, opens customers
 * and stock, places orders (a planned share of them bound to fail for lack of credit or of stock),
 * waits until every saga has ended, prints a summary and stops everything. The application's
 * {@link MyelinConsole} runs meanwhile, and its URL is printed first.
 *
 * <pre>{@code
 * ShopSummary summary = ShopDemo.run(DemoOptions.parse("--orders", "200"), System.out, false);
 * }</pre>
 */
public final class ShopDemo {
    /** The customer every credit-failing order goes to: its limit is below any order's total. */
    public static final String BROKE_CUSTOMER = "c-broke";
    /** The SKU every stock-failing order asks for: one unit on the shelf, and such orders want two or three. */
    public static final String SOLD_OUT_SKU = "sku-vinyl";

    private static final int CUSTOMERS = 20;
    private static final Map<String, Long> PRICES = prices();
    private static final int IN_FLIGHT = 200;
    /**
     * How many sagas the demo starts with: on a JVM that has just started, everything is still being
     * compiled, and the first orders, placed {@value #IN_FLIGHT} at a time, started hundreds of sagas
     * that moved through their steps together and kept the first one from ending for 6 to 9 seconds.
     * Each saga that ends lets two more start, as a load balancer's slow start treats a cold instance;
     * after that only the orders in flight are limited, so sagas go on in the hundreds.
     */
    private static final int FIRST_WAVE = 4;
    /** How often the demo looks at the running sagas: each look reads every one of them. */
    private static final Duration LOOK_EVERY = Duration.ofMillis(100);
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private ShopDemo() {
    }

    /**
     * Runs the demo and prints what it does and its summary to {@code out}.
     *
     * @param options  what to run
     * @param out      where to print
     * @param terminal whether {@code out} is a terminal (the progress bar then redraws one line)
     * @return the summary
     * @throws IllegalStateException if a command is refused that should not be, or the sagas do not all end in time
     */
    public static ShopSummary run(DemoOptions options, PrintStream out, boolean terminal) throws IOException {
        long started = System.nanoTime();
        boolean embeddedKafka = options.bootstrapServers() == null;
        // try-with-resources skips null resources: what the user gave us is theirs to stop
        // closed last: with --keep-running, a Ctrl+C waits for the cleanup below before the JVM exits
        try (KeepRunning keep = options.keepRunning() ? new KeepRunning() : null;
             EmbeddedKafkaCluster kafka = embeddedKafka ? EmbeddedKafkaCluster.start(1) : null;
             EmbeddedSchemaRegistry embeddedRegistry = options.registryUrl() == null ? EmbeddedSchemaRegistry.start() : null) {
            String servers = embeddedKafka ? kafka.bootstrapServers() : options.bootstrapServers();
            String registryUrl = embeddedRegistry != null ? embeddedRegistry.url() : options.registryUrl();
            out.printf("Kafka %s at %s (%s), schema registry at %s (%s), up in %.1f s%n", EmbeddedKafkaCluster.kafkaVersion(), servers,
                    embeddedKafka ? "embedded KRaft broker" : "given", registryUrl, embeddedRegistry != null ? "embedded Apicurio" : "given",
                    (System.nanoTime() - started) / 1e9);
            // a shared cluster may hold an earlier run's topics: give each run its own, unless asked to reuse an application's
            String application = options.application() != null ? options.application()
                    : embeddedKafka ? "shop" : "shop-" + Long.toString(System.currentTimeMillis(), 36);
            // Kafka Streams warns about state under the OS temp directory (the OS may clean it while a store runs);
            // the demo's state lives under the working directory's target/ and is deleted at the end
            Path state = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "myelin-shop-");
            try {
                return runShop(options, application, servers, registryUrl, state, out, terminal, keep);
            } finally {
                deleteRecursively(state);
            }
        }
    }

    private static ShopSummary runShop(DemoOptions options, String application, String servers, String registryUrl, Path state,
                                       PrintStream out, boolean terminal, KeepRunning keep) throws IOException {
        Myelin.Builder app = Myelin.application(application)
                .bootstrapServers(servers)
                .schemaRegistry(registryUrl)
                .trustedPackages(Shop.RECORDS)
                .stateDirectory(state)
                .partitions(3);
        if (options.commandTimeout() != null) {
            app.property(MyelinConfig.COMMAND_TIMEOUT_MS, options.commandTimeout().toMillis());
        }
        if (brokerCount(servers) < 3) {
            app.singleBrokerDevMode();
        }

        long starting = System.nanoTime();
        String token = accessToken();
        // every runtime counts on one Prometheus registry, served for scraping while the demo runs; the console
        // shows what the application runs as it starts it: open its URL while the orders go through
        try (ShopMetrics metrics = ShopMetrics.serve();
             Myelin shop = app.meterRegistry(metrics.registry()).build();
             MyelinConsole console = MyelinConsole.start(shop, ConsoleOptions.builder().port(options.consolePort())
                     .accessToken(token).build())) {
            // the token is the demo's own, made for this run and shown to whoever started it, as a notebook server does
            out.printf("Myelin Console at %s (this machine only; it stops with the demo)%n", console.url());
            out.printf("Console access token for actions such as redrive (enter it in the page): %s%n", token);
            // each store creates its aggregate's topics; the saga and the projection check theirs exist, so they start last
            EventStore<CustomerState, SpecificRecord, SpecificRecord> customers = shop.eventStore(Customer.TYPE);
            EventStore<StockState, SpecificRecord, SpecificRecord> stock = shop.eventStore(Stock.TYPE);
            EventStore<OrderState, SpecificRecord, SpecificRecord> orders = shop.eventStore(Order.TYPE);
            SagaDefinition<OrderPlaced, PlaceOrderData> placeOrder = Shop.placeOrder(shop);
            SagaRuntime<OrderPlaced, PlaceOrderData> sagas = shop.saga(placeOrder);
            RunningProjection<String, Dashboard> dashboard = shop.projection(Shop.orderDashboard(shop));
            out.printf("Started the customer, stock and order event stores, the place-order saga and the order-dashboard"
                    + " projection in %.1f s%n", (System.nanoTime() - starting) / 1e9);
            out.printf("Prometheus scrape endpoint %s (Myelin's meters and Kafka's own, while the demo runs)%n", metrics.url());

            List<PlaceOrder> plan = plan(options);
            openShop(customers, stock, plan.size(), out);
            Workload workload = placeOrders(plan, orders, sagas, out, terminal);

            ShopSummary summary = summarize(options, application, servers, plan, workload, customers, stock, sagas, dashboard, metrics);
            print(summary, placeOrder, out);
            if (keep != null) {
                out.printf("%nStill running for the Myelin Console at %s; press Ctrl+C to stop.%n", console.url());
                keep.awaitStop();
            }
            return summary;
        }
    }

    /** Plans the orders: which fail, where, and for how much. The same options give the same plan. */
    static List<PlaceOrder> plan(DemoOptions options) {
        int count = options.orders();
        int failures = options.plannedFailures();
        List<String> skus = List.copyOf(PRICES.keySet());
        List<PlaceOrder> plan = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String orderId = String.format("o-%05d", i + 1);
            // spread the failures evenly over the run, alternating credit and stock
            long failuresBefore = (long) i * failures / count;
            boolean fails = (long) (i + 1) * failures / count > failuresBefore;
            int quantity = 1 + i % 3;
            // i / 5 shifts the pattern so that evenly spread failures do not all land on one SKU
            String sku = skus.get((i + i / 5) % (skus.size() - 1));
            if (fails && failuresBefore % 2 == 0) {
                plan.add(new PlaceOrder(orderId, BROKE_CUSTOMER, sku, quantity, quantity * PRICES.get(sku)));
            } else if (fails) {
                plan.add(new PlaceOrder(orderId, customer(i), SOLD_OUT_SKU, 1 + quantity, (1 + quantity) * PRICES.get(SOLD_OUT_SKU)));
            } else {
                plan.add(new PlaceOrder(orderId, customer(i), sku, quantity, quantity * PRICES.get(sku)));
            }
        }
        return plan;
    }

    private static void openShop(EventStore<CustomerState, SpecificRecord, SpecificRecord> customers,
                                 EventStore<StockState, SpecificRecord, SpecificRecord> stock, int orders, PrintStream out) {
        List<CompletableFuture<CommandResult<SpecificRecord>>> opened = new ArrayList<>();
        for (int c = 0; c < CUSTOMERS; c++) {
            opened.add(customers.gateway().send(customer(c), new OpenCustomer(1_000_000_000L)));
        }
        opened.add(customers.gateway().send(BROKE_CUSTOMER, new OpenCustomer(1_000L)));
        for (String sku : PRICES.keySet()) {
            // three units per order and SKU is more than the plan can ever ask for
            opened.add(stock.gateway().send(sku, new AddStock(sku.equals(SOLD_OUT_SKU) ? 1 : 3 * orders)));
        }
        opened.forEach(ShopDemo::requireAccepted);
        out.printf("Opened %d customers (%s cannot afford anything) and %d SKUs (%s has a single unit)%n", CUSTOMERS + 1,
                BROKE_CUSTOMER, PRICES.size(), SOLD_OUT_SKU);
    }

    /**
     * Sends the orders, at most {@value #IN_FLIGHT} at a time and, while the JVM warms up, a few sagas more than have
     * ended (starting with {@value #FIRST_WAVE}), and waits until every saga has ended.
     */
    private static Workload placeOrders(List<PlaceOrder> plan, EventStore<OrderState, SpecificRecord, SpecificRecord> orders,
                                        SagaRuntime<OrderPlaced, PlaceOrderData> sagas, PrintStream out, boolean terminal) {
        out.printf("Placing %d orders; each starts a place-order saga%n", plan.size());
        ConcurrentLinkedQueue<String> refused = new ConcurrentLinkedQueue<>();
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        Set<String> running = new LinkedHashSet<>();
        ProgressBar bar = new ProgressBar(out, plan.size(), terminal);
        long start = System.nanoTime();
        long lastLook = start;
        Duration firstEnded = null;
        for (int i = 0; i < plan.size(); i++) {
            PlaceOrder order = plan.get(i);
            // slow start: on a cold JVM the first sagas would otherwise move through their steps behind hundreds of others
            while (running.size() >= FIRST_WAVE + 2 * (i - running.size())) {
                LockSupport.parkNanos(LOOK_EVERY.toNanos() / 10);
                boolean lookAtAll = System.nanoTime() - lastLook >= LOOK_EVERY.toNanos();
                // in between, the oldest ones, which mostly end first: reading every running saga a hundred times a second
                // would cost the demo a good share of a core
                firstEnded = firstEnded(firstEnded, running.size(), removeEnded(running, sagas, lookAtAll ? Integer.MAX_VALUE : FIRST_WAVE * 2), start);
                if (lookAtAll) {
                    bar.update(i - running.size(), "sagas ended, " + i + " orders placed");
                    lastLook = System.nanoTime();
                }
            }
            inFlight.acquireUninterruptibly();
            orders.gateway().send(order.getOrderId(), order).whenComplete((result, error) -> {
                if (!(result instanceof CommandResult.Accepted)) {
                    refused.add(order.getOrderId() + ": " + (error != null ? error : result));
                }
                inFlight.release();
            });
            running.add(order.getOrderId());
            if (System.nanoTime() - lastLook >= LOOK_EVERY.toNanos()) {
                // ended = placed so far minus those still running; looked at by time, not per order, as each look
                // reads every running saga
                firstEnded = firstEnded(firstEnded, running.size(), removeEnded(running, sagas), start);
                bar.update(i + 1 - running.size(), "sagas ended, " + (i + 1) + " orders placed");
                lastLook = System.nanoTime();
            }
        }
        inFlight.acquireUninterruptibly(IN_FLIGHT);
        if (!refused.isEmpty()) {
            throw new IllegalStateException(refused.size() + " orders were not placed, e.g. " + refused.peek());
        }
        // a generous deadline: 2 cores may need a while, but a stuck saga must not hang the demo forever
        long deadline = System.nanoTime() + PATIENCE.toNanos() + plan.size() * 20_000_000L;
        while (true) {
            firstEnded = firstEnded(firstEnded, running.size(), removeEnded(running, sagas), start);
            if (running.isEmpty()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(running.size() + " sagas did not end in time, e.g. "
                        + running.iterator().next() + ": " + sagas.state(running.iterator().next()));
            }
            bar.update(plan.size() - running.size(), "sagas ended");
            LockSupport.parkNanos(LOOK_EVERY.toNanos());
        }
        bar.finish("sagas ended");
        return new Workload(Duration.ofNanos(System.nanoTime() - start), firstEnded);
    }

    /** Returns when the first saga ended, measured from {@code start}: now, if the last look was the first to see one end. */
    private static Duration firstEnded(Duration known, int runningBefore, int runningAfter, long start) {
        return known != null || runningAfter == runningBefore ? known : Duration.ofNanos(System.nanoTime() - start);
    }

    /** Removes the sagas that have ended from {@code running}; returns how many are left. */
    private static int removeEnded(Set<String> running, SagaRuntime<OrderPlaced, PlaceOrderData> sagas) {
        return removeEnded(running, sagas, Integer.MAX_VALUE);
    }

    /** Removes the sagas that have ended among the first {@code atMost} of {@code running}; returns how many are left. */
    private static int removeEnded(Set<String> running, SagaRuntime<OrderPlaced, PlaceOrderData> sagas, int atMost) {
        int looked = 0;
        for (Iterator<String> it = running.iterator(); it.hasNext() && looked++ < atMost; ) {
            if (sagas.state(it.next()).map(s -> s.status().isFinal()).orElse(false)) {
                it.remove();
            }
        }
        return running.size();
    }

    private static ShopSummary summarize(DemoOptions options, String application, String servers, List<PlaceOrder> plan,
                                         Workload workload, EventStore<CustomerState, SpecificRecord, SpecificRecord> customers,
                                         EventStore<StockState, SpecificRecord, SpecificRecord> stock,
                                         SagaRuntime<OrderPlaced, PlaceOrderData> sagas, RunningProjection<String, Dashboard> dashboard,
                                         ShopMetrics metrics) {
        Map<SagaStatus, Integer> byStatus = new HashMap<>();
        Set<String> compensated = new LinkedHashSet<>();
        int atCredit = 0;
        int atStock = 0;
        int plannedCredit = 0;
        int plannedStock = 0;
        long expectedRevenue = 0;
        for (PlaceOrder order : plan) {
            SagaState<PlaceOrderData> saga = sagas.state(order.getOrderId()).orElseThrow();
            byStatus.merge(saga.status(), 1, Integer::sum);
            if (saga.status() == SagaStatus.COMPENSATED) {
                compensated.add(order.getOrderId());
                atCredit += saga.failureReason().contains("credit limit") ? 1 : 0;
                atStock += saga.failureReason().contains("in stock") ? 1 : 0;
            }
            if (order.getCustomerId().equals(BROKE_CUSTOMER)) {
                plannedCredit++;
            } else if (order.getSku().equals(SOLD_OUT_SKU)) {
                plannedStock++;
            } else {
                expectedRevenue += order.getTotal();
            }
        }

        Map<String, StockState> stockStates = new TreeMap<>();
        PRICES.keySet().forEach(sku -> stockStates.put(sku, stock.state(sku).orElseThrow().state()));
        Map<String, CustomerState> customerStates = new TreeMap<>();
        Stream.concat(Stream.of(BROKE_CUSTOMER), IntStream.range(0, CUSTOMERS).mapToObj(ShopDemo::customer))
                .forEach(c -> customerStates.put(c, customers.state(c).orElseThrow().state()));

        // the sagas have ended, so every order and stock event is committed: let the view catch up with them
        dashboard.awaitCaughtUp(PATIENCE, Duration.ofSeconds(10));
        Dashboard view = awaitView(dashboard, plan.size(), stockStates);

        Map<String, Long> topics = countRecords(servers, application);
        long events = Stream.of("customer", "stock", "order")
                .mapToLong(a -> topics.getOrDefault(AggregateTopics.of(application, a).events(), 0L)).sum();
        return new ShopSummary(plan.size(), byStatus.getOrDefault(SagaStatus.COMPLETED, 0),
                byStatus.getOrDefault(SagaStatus.COMPENSATED, 0), byStatus.getOrDefault(SagaStatus.FAILED, 0), atCredit, atStock,
                plannedCredit, plannedStock, expectedRevenue, compensated, metrics.orderLatency(0.5), metrics.orderLatency(0.99), workload.firstEnded(),
                events / (workload.elapsed().toNanos() / 1e9), workload.elapsed(), view, stockStates, customerStates, topics,
                new ShopSummary.Meters(metrics.commands("myelin.commands.sent"), metrics.commands("myelin.commands.accepted"),
                        metrics.commands("myelin.commands.rejected"), metrics.commands("myelin.commands.timeouts"),
                        metrics.commands("myelin.events.appended"), metrics.sagas("myelin.sagas.started"),
                        metrics.sagas("myelin.sagas.completed"), metrics.sagas("myelin.sagas.compensated"),
                        metrics.commands("myelin.dead.letters"), metrics.url()));
    }

    /**
     * Waits until the view shows every order decided and the stock levels the aggregates have; a view
     * query reads the store before its commit, so this takes a moment at most. Returns the view as it
     * is at the deadline otherwise, and the summary shows the difference.
     */
    private static Dashboard awaitView(RunningProjection<String, Dashboard> dashboard, int orders, Map<String, StockState> stock) {
        Dashboard[] last = new Dashboard[1];
        BooleanSupplier agrees = () -> {
            last[0] = dashboard.query().get(Shop.DASHBOARD_KEY).orElse(null);
            return last[0] != null && viewAgrees(last[0], orders, stock);
        };
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!agrees.getAsBoolean() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
        return last[0] == null ? new Dashboard(Map.of(), 0L, Map.of()) : last[0];
    }

    /** Returns whether the view's orders are all decided and its stock levels are the aggregates'. */
    static boolean viewAgrees(Dashboard view, int orders, Map<String, StockState> stock) {
        Map<String, Long> byStatus = view.getOrdersByStatus();
        boolean ordersDecided = byStatus.getOrDefault(OrderStatus.PENDING.name(), 0L) == 0
                && byStatus.getOrDefault(OrderStatus.APPROVED.name(), 0L) + byStatus.getOrDefault(OrderStatus.REJECTED.name(), 0L) == orders;
        return ordersDecided && stock.entrySet().stream().allMatch(e -> {
            StockLevel level = view.getStock().get(e.getKey());
            int reserved = e.getValue().getReservations().values().stream().mapToInt(Integer::intValue).sum();
            return level != null && level.getAvailable() == e.getValue().getAvailable() && level.getReserved() == reserved;
        });
    }

    private static void print(ShopSummary s, SagaDefinition<OrderPlaced, PlaceOrderData> placeOrder, PrintStream out) {
        out.println();
        out.println("=== Summary ===");
        out.printf("Orders placed        %,d in %.1f s%n", s.orders(), s.workload().toMillis() / 1000.0);
        out.printf("  completed          %,d (credit and stock held, order approved)%n", s.completed());
        out.printf("  compensated        %,d (%,d for lack of credit, %,d for lack of stock; planned %,d + %,d)%n", s.compensated(),
                s.compensatedAtCredit(), s.compensatedAtStock(), s.plannedCreditFailures(), s.plannedStockFailures());
        out.printf("  failed             %,d (a compensation that failed would need a person)%n", s.failed());
        out.printf("PlaceOrder latency   p50 %d ms, p99 %d ms (send to committed result, %d in flight; myelin.commands.latency)%n",
                s.p50().toMillis(), s.p99().toMillis(), IN_FLIGHT);
        ShopSummary.Meters m = s.meters();
        out.printf("Commands             %,d sent, %,d accepted, %,d rejected, %,d timed out through the gateways;"
                + " %,d events appended (myelin.commands.*, myelin.events.appended)%n", m.commandsSent(), m.commandsAccepted(),
                m.commandsRejected(), m.commandsTimedOut(), m.eventsAppended());
        out.printf("Sagas                %,d started, %,d completed, %,d compensated (myelin.sagas.*)%n", m.sagasStarted(),
                m.sagasCompleted(), m.sagasCompensated());
        out.printf("Dead letters         %,d on any dead-letter topic (myelin.dead.letters)%n", m.deadLetters());
        out.printf("First saga ended     %.1f s after the first order (seen within %d ms)%n", s.firstSagaEnded().toMillis() / 1000.0,
                LOOK_EVERY.toMillis());
        out.printf("Throughput           %,.0f events/s written to the customer, stock and order events topics%n", s.eventsPerSecond());
        out.println();
        Dashboard view = s.dashboard();
        out.printf("order-dashboard view (key \"%s\")%n", Shop.DASHBOARD_KEY);
        out.printf("  orders by status   %s%n", new TreeMap<>(view.getOrdersByStatus()));
        out.printf("  revenue            %s (approved orders; the plan expected %s)%n", money(view.getRevenue()), money(s.expectedRevenue()));
        out.printf("  %-18s %10s %10s   %s%n", "stock", "available", "reserved", "the aggregate says");
        new TreeMap<>(view.getStock()).forEach((sku, level) -> {
            StockState truth = s.stock().get(sku);
            int reserved = truth.getReservations().values().stream().mapToInt(Integer::intValue).sum();
            out.printf("  %-18s %,10d %,10d   %,d / %,d%n", sku, level.getAvailable(), level.getReserved(), truth.getAvailable(), reserved);
        });
        long creditHeld = s.customers().values().stream().mapToLong(CustomerState::getReserved).sum();
        out.printf("  credit held        %s by all customers, %s by %s%n", money(creditHeld),
                money(s.customers().get(BROKE_CUSTOMER).getReserved()), BROKE_CUSTOMER);
        out.printf("  the view agrees with the aggregates: %s%n", viewAgrees(view, s.orders(), s.stock()) ? "yes" : "NO");
        out.println();
        out.println("The place-order saga (Mermaid: paste into https://mermaid.live or a Markdown file):");
        out.println("```mermaid");
        out.print(placeOrder.toMermaid().stripTrailing() + "\n");
        out.println("```");
        out.println();
        out.println("Where the data lives (topic: committed records)");
        s.topics().forEach((topic, count) -> out.printf("  %-60s %,10d%n", topic, count));
    }

    /** Counts the committed records of the topics of the shop's application, the projection's included. */
    private static Map<String, Long> countRecords(String servers, String application) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<String, Long> counts = new TreeMap<>();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers));
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(t -> t.startsWith(application + ".") || t.startsWith("order-dashboard."))
                    .sorted().toList();
            for (String topic : topics) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
                long count = 0;
                long deadline = System.nanoTime() + PATIENCE.toNanos();
                while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p)) && System.nanoTime() < deadline) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                    count += records.count();
                }
                counts.put(topic, count);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while counting records", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot list the topics at " + servers + ": " + e, e);
        }
        return counts;
    }

    private static int brokerCount(String servers) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
            return admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reaching " + servers, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka at " + servers + "; check --bootstrap-servers: " + e, e);
        }
    }

    /** A random access token for this run's console: 24 bytes of a secure random, base64url. */
    private static String accessToken() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static void requireAccepted(CompletableFuture<CommandResult<SpecificRecord>> future) {
        CommandResult<SpecificRecord> result;
        try {
            result = future.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("a command did not complete: " + e, e);
        }
        if (!(result instanceof CommandResult.Accepted)) {
            throw new IllegalStateException("a command was not accepted: " + result);
        }
    }

    private static String customer(int i) {
        return String.format("c-%02d", i % CUSTOMERS + 1);
    }

    private static String money(long cents) {
        return String.format("%,d.%02d", cents / 100, cents % 100);
    }

    private static Map<String, Long> prices() {
        // the sold-out SKU comes last: plan() picks ordinary SKUs from all but the last
        Map<String, Long> prices = new LinkedHashMap<>();
        prices.put("sku-book", 3_200L);
        prices.put("sku-cap", 1_800L);
        prices.put("sku-lamp", 4_500L);
        prices.put("sku-mug", 1_200L);
        prices.put("sku-tee", 2_500L);
        prices.put(SOLD_OUT_SKU, 2_900L);
        return prices;
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    /**
     * Holds the demo up after its summary until the JVM is asked to stop (Ctrl+C, SIGTERM); then the
     * demo stops its application and servers and deletes its state, and the JVM exits once that is
     * done (or after half a minute).
     */
    private static final class KeepRunning implements AutoCloseable {
        private final CountDownLatch stopAsked = new CountDownLatch(1);
        private final CountDownLatch cleanedUp = new CountDownLatch(1);

        KeepRunning() {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stopAsked.countDown();
                try {
                    cleanedUp.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "shop-demo-stop"));
        }

        void awaitStop() {
            try {
                stopAsked.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            cleanedUp.countDown();
        }
    }

    /** How long the orders took, and when the first saga ended. */
    private record Workload(Duration elapsed, Duration firstEnded) {
    }
}
