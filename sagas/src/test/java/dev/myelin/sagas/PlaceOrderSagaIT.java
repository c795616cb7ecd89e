package dev.myelin.sagas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.AggregateState;
import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.sagas.shop.AddStock;
import dev.myelin.sagas.shop.CustomerState;
import dev.myelin.sagas.shop.OpenCustomer;
import dev.myelin.sagas.shop.OrderPlaced;
import dev.myelin.sagas.shop.OrderState;
import dev.myelin.sagas.shop.PlaceOrder;
import dev.myelin.sagas.shop.PlaceOrderData;
import dev.myelin.sagas.shop.Shop;
import dev.myelin.sagas.shop.StockState;
import dev.myelin.schemas.InMemorySchemaRegistry;

/**
 * The order saga end to end on a real broker, across three real aggregate types run by the event
 * store: nothing here is mocked, and every participant is a plain Myelin aggregate that knows nothing
 * about sagas.
 */
@MyelinKafka(brokers = 1, shared = true)
class PlaceOrderSagaIT {
    private static final Serde<SpecificRecord> AVRO = Shop.avro(new InMemorySchemaRegistry());
    private static final AtomicInteger APPS = new AtomicInteger();
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    @Test
    void everyOrderEndsCompletedOrCompensatedAndTheAggregatesAgree(EmbeddedKafkaCluster kafka, @TempDir Path dir) {
        MyelinConfig config = config(kafka);
        int orders = 1_000;
        try (RunningShop shop = RunningShop.start(config, dir)) {
            EventStore<CustomerState, SpecificRecord, SpecificRecord> customers = shop.customers();
            EventStore<StockState, SpecificRecord, SpecificRecord> stock = shop.stock();
            EventStore<OrderState, SpecificRecord, SpecificRecord> orderStore = shop.orders();
            SagaRuntime<OrderPlaced, PlaceOrderData> runtime = shop.runtime();

            Await.join(customers.gateway().send("c-rich", new OpenCustomer(1_000_000L)));
            Await.join(stock.gateway().send("sku-plenty", new AddStock(10_000)));
            // c-poor has no credit at all and sku-none no stock: they fail at step 1 and at step 2

            Map<String, String> expected = new HashMap<>();
            List<CompletableFuture<CommandResult<SpecificRecord>>> placed = new ArrayList<>();
            for (int i = 0; i < orders; i++) {
                String orderId = "o-" + i;
                String customer = i % 10 == 0 ? "c-poor" : "c-rich";
                String sku = i % 10 == 1 ? "sku-none" : "sku-plenty";
                expected.put(orderId, i % 10 <= 1 ? "COMPENSATED" : "COMPLETED");
                placed.add(orderStore.gateway().send(orderId, new PlaceOrder(orderId, customer, sku, 1 + i % 3, 10L + i)));
            }
            placed.forEach(f -> assertThat(Await.join(f)).isInstanceOf(CommandResult.Accepted.class));

            Await.until(PATIENCE, "every saga has ended", () -> expected.keySet().stream()
                    .allMatch(id -> runtime.state(id).map(s -> s.status().isFinal()).orElse(false)));

            long creditReserved = 0;
            int stockReserved = 0;
            Set<String> completed = new HashSet<>();
            for (int i = 0; i < orders; i++) {
                String orderId = "o-" + i;
                SagaState<PlaceOrderData> saga = runtime.state(orderId).orElseThrow();
                assertThat(saga.status().name()).as("saga %s (%s)", orderId, saga.failureReason()).isEqualTo(expected.get(orderId));
                OrderState order = orderStore.state(orderId).orElseThrow().state();
                if (saga.status() == SagaStatus.COMPLETED) {
                    completed.add(orderId);
                    creditReserved += 10L + i;
                    stockReserved += 1 + i % 3;
                    assertThat(order.getStatus()).as("order %s", orderId).isEqualTo("APPROVED");
                } else {
                    assertThat(order.getStatus()).as("order %s", orderId).isEqualTo("PENDING");
                    assertThat(saga.failureReason()).contains(i % 10 == 0 ? "credit limit" : "in stock");
                }
            }
            assertThat(completed).hasSize(orders * 8 / 10);

            CustomerState rich = customers.state("c-rich").orElseThrow().state();
            assertThat(rich.getReservations().keySet()).as("credit held by c-rich").isEqualTo(completed);
            assertThat(rich.getReserved()).isEqualTo(creditReserved);
            assertThat(customers.state("c-poor")).as("c-poor never had anything reserved").isEmpty();
            StockState plenty = stock.state("sku-plenty").orElseThrow().state();
            assertThat(plenty.getReservations().keySet()).as("stock reserved for").isEqualTo(completed);
            assertThat(plenty.getAvailable()).isEqualTo(10_000 - stockReserved);
            assertThat(stock.state("sku-none")).as("nothing was ever reserved from sku-none").isEmpty();

            // each order's credit was reserved at most once and released at most once: the aggregate's history says so
            Optional<AggregateState<CustomerState>> richState = customers.state("c-rich");
            int reservedOrReleasedOrdersOnStep2 = orders / 10; // the sku-none orders reserved credit, then released it
            assertThat(richState.orElseThrow().version())
                    .as("c-rich's events: opened + one reservation per order that got credit + one release per sku-none order")
                    .isEqualTo(1 + completed.size() + 2L * reservedOrReleasedOrdersOnStep2);

            // the store is read uncommitted (Kafka Streams has no transactional stores yet), so the log, which is read
            // committed, may trail the states just seen by one commit interval: poll it
            Map<String, Integer> finals = new HashMap<>();
            Await.until(PATIENCE, "the saga log holds every saga's final transition", () -> {
                finals.clear();
                for (ConsumerRecord<String, byte[]> entry : kafka.readAll(runtime.topics().log(), new StringDeserializer(),
                        new ByteArrayDeserializer())) {
                    String transition = new String(entry.headers().lastHeader("myelin.saga.transition").value(), StandardCharsets.UTF_8);
                    if (transition.equals("COMPLETED") || transition.equals("COMPENSATED")) {
                        finals.merge(transition, 1, Integer::sum);
                    }
                }
                return finals.values().stream().mapToInt(Integer::intValue).sum() >= orders;
            });
            assertThat(finals).containsEntry("COMPLETED", orders * 8 / 10).containsEntry("COMPENSATED", orders * 2 / 10);

            // the aggregates answered on the saga's inbox themselves, keyed by saga id: no reply router hop; only the
            // replies sent while a store was still asking the broker about the inbox came through the router
            Map<String, Integer> replies = repliesOnTheInbox(kafka, runtime);
            assertThat(replies.getOrDefault("direct", 0)).as("replies written to the inbox by the participants: %s", replies)
                    .isGreaterThan(replies.getOrDefault("routed", 0));
        }
    }

