package dev.myelin.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.application.Myelin;
import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.AggregateState;
import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.examples.shop.CreditReleased;
import dev.myelin.examples.shop.CreditReserved;
import dev.myelin.examples.shop.Customer;
import dev.myelin.examples.shop.CustomerState;
import dev.myelin.examples.shop.Dashboard;
import dev.myelin.examples.shop.Order;
import dev.myelin.examples.shop.OrderApproved;
import dev.myelin.examples.shop.OrderPlaced;
import dev.myelin.examples.shop.OrderRejected;
import dev.myelin.examples.shop.OrderState;
import dev.myelin.examples.shop.OrderStatus;
import dev.myelin.examples.shop.PlaceOrderData;
import dev.myelin.examples.shop.Shop;
import dev.myelin.examples.shop.Stock;
import dev.myelin.examples.shop.StockAdded;
import dev.myelin.examples.shop.StockLevel;
import dev.myelin.examples.shop.StockReleased;
import dev.myelin.examples.shop.StockReserved;
import dev.myelin.examples.shop.StockState;
import dev.myelin.processors.ProjectionConfig;
import dev.myelin.processors.RunningProjection;
import dev.myelin.reliability.ShopWorkload.Expected;
import dev.myelin.reliability.ShopWorkload.Planned;
import dev.myelin.sagas.SagaRuntime;
import dev.myelin.sagas.SagaState;
import dev.myelin.sagas.SagaStatus;
import dev.myelin.sagas.SagaTopics;
import dev.myelin.schemas.EventMetadata;
import dev.myelin.schemas.InMemorySchemaRegistry;
import dev.myelin.schemas.SchemaRegistry;

/**
 * Broker loss with the whole shop running at once on 3 brokers (replication 3, min.insync.replicas
 * 2): the customer, stock and order event stores, the place-order saga runtime and the
 * {@code order-dashboard} projection, while orders keep being placed. One broker stops for 10
 * seconds and comes back; then the leader of an order-events partition (the saga's trigger and the
 * projection's source) stops. Afterwards every saga must have ended the way its order was planned
 * to, every command of every saga must have been committed exactly as often as the saga log says it
 * was sent and applied exactly once, every aggregate's history must be 1..n and fold to the state its
 * store holds, and the view must equal the fold of the events topics read back committed.
 */
@Tag("reliability")
@MyelinKafka(brokers = 3)
class ShopBrokerLossIT {
    private static final Logger log = LoggerFactory.getLogger(ShopBrokerLossIT.class);
    private static final String SAGA = "place-order";
    private static final Pattern DETAIL = Pattern.compile("\"detail\":\"([^\"]*)\"");
    private static final Pattern AT = Pattern.compile("\"at\":\"([^\"]*)\"");
    private static final Set<String> FINAL = Set.of("COMPLETED", "COMPENSATED", "FAILED");
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(90);

