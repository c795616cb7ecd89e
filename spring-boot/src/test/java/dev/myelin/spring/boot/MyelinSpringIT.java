package dev.myelin.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.Bean;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.myelin.application.Myelin;
import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.examples.shop.AddStock;
import dev.myelin.examples.shop.Customer;
import dev.myelin.examples.shop.CustomerState;
import dev.myelin.examples.shop.Dashboard;
import dev.myelin.examples.shop.OpenCustomer;
import dev.myelin.examples.shop.Order;
import dev.myelin.examples.shop.OrderPlaced;
import dev.myelin.examples.shop.OrderState;
import dev.myelin.examples.shop.PlaceOrder;
import dev.myelin.examples.shop.PlaceOrderData;
import dev.myelin.examples.shop.Shop;
import dev.myelin.examples.shop.Stock;
import dev.myelin.examples.shop.StockState;
import dev.myelin.processors.Projection;
import dev.myelin.sagas.SagaDefinition;
import dev.myelin.sagas.SagaState;
import dev.myelin.sagas.SagaStatus;
import dev.myelin.spring.boot.internal.RuntimeHealthContributor;
import dev.myelin.spring.boot.test.MyelinSpringTest;

/**
 * A Spring application that declares only its domain (the shop's three aggregate types, its
 * place-order saga and its dashboard projection) and one property, on an embedded broker and
 * registry: the starter runs them all, an order placed through the gateway is approved by the saga
 * and shows in the dashboard, each runtime's health is UP, and Myelin's meters are on the context's
 * registry.
 */
@MyelinSpringTest(classes = MyelinSpringIT.ShopApplication.class, properties = {"myelin.application=shop",
        "myelin.partitions=2", "myelin.properties.commit.interval.ms=20",
        // per-runtime settings reach the saga runtime's builder (a setting it refused would fail the context)
        "myelin.sagas.place-order.starting-at=beginning", "myelin.sagas.place-order.retain-finished=1d",
        "myelin.sagas.place-order.deadline-check-interval=200ms"})
class MyelinSpringIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Autowired
    MyelinRuntimes myelin;
    @Autowired
    Projection<String, Dashboard> dashboard;
    @Autowired
    SagaDefinition<OrderPlaced, PlaceOrderData> placeOrder;
    @Autowired
    RuntimeHealthContributor health;
    @Autowired
    MeterRegistry meters;
    @Autowired
    EmbeddedKafkaCluster kafka;

    @Test
    void theDomainBeansRunAndAnOrderGoesThroughTheSagaIntoTheView() throws Exception {
        assertThat(myelin.eventStores()).containsOnlyKeys("customer", "stock", "order");
        assertThat(myelin.sagas()).containsOnlyKeys("place-order");
        assertThat(myelin.projections()).containsOnlyKeys("order-dashboard");
        assertThat(myelin.application().config().bootstrapServers()).isEqualTo(kafka.bootstrapServers());

        assertThat(myelin.gateway(Customer.TYPE).send("c-1", new OpenCustomer(1_000L)).get()).isInstanceOf(CommandResult.Accepted.class);
        assertThat(myelin.gateway(Stock.TYPE).send("sku-1", new AddStock(5)).get()).isInstanceOf(CommandResult.Accepted.class);
        assertThat(myelin.gateway(Order.TYPE).send("o-1", new PlaceOrder("o-1", "c-1", "sku-1", 2, 300L)).get())
                .isInstanceOf(CommandResult.Accepted.class);

        SagaState<PlaceOrderData> saga = Await.value(WAIT, "the saga to complete", () -> myelin.saga(placeOrder).state("o-1")
                .filter(state -> state.status() == SagaStatus.COMPLETED));
        assertThat(saga.completedSteps()).contains("reserve-credit", "reserve-stock", "approve");
        Dashboard view = myelin.projection(dashboard).awaitView(Shop.DASHBOARD_KEY,
                d -> d.getOrdersByStatus().getOrDefault("APPROVED", 0L) == 1L, WAIT);
        assertThat(view.getRevenue()).isEqualTo(300L);
        assertThat(myelin.eventStore(Order.TYPE).state("o-1")).isPresent();
    }

    @Test
    void everyRuntimeReportsItsHealthAndCountsOnTheContextsRegistry() throws Exception {
        for (String group : new String[] {"event-stores", "sagas", "projections"}) {
            CompositeHealthContributor runtimes = (CompositeHealthContributor) health.getContributor(group);
            runtimes.stream().forEach(entry -> Await.until(WAIT, group + "/" + entry.name() + " is UP",
                    () -> ((HealthIndicator) entry.contributor()).health().getStatus().equals(Status.UP)));
            assertThat(runtimes.stream().count()).isPositive();
        }
        assertThat(meters.getMeters()).anySatisfy(meter -> {
            assertThat(meter.getId().getName()).startsWith("myelin.");
            assertThat(meter.getId().getTag("application")).isEqualTo("shop");
        });
    }

    /** The shop as a Spring application: its domain as beans, nothing else. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class ShopApplication {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        AggregateType<CustomerState, SpecificRecord, SpecificRecord> customers() {
            return Customer.TYPE;
        }

        @Bean
        AggregateType<StockState, SpecificRecord, SpecificRecord> stock() {
            return Stock.TYPE;
        }

        @Bean
        AggregateType<OrderState, SpecificRecord, SpecificRecord> orders() {
            return Order.TYPE;
        }

        @Bean
        SagaDefinition<OrderPlaced, PlaceOrderData> placeOrder(Myelin shop) {
            return Shop.placeOrder(shop);
        }

        @Bean
        Projection<String, Dashboard> dashboard(Myelin shop) {
            return Shop.orderDashboard(shop);
        }
    }
}