    /** Counts the replies on the saga's inbox by who wrote them: a participant ("direct") or the reply router ("routed"). */
    private static Map<String, Integer> repliesOnTheInbox(EmbeddedKafkaCluster kafka, SagaRuntime<?, ?> runtime) {
        Map<String, Integer> replies = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : kafka.readAll(runtime.topics().inbox(), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            String kind = header(record, "myelin.saga.kind");
            if (kind == null && header(record, CommandHeaders.COMMAND_ID) != null) {
                replies.merge("direct", 1, Integer::sum);
            } else if ("reply".equals(kind)) {
                replies.merge("routed", 1, Integer::sum);
            }
        }
        return replies;
    }

    @Test
    void storesThatDoNotAnswerOnTheInboxAreHeardThroughTheRouter(EmbeddedKafkaCluster kafka, @TempDir Path dir) {
        String application = "shop-" + APPS.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 100_000, 36);
        // no topic is a reply address for these stores: every result goes to its store's command-results topic
        MyelinConfig config = MyelinConfig.builder(application).bootstrapServers(kafka.bootstrapServers()).singleBrokerDevMode()
                .partitions(2).property("commit.interval.ms", 20).property(MyelinConfig.REPLY_TOPICS, "(?!)").build();
        int orders = 40;
        try (RunningShop shop = RunningShop.start(config, dir)) {
            SagaRuntime<OrderPlaced, PlaceOrderData> runtime = shop.runtime();
            Await.join(shop.customers().gateway().send("c-rich", new OpenCustomer(1_000_000L)));
            Await.join(shop.stock().gateway().send("sku-plenty", new AddStock(10_000)));
            for (int i = 0; i < orders; i++) {
                Await.join(shop.orders().gateway().send("o-" + i, new PlaceOrder("o-" + i, "c-rich", "sku-plenty", 1, 10L)));
            }

            Await.until(PATIENCE, "every saga completed", () -> kafka.readAll(runtime.topics().log(), new StringDeserializer(),
                    new ByteArrayDeserializer()).stream()
                    .filter(entry -> "COMPLETED".equals(header(entry, "myelin.saga.transition"))).count() == orders);
            Map<String, Integer> replies = repliesOnTheInbox(kafka, runtime);
            assertThat(replies).as("every reply came through the router").doesNotContainKey("direct");
            assertThat(replies.getOrDefault("routed", 0)).as("a reply for each of the three participants' steps").isEqualTo(orders * 3);
        }
    }

    @Test
    void aStepWhoseParticipantIsDownIsRetriedWithTheSameIdThenUndoneAlthoughItRunsLate(EmbeddedKafkaCluster kafka, @TempDir Path dir) {
        MyelinConfig config = config(kafka);
        AggregateTopics stockTopics = AggregateTopics.of(config.application(), "stock");
        // the stock service has stock, then goes down: the saga's reservations queue up on its commands topic unread
        try (EventStore<StockState, SpecificRecord, SpecificRecord> stock = start(Shop.STOCK, config, dir.resolve("stock"))) {
            Await.join(stock.gateway().send("sku-1", new AddStock(10)));
        }
        // long enough for the stock service to start again while the saga waits for its compensation's answer
        Duration stockTimeout = Duration.ofSeconds(8);
        try (EventStore<CustomerState, SpecificRecord, SpecificRecord> customers = start(Shop.CUSTOMER, config, dir.resolve("customer"));
             EventStore<OrderState, SpecificRecord, SpecificRecord> orderStore = start(Shop.ORDER, config, dir.resolve("order"));
             SagaRuntime<OrderPlaced, PlaceOrderData> runtime = SagaRuntime.builder(
                     Shop.placeOrder(config.application(), AVRO, stockTimeout), config)
                     .stateDirectory(dir.resolve("saga")).start()) {

            Await.join(customers.gateway().send("c-1", new OpenCustomer(100L)));
            Await.join(orderStore.gateway().send("o-1", new PlaceOrder("o-1", "c-1", "sku-1", 1, 40L)));

            Await.until(PATIENCE, "reserve-stock has timed out three times",
                    () -> runtime.state("o-1").map(s -> s.status() != SagaStatus.RUNNING).orElse(false));
            // the stock topic also holds the AddStock a gateway sent; the saga's commands are the rest
            List<ConsumerRecord<String, byte[]>> sent = kafka.readAtLeast(stockTopics.commands(), 5, new StringDeserializer(),
                    new ByteArrayDeserializer(), Duration.ofSeconds(30)).stream()
                    .filter(r -> String.valueOf(header(r, CommandHeaders.COMMAND_ID)).startsWith("saga:"))
                    .toList();
            assertThat(sent).hasSize(4);
            List<String> ids = sent.stream().map(r -> header(r, CommandHeaders.COMMAND_ID)).toList();
            assertThat(ids.subList(0, 3)).as("every retry carries the first send's command id, so the participant can collapse them")
                    .containsOnly("saga:place-order:i:reserve-stock:o-1");
            // no reply is not a no: the queued reservation may still run, so it is undone, and the undo names it
            assertThat(ids.get(3)).isEqualTo("saga:place-order:c:reserve-stock:o-1");
            assertThat(header(sent.get(3), SagaHeaders.COMPENSATES)).isEqualTo("saga:place-order:i:reserve-stock:o-1");

            // the stock service comes back and works through its queue: the late reservation, then its release
            try (EventStore<StockState, SpecificRecord, SpecificRecord> stock = start(Shop.STOCK, config, dir.resolve("stock"))) {
                Await.until(PATIENCE, "the saga has ended", () -> runtime.state("o-1").map(s -> s.status().isFinal()).orElse(false));
                SagaState<PlaceOrderData> saga = runtime.state("o-1").orElseThrow();
                assertThat(saga.status()).as("saga o-1 (%s)", saga.failureReason()).isEqualTo(SagaStatus.COMPENSATED);
                assertThat(saga.failureReason()).contains("reserve-stock", "timed out after 3 attempt");

                Await.until(PATIENCE, "the stock service applied the late reservation and its release",
                        () -> stock.state("sku-1").map(s -> s.version() >= 3).orElse(false));
                StockState sku = stock.state("sku-1").orElseThrow().state();
                assertThat(sku.getReservations()).as("the late reservation did not outlive the saga").isEmpty();
                assertThat(sku.getAvailable()).isEqualTo(10);
            }

            CustomerState customer = customers.state("c-1").orElseThrow().state();
            assertThat(customer.getReserved()).as("the credit was released").isZero();
            assertThat(customer.getReservations()).isEmpty();
            assertThat(orderStore.state("o-1").orElseThrow().state().getStatus()).isEqualTo("PENDING");
        }
    }

    @Test
    void parallelReservationsJoinIntoApprovalAndTheOneThatSucceededIsUndoneWhenTheOtherFails(EmbeddedKafkaCluster kafka,
                                                                                            @TempDir Path dir) {
        MyelinConfig config = config(kafka);
        int orders = 60;
        try (EventStore<CustomerState, SpecificRecord, SpecificRecord> customers = start(Shop.CUSTOMER, config, dir.resolve("customer"));
             EventStore<StockState, SpecificRecord, SpecificRecord> stock = start(Shop.STOCK, config, dir.resolve("stock"));
             EventStore<OrderState, SpecificRecord, SpecificRecord> orderStore = start(Shop.ORDER, config, dir.resolve("order"));
             SagaRuntime<OrderPlaced, PlaceOrderData> runtime = SagaRuntime.builder(
                     Shop.placeOrderInParallel(config.application(), AVRO, Duration.ofSeconds(10)), config)
                     .stateDirectory(dir.resolve("saga")).start()) {

            Await.join(customers.gateway().send("c-rich", new OpenCustomer(1_000_000L)));
            Await.join(stock.gateway().send("sku-plenty", new AddStock(10_000)));
            // a third of the orders have no credit (their stock is reserved, then released), a third no stock (their
            // credit is reserved, then released), the rest complete
            Set<String> noCredit = new HashSet<>();
            Set<String> noStock = new HashSet<>();
            List<CompletableFuture<CommandResult<SpecificRecord>>> placed = new ArrayList<>();
            for (int i = 0; i < orders; i++) {
                String orderId = "p-" + i;
                String customer = i % 3 == 0 ? "c-poor" : "c-rich";
                String sku = i % 3 == 1 ? "sku-none" : "sku-plenty";
                (i % 3 == 0 ? noCredit : i % 3 == 1 ? noStock : new HashSet<String>()).add(orderId);
                placed.add(orderStore.gateway().send(orderId, new PlaceOrder(orderId, customer, sku, 1, 10L)));
            }
            placed.forEach(f -> assertThat(Await.join(f)).isInstanceOf(CommandResult.Accepted.class));

            Await.until(PATIENCE, "every saga has ended", () -> java.util.stream.IntStream.range(0, orders)
                    .allMatch(i -> runtime.state("p-" + i).map(s -> s.status().isFinal()).orElse(false)));

            Set<String> completed = new HashSet<>();
            for (int i = 0; i < orders; i++) {
                String orderId = "p-" + i;
                SagaState<PlaceOrderData> saga = runtime.state(orderId).orElseThrow();
                String order = orderStore.state(orderId).orElseThrow().state().getStatus();
                if (noCredit.contains(orderId) || noStock.contains(orderId)) {
                    assertThat(saga.status()).as("saga %s (%s)", orderId, saga.failureReason()).isEqualTo(SagaStatus.COMPENSATED);
                    assertThat(saga.failureReason()).contains(noCredit.contains(orderId) ? "credit limit" : "in stock");
                    assertThat(saga.completedSteps()).as("everything that succeeded was undone").isEmpty();
                    assertThat(order).as("order %s", orderId).isEqualTo("PENDING");
                } else {
                    assertThat(saga.status()).as("saga %s (%s)", orderId, saga.failureReason()).isEqualTo(SagaStatus.COMPLETED);
                    assertThat(saga.completedSteps()).containsExactly("reserve-credit", "reserve-stock", "approve");
                    assertThat(order).as("order %s", orderId).isEqualTo("APPROVED");
                    completed.add(orderId);
                }
            }
            assertThat(completed).hasSize(orders / 3);

            // the world matches: only completed orders hold credit or stock, and each undone reservation was made once, undone once
            CustomerState rich = customers.state("c-rich").orElseThrow().state();
            assertThat(rich.getReservations().keySet()).as("credit held by c-rich").isEqualTo(completed);
            assertThat(rich.getReserved()).isEqualTo(10L * completed.size());
            assertThat(customers.state("c-rich").orElseThrow().version()).as("opened, a reservation per order with credit, a release "
                    + "per order without stock").isEqualTo(1 + completed.size() + 2L * noStock.size());
            StockState plenty = stock.state("sku-plenty").orElseThrow().state();
            assertThat(plenty.getReservations().keySet()).as("stock reserved for").isEqualTo(completed);
            assertThat(plenty.getAvailable()).isEqualTo(10_000 - completed.size());
            assertThat(stock.state("sku-plenty").orElseThrow().version()).as("added, a reservation per order with stock, a release "
                    + "per order without credit").isEqualTo(1 + completed.size() + 2L * noCredit.size());

            // each release names the reservation it undoes
            AggregateTopics stockTopics = AggregateTopics.of(config.application(), "stock");
            List<ConsumerRecord<String, byte[]>> releases = kafka.readAtLeast(stockTopics.commands(), 1 + orders + noCredit.size(),
                    new StringDeserializer(), new ByteArrayDeserializer(), Duration.ofSeconds(30)).stream()
                    .filter(r -> String.valueOf(header(r, CommandHeaders.COMMAND_ID)).startsWith("saga:place-order-parallel:c:"))
                    .toList();
            assertThat(releases).extracting(r -> header(r, SagaHeaders.COMPENSATES)).containsExactlyInAnyOrderElementsOf(
                    noCredit.stream().map(id -> "saga:place-order-parallel:i:reserve-stock:" + id).toList());
        }
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        return record.headers().lastHeader(name) == null ? null : new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void startingBeforeTheParticipantsExistFailsAndNamesTheMissingTopics(EmbeddedKafkaCluster kafka) {
        MyelinConfig config = config(kafka);
        SagaRuntime.Builder<OrderPlaced, PlaceOrderData> builder = SagaRuntime.builder(
                Shop.placeOrder(config.application(), AVRO, Duration.ofSeconds(1)), config);

        assertThatThrownBy(builder::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(config.application() + ".customer.commands")
                .hasMessageContaining(config.application() + ".order.events")
                .hasMessageContaining("start the participants' event stores");
    }

    private static MyelinConfig config(EmbeddedKafkaCluster kafka) {
        String application = "shop-" + APPS.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 100_000, 36);
        return MyelinConfig.builder(application).bootstrapServers(kafka.bootstrapServers()).singleBrokerDevMode().partitions(2)
                .property("commit.interval.ms", 20)
                .build();
    }

    /** The shop's three event stores and its place-order saga runtime (10 s step timeouts), closed saga first. */
    private record RunningShop(EventStore<CustomerState, SpecificRecord, SpecificRecord> customers,
                               EventStore<StockState, SpecificRecord, SpecificRecord> stock,
                               EventStore<OrderState, SpecificRecord, SpecificRecord> orders,
                               SagaRuntime<OrderPlaced, PlaceOrderData> runtime) implements AutoCloseable {
        static RunningShop start(MyelinConfig config, Path dir) {
            List<AutoCloseable> started = new ArrayList<>();
            try {
                EventStore<CustomerState, SpecificRecord, SpecificRecord> customers = started(started,
                        PlaceOrderSagaIT.start(Shop.CUSTOMER, config, dir.resolve("customer")));
                EventStore<StockState, SpecificRecord, SpecificRecord> stock = started(started,
                        PlaceOrderSagaIT.start(Shop.STOCK, config, dir.resolve("stock")));
                EventStore<OrderState, SpecificRecord, SpecificRecord> orders = started(started,
                        PlaceOrderSagaIT.start(Shop.ORDER, config, dir.resolve("order")));
                SagaRuntime<OrderPlaced, PlaceOrderData> runtime = SagaRuntime.builder(
                        Shop.placeOrder(config.application(), AVRO, Duration.ofSeconds(10)), config).stateDirectory(dir.resolve("saga")).start();
                return new RunningShop(customers, stock, orders, runtime);
            } catch (RuntimeException e) {
                for (AutoCloseable each : started) {
                    try {
                        each.close();
                    } catch (Exception suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
        }

        private static <T extends AutoCloseable> T started(List<AutoCloseable> started, T resource) {
            started.add(0, resource);
            return resource;
        }

        @Override
        public void close() {
            runtime.close();
            orders.close();
            stock.close();
            customers.close();
        }
    }

    private static <S> EventStore<S, SpecificRecord, SpecificRecord> start(dev.myelin.eventstore.AggregateType<S, SpecificRecord, SpecificRecord> type,
                                                                           MyelinConfig config, Path dir) {
        return EventStore.builder(type, config).commandSerde(AVRO).eventSerde(AVRO).stateDirectory(dir).start();
    }
}