    @Test
    void everySagaEndsAndEveryCommandAndTheViewAreExactAfterABrokerStopsAndThenAPartitionLeaderStops(EmbeddedKafkaCluster kafka,
                                                                                                     @TempDir Path dir) throws Exception {
        String application = ReliabilityApp.newApplicationName("shop-broker-loss");
        MyelinConfig config = ReliabilityApp.config(kafka.bootstrapServers(), application).build();
        assertThat(config.replicationFactor()).isEqualTo(3);
        assertThat(config.minInsyncReplicas()).isEqualTo(2);
        // one JVM, one registry: every component agrees on the schema ids without a registry server
        SchemaRegistry registry = new InMemorySchemaRegistry();
        // the shop's definitions come from an application object; the runtimes are started one by one below, as before
        Myelin shop = Myelin.application(application).schemaRegistry(registry).trustedPackages(Shop.RECORDS).build();
        Serde<SpecificRecord> avro = shop.avro();
        ProjectionConfig projectionConfig = ProjectionConfig.builder().bootstrapServers(kafka.bootstrapServers()).application(application)
                .property(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("dashboard").toString()).build();
        // 25 orders a second keeps every saga's steps flowing through all five Streams applications on 2 shared cores
        ShopWorkload workload = new ShopWorkload("sbl", 25, Duration.ofSeconds(10));

        long starting = System.nanoTime();
        // each store creates its aggregate's topics; the saga runtime and the projection check theirs exist, so they start last
        try (EventStore<CustomerState, SpecificRecord, SpecificRecord> customers = store(Customer.TYPE, config, avro, dir);
             EventStore<StockState, SpecificRecord, SpecificRecord> stock = store(Stock.TYPE, config, avro, dir);
             EventStore<OrderState, SpecificRecord, SpecificRecord> orders = store(Order.TYPE, config, avro, dir);
             SagaRuntime<OrderPlaced, PlaceOrderData> sagas = SagaRuntime.builder(Shop.placeOrder(shop), config)
                     .stateDirectory(dir.resolve("saga")).start();
             RunningProjection<String, Dashboard> dashboard = RunningProjection.start(
                     Shop.orderDashboard(shop), projectionConfig)) {
            dashboard.awaitRunning(Duration.ofSeconds(60));
            workload.openShop(customers.gateway(), stock.gateway());
            log.info("shop started (3 event stores, saga runtime, projection) and opened in {} ms",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - starting));

            String orderEvents = orders.topics().events();
            workload.start(orders.gateway(), 4);
            long brokerDownMillis;
            long leaderDownMillis;
            int leader;
            try {
                // the whole chain works before the first fault: an order placed, its saga through all its steps (on 2 shared
                // cores the saga runtime's first rebalance takes a while; waiting for more would only lengthen the run)
                long warmingUp = System.nanoTime();
                Await.until(Duration.ofSeconds(60), "a saga ended before the faults",
                        () -> ended(sagas, workload.placed().keySet()) >= 1);
                log.info("first saga ended {} ms after the first order; {} orders placed",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - warmingUp), workload.placedCount());

                // 1. a broker that leads nothing in particular: the first one, wherever its replicas are
                // down time from the stop's return to the restart's return, as BrokerLossIT counts it; the controlled shutdown is logged apart
                BrokerFaults.Outage brokerLoss = BrokerFaults.stopFor(kafka, 1, Duration.ofSeconds(10), workload::placedCount);
                brokerDownMillis = brokerLoss.downMillis();
                log.info("broker 1 stopped in {} ms, down for {} ms; {} orders placed from the stop to the restart",
                        brokerLoss.stopMillis(), brokerDownMillis, brokerLoss.progress());
                assertThat(brokerLoss.progress()).as("orders placed while a broker was down (2 of 3 replicas are enough)").isPositive();
                // every topic, internal ones included: a partition left with 2 replicas would lose its majority to the next stop
                long catchingUp = System.nanoTime();
                BrokerFaults.awaitInSync(kafka, BrokerFaults.allTopics(kafka));
                log.info("every partition had 3 in-sync replicas again {} ms after broker 1 restarted",
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - catchingUp));

