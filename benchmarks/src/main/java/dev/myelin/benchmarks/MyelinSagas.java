package dev.myelin.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.apache.avro.specific.SpecificRecord;
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
import dev.myelin.examples.shop.PlaceOrder;
import dev.myelin.examples.shop.PlaceOrderData;
import dev.myelin.examples.shop.OrderPlaced;
import dev.myelin.examples.shop.Shop;
import dev.myelin.examples.shop.Stock;
import dev.myelin.sagas.SagaRuntime;
import dev.myelin.sagas.SagaStatus;
import dev.myelin.schemas.InMemorySchemaRegistry;

/**
 * Saga throughput: the shop example's place-order saga (check the order, reserve credit, reserve
 * stock, approve: four steps across three aggregate types), timed from the first order placed to
 * the last saga completed. It wires the shop itself rather than running the shop demo, which also
 * starts a schema registry and a projection and checks its results at length: seconds the smoke run
 * cannot spare, and nothing the figure depends on.
 */
final class MyelinSagas {

    private static final int CUSTOMERS = 20;
    private static final String SKU = "sku-bench";
    private static final long PRICE = 1_000L;
    private static final int IN_FLIGHT = 200;

    private MyelinSagas() {
    }

    /** Places {@code orders} orders that all succeed and returns completed sagas/s. */
    static Measurement throughput(EmbeddedKafkaCluster kafka, int orders, int commitIntervalMs, Path stateDir) throws Exception {
        String application = "bench-shop-" + Long.toString(System.nanoTime() % 1_000_000, 36);
        MyelinConfig config = MyelinConfig.builder(application)
                .bootstrapServers(kafka.bootstrapServers())
                .singleBrokerDevMode()
                .partitions(3)
                .property(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs)
                .build();
        Myelin shop = Myelin.application(application).schemaRegistry(new InMemorySchemaRegistry()).trustedPackages(Shop.RECORDS).build();
        Serde<SpecificRecord> avro = shop.avro();
        Path state = Files.createDirectories(stateDir.resolve(application));
        // the stores create their topics; the saga checks that its trigger topic exists, so it starts last
        try (EventStore<?, SpecificRecord, SpecificRecord> customers = store(Customer.TYPE, config, avro, state);
             EventStore<?, SpecificRecord, SpecificRecord> stock = store(Stock.TYPE, config, avro, state);
             EventStore<?, SpecificRecord, SpecificRecord> orderStore = store(Order.TYPE, config, avro, state);
             SagaRuntime<OrderPlaced, PlaceOrderData> sagas = SagaRuntime.builder(Shop.placeOrder(shop), config)
                     .stateDirectory(state.resolve("saga")).start()) {
            List<CompletableFuture<CommandResult<SpecificRecord>>> opened = new ArrayList<>();
            for (int c = 0; c < CUSTOMERS; c++) {
                // credit and stock enough for every order: each saga runs all its steps, none compensates
                opened.add(customers.gateway().send(customer(c), new OpenCustomer(PRICE * orders)));
            }
            opened.add(stock.gateway().send(SKU, new AddStock(orders)));
            for (CompletableFuture<CommandResult<SpecificRecord>> result : opened) {
                requireAccepted(result.get(2, TimeUnit.MINUTES), "opening the shop");
            }

            long started = System.nanoTime();
            Semaphore window = new Semaphore(IN_FLIGHT);
            Set<String> running = new LinkedHashSet<>();
            List<CompletableFuture<?>> placed = new ArrayList<>();
            for (int i = 0; i < orders; i++) {
                String orderId = "o-" + i;
                window.acquire();
                placed.add(orderStore.gateway().send(orderId, new PlaceOrder(orderId, customer(i % CUSTOMERS), SKU, 1, PRICE))
                        .whenComplete((result, error) -> window.release())
                        .thenAccept(result -> requireAccepted(result, orderId)));
                running.add(orderId);
            }
            CompletableFuture.allOf(placed.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            // sagas expose no completion callback: poll their state, briefly parking between rounds
            while (!running.isEmpty()) {
                for (Iterator<String> it = running.iterator(); it.hasNext(); ) {
                    String orderId = it.next();
                    var saga = sagas.state(orderId);
                    if (saga.isPresent() && saga.get().status().isFinal()) {
                        if (saga.get().status() != SagaStatus.COMPLETED) {
                            throw new IllegalStateException("saga " + orderId + " ended " + saga.get().status()
                                    + ": " + saga.get().failureReason());
                        }
                        it.remove();
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(running.size() + " sagas did not end within 5 minutes");
                }
                LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
            }
            double perSecond = orders / RawKafka.seconds(started);
            return Measurement.of("Myelin place-order sagas (4 steps)", "sagas/s", perSecond,
                    orders + " orders from the first placed to the last saga completed, shop example, 3 partitions, commit.interval.ms="
                            + commitIntervalMs);
        }
    }

    private static <S> EventStore<S, SpecificRecord, SpecificRecord> store(AggregateType<S, SpecificRecord, SpecificRecord> type,
                                                                        MyelinConfig config, Serde<SpecificRecord> avro, Path state) {
        return EventStore.builder(type, config).commandSerde(avro).eventSerde(avro).stateDirectory(state.resolve(type.name())).start();
    }

    private static void requireAccepted(CommandResult<SpecificRecord> result, String what) {
        if (!(result instanceof CommandResult.Accepted)) {
            throw new IllegalStateException(what + " was not accepted: " + result);
        }
    }

    private static String customer(int i) {
        return "c-" + i;
    }
}
