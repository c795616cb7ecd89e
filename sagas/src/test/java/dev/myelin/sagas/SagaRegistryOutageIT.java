package dev.myelin.sagas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.EmbeddedSchemaRegistry;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.processors.Projection;
import dev.myelin.processors.ProjectionConfig;
import dev.myelin.processors.RunningProjection;
import dev.myelin.sagas.shop.AddStock;
import dev.myelin.sagas.shop.CustomerState;
import dev.myelin.sagas.shop.OpenCustomer;
import dev.myelin.sagas.shop.OrderApproved;
import dev.myelin.sagas.shop.OrderPlaced;
import dev.myelin.sagas.shop.OrderState;
import dev.myelin.sagas.shop.PlaceOrder;
import dev.myelin.sagas.shop.PlaceOrderData;
import dev.myelin.sagas.shop.Shop;
import dev.myelin.sagas.shop.StockState;
import dev.myelin.schemas.SchemaRegistry;
import dev.myelin.schemas.SchemaRegistryConfig;

/**
 * The saga runtime and a projection on a real broker and a real schema registry that goes away: both
 * started cold during the outage, with no schema cached, hold the orders placed meanwhile instead of
 * skipping them, and once the registry is back every order's saga ends as its plan says, the view
 * equals the fold of the order events, and nothing is dead-lettered (issue 15, item 2).
 */
@MyelinKafka(brokers = 1)
class SagaRegistryOutageIT {
    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final int ORDERS = 20;

    @Test
    void triggersPlacedWhileTheRegistryIsDownAreHeldAndEverySagaEndsAsPlannedOnceItReturns(EmbeddedKafkaCluster kafka,
                                                                                           @TempDir Path dir) throws Exception {
        MyelinConfig config = MyelinConfig.builder("outage-shop").bootstrapServers(kafka.bootstrapServers()).singleBrokerDevMode()
                .partitions(2).property("commit.interval.ms", 20).build();
        Path storage = dir.resolve("registry");
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder().storageDirectory(storage).start();
        EmbeddedSchemaRegistry restarted = null;
        Serde<SpecificRecord> stores = Shop.avro(client(registry));
        try (EventStore<CustomerState, SpecificRecord, SpecificRecord> customers = start(Shop.CUSTOMER, config, stores, dir.resolve("c"));
             EventStore<StockState, SpecificRecord, SpecificRecord> stock = start(Shop.STOCK, config, stores, dir.resolve("s"));
             EventStore<OrderState, SpecificRecord, SpecificRecord> orders = start(Shop.ORDER, config, stores, dir.resolve("o"))) {
            Await.join(customers.gateway().send("c-rich", new OpenCustomer(1_000_000L)));
            Await.join(stock.gateway().send("sku-plenty", new AddStock(10_000)));

            // a first run with the registry up: every schema is registered, and the event stores have cached theirs
            try (SagaRuntime<OrderPlaced, PlaceOrderData> warm = runtime(config, Shop.avro(client(registry)), dir)) {
                Await.join(orders.gateway().send("warm-1", new PlaceOrder("warm-1", "c-rich", "sku-plenty", 1, 10L)));
                Await.join(orders.gateway().send("warm-2", new PlaceOrder("warm-2", "c-rich", "sku-none", 1, 10L)));
                Await.until(PATIENCE, "the warm-up sagas ended", () -> warm.state("warm-1").map(s -> s.status().isFinal())
                        .orElse(false) && warm.state("warm-2").map(s -> s.status().isFinal()).orElse(false));
                assertThat(warm.state("warm-1").orElseThrow().status()).isEqualTo(SagaStatus.COMPLETED);
                assertThat(warm.state("warm-2").orElseThrow().status()).isEqualTo(SagaStatus.COMPENSATED);
            }

            registry.close();
            // restarted cold: a new registry client, nothing cached, so it cannot read an OrderPlaced until the registry is back
            // a projection of the orders, started cold too: it cannot decode the order events until the registry is back
            Projection<String, String> statuses = Projection.named("order-status")
                    .from(config.topics(Shop.ORDER).events(), Shop.avro(client(registry)))
                    .initially(() -> "NONE", Serdes.String())
                    .on(OrderPlaced.class, (status, placed, metadata) -> "PENDING")
                    .on(OrderApproved.class, (status, approved, metadata) -> "APPROVED")
                    .build();
            ProjectionConfig projectionConfig = ProjectionConfig.builder().bootstrapServers(kafka.bootstrapServers())
                    .application("outage-shop").property("state.dir", dir.resolve("view").toString())
                    .property("commit.interval.ms", 20).build();
            try (SagaRuntime<OrderPlaced, PlaceOrderData> cold = runtime(config, Shop.avro(client(registry)), dir);
                 RunningProjection<String, String> view = RunningProjection.start(statuses, projectionConfig)) {
                Map<String, SagaStatus> expected = new HashMap<>();
                for (int i = 0; i < ORDERS; i++) {
                    String orderId = "o-" + i;
                    String customer = i % 10 == 0 ? "c-poor" : "c-rich";
                    String sku = i % 10 == 1 ? "sku-none" : "sku-plenty";
                    expected.put(orderId, i % 10 <= 1 ? SagaStatus.COMPENSATED : SagaStatus.COMPLETED);
                    assertThat(Await.join(orders.gateway().send(orderId, new PlaceOrder(orderId, customer, sku, 1, 10L + i))))
                            .isInstanceOf(CommandResult.Accepted.class);
                }
                String triggers = config.topics(Shop.ORDER).events();
                Await.until(PATIENCE, "a trigger partition is held, and the health says so",
                        () -> cold.health() instanceof dev.myelin.eventstore.Health.Degraded d
                                && d.reason().contains(triggers) && d.reason().contains("schema registry"));
                long since = System.nanoTime();
                Await.until(PATIENCE, "held for longer than one hold (the record is read again and again)",
                        () -> System.nanoTime() - since > TimeUnit.SECONDS.toNanos(6));
                assertThat(cold.health()).isInstanceOf(dev.myelin.eventstore.Health.Degraded.class);
                assertThat(unread(kafka, cold, triggers)).as("trigger offsets not committed past the held triggers").isPositive();
                assertThat(expected.keySet().stream().filter(id -> cold.state(id).isPresent()).toList()).isEmpty();
                Await.until(PATIENCE, "the projection holds its partition too, and its health says so",
                        () -> view.health() instanceof dev.myelin.eventstore.Health.Degraded d && d.reason().contains("schema registry"));
                assertThat(expected.keySet().stream().filter(id -> folded(view, id).isPresent()).toList())
                        .as("no order folded while the registry is away").isEmpty();

                restarted = EmbeddedSchemaRegistry.builder().storageDirectory(storage).port(registry.port()).start();

                Await.until(PATIENCE, "every order's saga has ended", () -> expected.keySet().stream()
                        .allMatch(id -> cold.state(id).map(s -> s.status().isFinal()).orElse(false)));
                Map<String, SagaStatus> ended = expected.keySet().stream()
                        .collect(Collectors.toMap(id -> id, id -> cold.state(id).orElseThrow().status()));
                assertThat(ended).isEqualTo(expected);
                assertThat(kafka.readAll(cold.topics().deadLetters())).as("no dead letter").isEmpty();
                Await.until(PATIENCE, "healthy again", () -> cold.health() instanceof dev.myelin.eventstore.Health.Running);

                // the view equals the fold of the log: an order whose saga completed is approved, the others still pending
                Map<String, String> fold = new HashMap<>();
                expected.forEach((id, status) -> fold.put(id, status == SagaStatus.COMPLETED ? "APPROVED" : "PENDING"));
                fold.put("warm-1", "APPROVED");
                fold.put("warm-2", "PENDING");
                Await.until(PATIENCE, "the view equals the fold of the order events", () -> fold.entrySet().stream()
                        .allMatch(e -> folded(view, e.getKey()).equals(java.util.Optional.of(e.getValue()))));
                assertThat(view.deadLetters(Duration.ofSeconds(10))).as("the projection's dead letters").isEmpty();
                Await.until(PATIENCE, "the projection is healthy again", () -> view.health() instanceof dev.myelin.eventstore.Health.Running);
            }
        } finally {
            registry.close();
            if (restarted != null) {
                restarted.close();
            }
        }
    }