                // 2. the leader of an order-events partition: what the saga and the projection read, what the order store writes
                leader = BrokerFaults.leaderOf(kafka, orderEvents, 0);
                BrokerFaults.Outage leaderLoss = BrokerFaults.stopFor(kafka, leader, Duration.ofSeconds(8), workload::placedCount);
                leaderDownMillis = leaderLoss.downMillis();
                log.info("leader {} of {}-0 stopped in {} ms, down for {} ms; {} orders placed from the stop to the restart", leader,
                        orderEvents, leaderLoss.stopMillis(), leaderDownMillis, leaderLoss.progress());
                assertThat(leaderLoss.progress()).as("orders placed after the partition leader stopped").isPositive();
            } finally {
                workload.stop();
            }

            Map<String, Planned> placed = workload.placed();
            long draining = System.nanoTime();
            Await.until(Duration.ofSeconds(120), "every one of " + placed.size() + " sagas has ended",
                    () -> ended(sagas, placed.keySet()) == placed.size());
            long drainMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - draining);

            Map<Expected, Integer> outcomes = checkSagasEndedAsPlanned(sagas, placed);
            SagaLog sagaLog = checkSagaLog(kafka, application, placed);
            int sagaCommands = checkSagaCommandsCommittedOncePerSend(kafka, application, placed, sagaLog);
            Map<String, Integer> events = checkEventsAndStores(kafka, avro, customers, stock, orders, placed);
            checkViewEqualsTheFoldOfTheLog(kafka, avro, dashboard, stock.topics().events(), orderEvents);

            log.info("shop broker loss: {} orders placed in {} ms, senders capped at 25/s ({} timeouts, {} send errors retried with the same id, "
                            + "slowest PlaceOrder {} ms); broker 1 down {} ms, leader {} of {}-0 down {} ms; every saga ended {} ms "
                            + "after the last order: {} completed, {} compensated at credit, {} compensated at stock, 0 failed; "
                            + "longest saga {} ms; {} saga commands committed, {} of them resent after a step timeout; events: {}",
                    placed.size(), workload.elapsedMillis(), workload.timeouts(), workload.sendErrors(), workload.slowestMillis(),
                    brokerDownMillis, leader, orderEvents, leaderDownMillis, drainMillis, outcomes.get(Expected.COMPLETED),
                    outcomes.get(Expected.COMPENSATED_AT_CREDIT), outcomes.get(Expected.COMPENSATED_AT_STOCK),
                    sagaLog.longestSagaMillis(), sagaCommands, sagaLog.resends(), events);
        }
    }

    private static <S> EventStore<S, SpecificRecord, SpecificRecord> store(AggregateType<S, SpecificRecord, SpecificRecord> type,
                                                                        MyelinConfig config, Serde<SpecificRecord> avro, Path dir) {
        return EventStore.builder(type, config).commandSerde(avro).eventSerde(avro).stateDirectory(dir.resolve(type.name())).start();
    }

    /** Counts the sagas of {@code orderIds} that have reached a final status, in the runtime's store. */
    private static int ended(SagaRuntime<OrderPlaced, PlaceOrderData> sagas, Set<String> orderIds) {
        return (int) orderIds.stream().filter(id -> sagas.state(id).map(s -> s.status().isFinal()).orElse(false)).count();
    }

    /** Every saga ended as its order was planned: completed, or compensated at the step planned to fail. None failed. */
    private static Map<Expected, Integer> checkSagasEndedAsPlanned(SagaRuntime<OrderPlaced, PlaceOrderData> sagas, Map<String, Planned> placed) {
        Map<Expected, Integer> counts = new TreeMap<>();
        for (Planned planned : placed.values()) {
            SagaState<PlaceOrderData> saga = sagas.state(planned.orderId()).orElseThrow();
            String what = "saga " + planned.orderId() + " (" + saga.failureReason() + ")";
            switch (planned.expected()) {
                case COMPLETED -> assertThat(saga.status()).as(what).isEqualTo(SagaStatus.COMPLETED);
                case COMPENSATED_AT_CREDIT -> {
                    assertThat(saga.status()).as(what).isEqualTo(SagaStatus.COMPENSATED);
                    assertThat(saga.failureReason()).as(what).contains("credit limit");
                }
                case COMPENSATED_AT_STOCK -> {
                    assertThat(saga.status()).as(what).isEqualTo(SagaStatus.COMPENSATED);
                    assertThat(saga.failureReason()).as(what).contains("in stock");
                }
            }
            counts.merge(planned.expected(), 1, Integer::sum);
        }
        return counts;
    }

    /** What the saga log (read committed) says: each send's command id, and how long the longest saga took. */
    private record SagaLog(Map<String, Integer> sendsByCommandId, long longestSagaMillis, long resends) {
    }

    /** Every saga has exactly one final entry on its log, the one its plan calls for, and no saga is on the log that was not placed. */
    private static SagaLog checkSagaLog(EmbeddedKafkaCluster kafka, String application, Map<String, Planned> placed) {
        // the runtime's store may run ahead of its log by a commit: wait for the last final entries to be committed
        String logTopic = SagaTopics.of(application, SAGA).log();
        Map<String, List<String>> finals = new HashMap<>();
        AtomicReference<List<ConsumerRecord<String, byte[]>>> entries = new AtomicReference<>();
        Await.until(Duration.ofSeconds(60), "every saga's final entry is committed to " + logTopic, () -> {
            entries.set(kafka.readAll(logTopic, new StringDeserializer(), new ByteArrayDeserializer(), READ_TIMEOUT));
            finals.clear();
            for (ConsumerRecord<String, byte[]> entry : entries.get()) {
                String transition = header(entry, "myelin.saga.transition");
                if (FINAL.contains(transition)) {
                    finals.computeIfAbsent(entry.key(), k -> new ArrayList<>()).add(transition);
                }
            }
            return finals.size() >= placed.size();
        });
        assertThat(finals.keySet()).as("sagas with a final entry on the log").isEqualTo(placed.keySet());
        placed.values().forEach(planned -> assertThat(finals.get(planned.orderId())).as("final entries of saga %s", planned.orderId())
                .containsExactly(planned.expected() == Expected.COMPLETED ? "COMPLETED" : "COMPENSATED"));

        Map<String, Integer> sends = new HashMap<>();
        Map<String, Instant> startedAt = new HashMap<>();
        long longest = 0;
        long resends = 0;
        for (ConsumerRecord<String, byte[]> entry : entries.get()) {
            String transition = header(entry, "myelin.saga.transition");
            String json = new String(entry.value(), StandardCharsets.UTF_8);
            if (transition.equals("STEP_SENT") || transition.equals("COMPENSATION_SENT")) {
                // the detail of a send is the command id it carried
                if (sends.merge(group(DETAIL, json), 1, Integer::sum) > 1) {
                    resends++;
                }
            } else if (transition.equals("STARTED")) {
                startedAt.put(entry.key(), Instant.parse(group(AT, json)));
            } else if (FINAL.contains(transition)) {
                longest = Math.max(longest, Duration.between(startedAt.get(entry.key()), Instant.parse(group(AT, json))).toMillis());
            }
        }
        return new SagaLog(sends, longest, resends);
    }

    /**
     * The saga's sends are exactly once on Kafka's side: each command id is on the commands topics
     * (read committed) exactly as many times as the saga log has a send of it, although the faults
     * aborted transactions. The aggregates would hide a doubled command (they remember reservations
     * per order), so the topics themselves are counted. The ids are the ones the plan calls for.
     *
     * @return how many saga commands were committed
     */
    private static int checkSagaCommandsCommittedOncePerSend(EmbeddedKafkaCluster kafka, String application,
                                                             Map<String, Planned> placed, SagaLog sagaLog) {
        Map<String, Integer> committed = new HashMap<>();
        for (String aggregate : List.of("customer", "stock", "order")) {
            for (ConsumerRecord<String, byte[]> command : kafka.readAll(AggregateTopics.of(application, aggregate).commands(),
                    new StringDeserializer(), new ByteArrayDeserializer(), READ_TIMEOUT)) {
                String commandId = header(command, CommandHeaders.COMMAND_ID);
                if (commandId != null && commandId.startsWith("saga:" + SAGA + ":")) {
                    committed.merge(commandId, 1, Integer::sum);
                }
            }
        }
        assertThat(committed).as("saga commands on the commands topics, per command id, against the sends on the saga log")
                .isEqualTo(sagaLog.sendsByCommandId());
        Set<String> expected = new HashSet<>();
        placed.values().forEach(planned -> expected.addAll(expectedSagaCommands(planned)));
        assertThat(committed.keySet()).as("the saga commands the plan calls for").isEqualTo(expected);
        return committed.values().stream().mapToInt(Integer::intValue).sum();
    }

    private static List<String> expectedSagaCommands(Planned planned) {
        String id = planned.orderId();
        return switch (planned.expected()) {
            case COMPLETED -> List.of(invoke("check-order", id), invoke("reserve-credit", id), invoke("reserve-stock", id), invoke("approve", id));
            case COMPENSATED_AT_CREDIT -> List.of(invoke("check-order", id), invoke("reserve-credit", id), compensate("check-order", id));
            case COMPENSATED_AT_STOCK -> List.of(invoke("check-order", id), invoke("reserve-credit", id), invoke("reserve-stock", id),
                    compensate("reserve-credit", id), compensate("check-order", id));
        };
    }

    private static String invoke(String step, String orderId) {
        return "saga:" + SAGA + ":i:" + step + ":" + orderId;
    }

    private static String compensate(String step, String orderId) {
        return "saga:" + SAGA + ":c:" + step + ":" + orderId;
    }

    /**
     * Reads the three events topics back (read committed) and checks: event ids and the command ids
     * behind events are unique (no command applied twice); every aggregate's history is sequences
     * 1..n and folds to the state and version its store holds; each order caused exactly the events
     * its plan calls for, each named after the command that caused it; and the sums add up (stock
     * and credit held are exactly those of the completed orders).
     *
     * @return the number of events per topic
     */
    private static Map<String, Integer> checkEventsAndStores(EmbeddedKafkaCluster kafka, Serde<SpecificRecord> avro,
                                                             EventStore<CustomerState, SpecificRecord, SpecificRecord> customers,
                                                             EventStore<StockState, SpecificRecord, SpecificRecord> stock,
                                                             EventStore<OrderState, SpecificRecord, SpecificRecord> orders,
                                                             Map<String, Planned> placed) {
        Set<String> eventIds = new HashSet<>();
        Set<String> commandIds = new HashSet<>();
        Map<String, List<String>> byOrder = new TreeMap<>();
        Map<String, Integer> counts = new TreeMap<>();
        for (String topic : List.of(orders.topics().events(), customers.topics().events(), stock.topics().events())) {
            List<ConsumerRecord<String, byte[]>> records = kafka.readAll(topic, new StringDeserializer(), new ByteArrayDeserializer(),
                    READ_TIMEOUT);
            counts.put(topic, records.size());
            for (ConsumerRecord<String, byte[]> record : records) {
                EventMetadata metadata = EventMetadata.readFrom(record.headers());
                assertThat(eventIds.add(metadata.eventId())).as("event id %s appears once", metadata.eventId()).isTrue();
                assertThat(commandIds.add(metadata.commandId())).as("command %s caused one event", metadata.commandId()).isTrue();
                SpecificRecord event = avro.deserializer().deserialize(topic, record.value());
                String orderId = orderIdOf(event, metadata);
                if (orderId != null) {
                    byOrder.computeIfAbsent(orderId, k -> new ArrayList<>())
                            .add(event.getSchema().getName() + " by " + metadata.commandId());
                }
            }
            if (topic.equals(orders.topics().events())) {
                checkHistories(topic, records, avro, Order.TYPE, orders);
            } else if (topic.equals(customers.topics().events())) {
                checkHistories(topic, records, avro, Customer.TYPE, customers);
            } else {
                checkHistories(topic, records, avro, Stock.TYPE, stock);
            }
        }

        assertThat(byOrder.keySet()).as("orders with events").isEqualTo(placed.keySet());
        placed.values().forEach(planned -> assertThat(byOrder.get(planned.orderId())).as("events caused by order %s", planned.orderId())
                .containsExactlyElementsOf(expectedEvents(planned)));

        for (String sku : ShopWorkload.PRICES.keySet()) {
            Map<String, Integer> held = new HashMap<>();
            placed.values().stream().filter(p -> p.expected() == Expected.COMPLETED && p.order().getSku().equals(sku))
                    .forEach(p -> held.put(p.orderId(), p.order().getQuantity()));
            StockState state = stock.state(sku).orElseThrow().state();
            int added = sku.equals(ShopWorkload.SOLD_OUT_SKU) ? 1 : ShopWorkload.UNITS_PER_SKU;
            assertThat(state.getReservations()).as("units of %s held, per order: those of its completed orders", sku).isEqualTo(held);
            assertThat(state.getAvailable()).as("units of %s available", sku)
                    .isEqualTo(added - held.values().stream().mapToInt(Integer::intValue).sum());
        }
        for (String customer : customerIds()) {
            Map<String, Long> held = new HashMap<>();
            placed.values().stream().filter(p -> p.expected() == Expected.COMPLETED && p.order().getCustomerId().equals(customer))
                    .forEach(p -> held.put(p.orderId(), p.order().getTotal()));
            CustomerState state = customers.state(customer).orElseThrow().state();
            assertThat(state.getReservations()).as("credit of %s held, per order: that of its completed orders", customer).isEqualTo(held);
            assertThat(state.getReserved()).as("credit of %s held", customer).isEqualTo(held.values().stream().mapToLong(Long::longValue).sum());
        }
        return counts;
    }

    private static List<String> customerIds() {
        List<String> ids = new ArrayList<>();
        for (int c = 0; c < ShopWorkload.CUSTOMERS; c++) {
            ids.add(ShopWorkload.customer(c));
        }
        ids.add(ShopWorkload.BROKE_CUSTOMER);
        return ids;
    }

    /** The order an event belongs to: the aggregate id on the order topic, a field on the others; null for set-up events. */
    private static String orderIdOf(SpecificRecord event, EventMetadata metadata) {
        if (event instanceof OrderPlaced || event instanceof OrderApproved || event instanceof OrderRejected) {
            return metadata.aggregateId();
        }
        if (event instanceof CreditReserved reserved) {
            return reserved.getOrderId();
        }
        if (event instanceof CreditReleased released) {
            return released.getOrderId();
        }
        if (event instanceof StockReserved reserved) {
            return reserved.getOrderId();
        }
        if (event instanceof StockReleased released) {
            return released.getOrderId();
        }
        return null;
    }

    /** The events an order must cause, in topic order (order, customer, stock), each with the command that caused it. */
    private static List<String> expectedEvents(Planned planned) {
        String id = planned.orderId();
        String placedBy = "OrderPlaced by place-" + id;
        return switch (planned.expected()) {
            case COMPLETED -> List.of(placedBy, "OrderApproved by " + invoke("approve", id), "CreditReserved by " + invoke("reserve-credit", id),
                    "StockReserved by " + invoke("reserve-stock", id));
            case COMPENSATED_AT_CREDIT -> List.of(placedBy, "OrderRejected by " + compensate("check-order", id));
            case COMPENSATED_AT_STOCK -> List.of(placedBy, "OrderRejected by " + compensate("check-order", id),
                    "CreditReserved by " + invoke("reserve-credit", id), "CreditReleased by " + compensate("reserve-credit", id));
        };
    }

    /** Every aggregate on {@code topic} has sequences 1..n, and its fold is the state and version its store holds. */
    private static <S> void checkHistories(String topic, List<ConsumerRecord<String, byte[]>> records, Serde<SpecificRecord> avro,
                                           AggregateType<S, SpecificRecord, SpecificRecord> type,
                                           EventStore<S, SpecificRecord, SpecificRecord> store) {
        Map<String, TreeMap<Long, SpecificRecord>> histories = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            EventMetadata metadata = EventMetadata.readFrom(record.headers());
            SpecificRecord before = histories.computeIfAbsent(metadata.aggregateId(), k -> new TreeMap<>())
                    .put(metadata.sequence(), avro.deserializer().deserialize(topic, record.value()));
            assertThat(before).as("%s has one event at sequence %s", metadata.aggregateId(), metadata.sequence()).isNull();
        }
        histories.forEach((aggregateId, history) -> {
            assertThat(history.keySet()).as("sequences of %s on %s", aggregateId, topic)
                    .containsExactly(LongStream.rangeClosed(1, history.size()).boxed().toArray(Long[]::new));
            S folded = type.initialState();
            for (SpecificRecord event : history.values()) {
                folded = type.evolve(folded, event);
            }
            AggregateState<S> held = store.state(aggregateId).orElseThrow();
            assertThat(held.state()).as("the store's state of %s equals the fold of its history", aggregateId).isEqualTo(folded);
            assertThat(held.version()).as("version of %s", aggregateId).isEqualTo(history.size());
        });
    }

    /**
     * The projection's view equals the fold of the order and stock events topics read back committed:
     * no event was lost or counted twice by the projection across the faults. The fold is computed
     * here, independently of the projection's handlers.
     */
    private static void checkViewEqualsTheFoldOfTheLog(EmbeddedKafkaCluster kafka, Serde<SpecificRecord> avro,
                                                       RunningProjection<String, Dashboard> dashboard, String stockEvents,
                                                       String orderEvents) {
        Map<String, Long> byStatus = new HashMap<>();
        long revenue = 0;
        Map<String, StockLevel> levels = new HashMap<>();
        for (String topic : List.of(orderEvents, stockEvents)) {
            for (ConsumerRecord<String, byte[]> record : kafka.readAll(topic, new StringDeserializer(), new ByteArrayDeserializer(),
                    READ_TIMEOUT)) {
                SpecificRecord event = avro.deserializer().deserialize(topic, record.value());
                String sku = EventMetadata.readFrom(record.headers()).aggregateId();
                if (event instanceof OrderPlaced) {
                    byStatus.merge(OrderStatus.PENDING.name(), 1L, Long::sum);
                } else if (event instanceof OrderApproved approved) {
                    byStatus.merge(OrderStatus.PENDING.name(), -1L, Long::sum);
                    byStatus.merge(OrderStatus.APPROVED.name(), 1L, Long::sum);
                    revenue += approved.getTotal();
                } else if (event instanceof OrderRejected) {
                    byStatus.merge(OrderStatus.PENDING.name(), -1L, Long::sum);
                    byStatus.merge(OrderStatus.REJECTED.name(), 1L, Long::sum);
                } else if (event instanceof StockAdded added) {
                    levels.merge(sku, new StockLevel(added.getQuantity(), 0), ShopBrokerLossIT::sum);
                } else if (event instanceof StockReserved reserved) {
                    levels.merge(sku, new StockLevel(-reserved.getQuantity(), reserved.getQuantity()), ShopBrokerLossIT::sum);
                } else if (event instanceof StockReleased released) {
                    levels.merge(sku, new StockLevel(released.getQuantity(), -released.getQuantity()), ShopBrokerLossIT::sum);
                }
            }
        }
        Dashboard folded = new Dashboard(byStatus, revenue, levels);
        assertThat(byStatus.get(OrderStatus.PENDING.name())).as("orders still pending in the fold").isZero();

        dashboard.awaitCaughtUp(Duration.ofSeconds(60), Duration.ofSeconds(10));
        // caught up means processed; a query reads the store, which the last commit may still be settling
        Dashboard[] view = new Dashboard[1];
        try {
            Await.until(Duration.ofSeconds(30), "the order-dashboard view equals the fold of the log", () -> {
                view[0] = dashboard.query().get(Shop.DASHBOARD_KEY).orElse(null);
                return folded.equals(view[0]);
            });
        } catch (AssertionError e) {
            assertThat(view[0]).as("the order-dashboard view against the fold of the events topics").isEqualTo(folded);
        }
        log.info("order-dashboard view equals the fold of the log: orders by status {}, revenue {}, stock {}",
                new TreeMap<>(folded.getOrdersByStatus()), folded.getRevenue(),
                new TreeMap<>(folded.getStock()).entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue().getAvailable() + "/" + e.getValue().getReserved())
                        .collect(Collectors.joining(", ")));
    }

    private static StockLevel sum(StockLevel a, StockLevel b) {
        return new StockLevel(a.getAvailable() + b.getAvailable(), a.getReserved() + b.getReserved());
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String group(Pattern pattern, String json) {
        Matcher matcher = pattern.matcher(json);
        if (!matcher.find()) {
            throw new AssertionError("no " + pattern + " in saga log entry " + json);
        }
        return matcher.group(1);
    }
}
