package dev.myelin.sagas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.AggregateType;
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
 * Issue 15's first promise on a real broker: a participant is down for longer than a step's timeout
 * times its attempts while orders flow. The sagas that reached it time out and are compensated, the
 * timed-out step first; the participant, started again, runs the queued reservations late and then
 * their releases, so every saga ends and nothing is held for a saga that did not complete.
 */
@MyelinKafka(brokers = 1)
class ParticipantOutageIT {
    private static final Serde<SpecificRecord> AVRO = Shop.avro(new InMemorySchemaRegistry());
    private static final Duration PATIENCE = Duration.ofSeconds(120);
    /** The stock step's reply timeout; three attempts 100 ms apart make it give up after about 15 s. */
    private static final Duration STOCK_TIMEOUT = Duration.ofSeconds(5);

    @Test
    void ordersThatMeetAStoppedParticipantAreUndoneAndNothingIsHeldForThem(EmbeddedKafkaCluster kafka, @TempDir Path dir) {
        MyelinConfig config = MyelinConfig.builder("outage").bootstrapServers(kafka.bootstrapServers()).singleBrokerDevMode()
                .partitions(2).property("commit.interval.ms", 20).build();
        int before = 50;
        int during = 150;
        EventStore<StockState, SpecificRecord, SpecificRecord> stock = start(Shop.STOCK, config, dir.resolve("stock"));
        try (EventStore<CustomerState, SpecificRecord, SpecificRecord> customers = start(Shop.CUSTOMER, config, dir.resolve("customer"));
             EventStore<OrderState, SpecificRecord, SpecificRecord> orders = start(Shop.ORDER, config, dir.resolve("order"));
             SagaRuntime<OrderPlaced, PlaceOrderData> runtime = SagaRuntime.builder(
                     Shop.placeOrder(config.application(), AVRO, STOCK_TIMEOUT), config).stateDirectory(dir.resolve("saga")).start()) {
            Await.join(customers.gateway().send("c-1", new OpenCustomer(1_000_000L)));
            Await.join(stock.gateway().send("sku-1", new AddStock(10_000)));

            place(orders, 0, before);
            Await.until(PATIENCE, "the orders placed before the outage completed",
                    () -> ended(runtime, 0, before).size() == before);

            stock.close();
            place(orders, before, before + during);
            // every order placed during the outage reached the stock step and gave it up: the stock service was down for
            // longer than the step's timeout times its attempts
            Await.until(PATIENCE, "every order placed during the outage timed out at the stock step", () -> {
                for (int i = before; i < before + during; i++) {
                    SagaState<PlaceOrderData> saga = runtime.state("o-" + i).orElse(null);
                    if (saga == null || saga.status() != SagaStatus.COMPENSATING) {
                        return false;
                    }
                }
                return true;
            });

            // the stock service comes back and works through its queue: each late reservation, then its release
            stock = start(Shop.STOCK, config, dir.resolve("stock"));
            Await.until(PATIENCE, "every saga has ended", () -> ended(runtime, 0, before + during).size() == before + during);

            Set<String> completed = new HashSet<>();
            long credit = 0;
            int units = 0;
            for (int i = 0; i < before + during; i++) {
                String orderId = "o-" + i;
                SagaState<PlaceOrderData> saga = runtime.state(orderId).orElseThrow();
                if (i < before) {
                    assertThat(saga.status()).as("saga %s (%s)", orderId, saga.failureReason()).isEqualTo(SagaStatus.COMPLETED);
                    completed.add(orderId);
                    credit += amount(i);
                    units += quantity(i);
                } else {
                    assertThat(saga.status()).as("saga %s (%s)", orderId, saga.failureReason()).isEqualTo(SagaStatus.COMPENSATED);
                    assertThat(saga.failureReason()).contains("reserve-stock", "timed out after 3 attempt");
                    assertThat(orders.state(orderId).orElseThrow().state().getStatus()).isEqualTo("PENDING");
                }
            }

            EventStore<StockState, SpecificRecord, SpecificRecord> restarted = stock;
            // each late reservation and its release are two more events on sku-1: wait until all are there
            Await.until(PATIENCE, "the stock service applied every late reservation and its release",
                    () -> restarted.state("sku-1").map(s -> s.version() >= 1 + before + 2L * during).orElse(false));
            StockState sku = restarted.state("sku-1").orElseThrow().state();
            assertThat(sku.getReservations().keySet()).as("stock held only for completed orders").isEqualTo(completed);
            assertThat(sku.getAvailable()).isEqualTo(10_000 - units);
            assertThat(restarted.state("sku-1").orElseThrow().version())
                    .as("added + one reservation per completed order + one reservation and one release per undone order")
                    .isEqualTo(1 + before + 2L * during);
            CustomerState customer = customers.state("c-1").orElseThrow().state();
            assertThat(customer.getReservations().keySet()).as("credit held only for completed orders").isEqualTo(completed);
            assertThat(customer.getReserved()).isEqualTo(credit);
        } finally {
            stock.close();
        }
    }

    private static long amount(int order) {
        return 10L + order;
    }

    private static int quantity(int order) {
        return 1 + order % 3;
    }

    private static void place(EventStore<OrderState, SpecificRecord, SpecificRecord> orders, int from, int to) {
        List<CompletableFuture<CommandResult<SpecificRecord>>> placed = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String orderId = "o-" + i;
            placed.add(orders.gateway().send(orderId, new PlaceOrder(orderId, "c-1", "sku-1", quantity(i), amount(i))));
        }
        placed.forEach(f -> assertThat(Await.join(f)).isInstanceOf(CommandResult.Accepted.class));
    }

    private static Set<String> ended(SagaRuntime<OrderPlaced, PlaceOrderData> runtime, int from, int to) {
        Set<String> ended = new HashSet<>();
        for (int i = from; i < to; i++) {
            String orderId = "o-" + i;
            runtime.state(orderId).filter(s -> s.status().isFinal()).ifPresent(s -> ended.add(orderId));
        }
        return ended;
    }

    private static <S> EventStore<S, SpecificRecord, SpecificRecord> start(AggregateType<S, SpecificRecord, SpecificRecord> type,
                                                                           MyelinConfig config, Path dir) {
        return EventStore.builder(type, config).commandSerde(AVRO).eventSerde(AVRO).stateDirectory(dir).start();
    }
}