    /** Returns the view of an order, or empty while the view cannot be read (its partition held, or rebalancing). */
    private static java.util.Optional<String> folded(RunningProjection<String, String> view, String orderId) {
        try {
            return view.query().get(orderId);
        } catch (dev.myelin.processors.ViewUnavailableException e) {
            return java.util.Optional.empty();
        }
    }

    /** Returns how many triggers lie past the saga application's committed offsets. */
    private static long unread(EmbeddedKafkaCluster kafka, SagaRuntime<?, ?> runtime, String topic) throws Exception {
        Admin admin = kafka.admin();
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("outage-shop.saga.place-order")
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
        Map<TopicPartition, Long> ends = admin.listOffsets(partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                .all().get(30, TimeUnit.SECONDS).entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        return partitions.stream().mapToLong(tp -> ends.get(tp) - (committed.get(tp) == null ? 0 : committed.get(tp).offset())).sum();
    }

    private static SagaRuntime<OrderPlaced, PlaceOrderData> runtime(MyelinConfig config, Serde<SpecificRecord> serde, Path dir) {
        return SagaRuntime.builder(Shop.placeOrder(config.application(), serde, Duration.ofSeconds(30)), config)
                .stateDirectory(dir.resolve("saga")).startingAt(TriggerPosition.fromBeginning()).start();
    }

    private static SchemaRegistry client(EmbeddedSchemaRegistry registry) {
        // few, short retries: a client that notices the outage quickly; the runtime does the waiting
        return SchemaRegistry.connect(SchemaRegistryConfig.builder().url(registry.url()).retries(1)
                .retryBackoff(Duration.ofMillis(50)).requestTimeout(Duration.ofSeconds(2)).connectTimeout(Duration.ofSeconds(1))
                .build());
    }

    private static <S> EventStore<S, SpecificRecord, SpecificRecord> start(AggregateType<S, SpecificRecord, SpecificRecord> type,
                                                                           MyelinConfig config, Serde<SpecificRecord> serde, Path dir) {
        return EventStore.builder(type, config).commandSerde(serde).eventSerde(serde).stateDirectory(dir).start();
    }
}
