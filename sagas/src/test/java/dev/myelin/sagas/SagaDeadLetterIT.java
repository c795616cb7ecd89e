package dev.myelin.sagas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.DeadLetterAction;
import dev.myelin.eventstore.DeadLetterStatus;
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
 * A saga runtime's dead letters on a real broker: a trigger its decoder could not read is listed with
 * its origin, redriven once the decoder is fixed (once only, into the saga's inbox, where it starts its
 * saga), another is skipped, and both actions are read back by a runtime started afresh.
 */
@MyelinKafka(brokers = 1, shared = true)
class SagaDeadLetterIT {
    private static final Serde<SpecificRecord> AVRO = Shop.avro(new InMemorySchemaRegistry());
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Duration READ = Duration.ofSeconds(20);

    /** While set, the saga's decoder cannot read its triggers: the bug a new deployment fixes. */
    private final AtomicBoolean broken = new AtomicBoolean();

    @Test
    void anUndecodableTriggerIsListedRedrivenOnceIntoTheInboxAnotherSkippedAndTheAuditOutlivesTheRuntime(EmbeddedKafkaCluster kafka,
                                                                                                   @TempDir Path dir) {
        String application = "saga-dl-" + Long.toString(System.nanoTime() % 1_000_000, 36);
        MyelinConfig config = MyelinConfig.builder(application).bootstrapServers(kafka.bootstrapServers()).singleBrokerDevMode()
                .partitions(2).property("commit.interval.ms", 20).build();
        String triggers = AggregateTopics.of(application, "order").events();
        SagaDefinition<OrderPlaced, PlaceOrderData> placeOrder = Shop.placeOrder(application, flaky(triggers), Duration.ofSeconds(10));
        try (EventStore<CustomerState, SpecificRecord, SpecificRecord> customers = start(Shop.CUSTOMER, config, dir.resolve("customer"));
             EventStore<StockState, SpecificRecord, SpecificRecord> stock = start(Shop.STOCK, config, dir.resolve("stock"));
             EventStore<OrderState, SpecificRecord, SpecificRecord> orders = start(Shop.ORDER, config, dir.resolve("order"))) {
            Await.join(customers.gateway().send("c-1", new OpenCustomer(1_000L)));
            Await.join(stock.gateway().send("sku-1", new AddStock(10)));

            try (SagaRuntime<OrderPlaced, PlaceOrderData> runtime = SagaRuntime.builder(placeOrder, config)
                    .stateDirectory(dir.resolve("saga")).start()) {
                assertThat(runtime.deadLetters(READ)).isEmpty();
                broken.set(true);
                place(orders, "o-1");
                place(orders, "o-2");
                Await.until(PATIENCE, "both triggers are dead letters", () -> runtime.deadLetters(READ).size() == 2);

                List<SagaDeadLetter> letters = runtime.deadLetters(READ);
                assertThat(letters).allSatisfy(letter -> {
                    assertThat(letter.saga()).isEqualTo("place-order");
                    assertThat(letter.kind()).isEqualTo(SagaDeadLetter.Kind.TRIGGER);
                    assertThat(letter.reason()).isEqualTo("UNDECODABLE");
                    assertThat(letter.error()).contains(SerializationException.class.getName()).contains("decoder bug");
                    assertThat(letter.origin().topic()).isEqualTo(triggers);
                    assertThat(letter.origin().offset()).isPresent();
                    assertThat(letter.position().topic()).isEqualTo(runtime.topics().deadLetters());
                    assertThat(letter.sagaId()).as("its saga id was never made").isEmpty();
                    assertThat(letter.status()).isEqualTo(DeadLetterStatus.PENDING);
                    assertThat(letter.value()).isNotEmpty();
                });
                // an events topic is keyed by aggregate id and version
                assertThat(letters).extracting(SagaDeadLetter::key).containsExactlyInAnyOrder(Optional.of("o-1@1"), Optional.of("o-2@1"));
                assertThat(runtime.state("o-1")).isEmpty();

                assertThatThrownBy(() -> runtime.redrive(letter -> true, " ", READ)).isInstanceOf(IllegalArgumentException.class);
                // still broken: the router's letter cannot be given its saga id, so it stays pending
                assertThat(runtime.redrive(letter -> letter.key().equals(Optional.of("o-1@1")), "ops@example.com", READ)).isZero();

                broken.set(false);
                assertThat(runtime.skip(letter -> letter.key().equals(Optional.of("o-2@1")), "ops@example.com", READ)).isEqualTo(1);
                assertThat(runtime.redrive(letter -> true, "ops@example.com", READ)).as("o-1 only: o-2 was skipped").isEqualTo(1);
                assertThat(runtime.redrive(letter -> true, "ops@example.com", READ)).as("nothing is pending any more").isZero();

                Await.until(PATIENCE, "the redriven trigger started its saga and it completed", () -> runtime.state("o-1")
                        .map(s -> s.status() == SagaStatus.COMPLETED).orElse(false));
                List<ConsumerRecord<String, byte[]>> inbox = kafka.readAll(runtime.topics().inbox(), new StringDeserializer(),
                        new ByteArrayDeserializer());
                List<ConsumerRecord<String, byte[]>> triggersInInbox = inbox.stream()
                        .filter(r -> "trigger".equals(header(r.headers(), "myelin.saga.kind"))).toList();
                assertThat(triggersInInbox).as("one trigger written to the inbox, by the one redrive, keyed by its saga id")
                        .extracting(ConsumerRecord::key).containsExactly("o-1");
                assertThat(header(triggersInInbox.get(0).headers(), "myelin.origin.offset"))
                        .as("it keeps the origin the letter names")
                        .isEqualTo(Long.toString(letters.stream().filter(l -> l.key().equals(Optional.of("o-1@1"))).findFirst().orElseThrow()
                                .origin().offset().getAsLong()));
                assertThat(runtime.state("o-2")).isEmpty();
            }

            try (SagaRuntime<OrderPlaced, PlaceOrderData> restarted = SagaRuntime.builder(placeOrder, config)
                    .stateDirectory(dir.resolve("saga-again")).start()) {
                Map<Optional<String>, SagaDeadLetter> byKey = new java.util.HashMap<>();
                restarted.deadLetters(READ).forEach(letter -> byKey.put(letter.key(), letter));
                assertThat(byKey).hasSize(2);
                assertThat(byKey.get(Optional.of("o-1@1")).status()).isEqualTo(DeadLetterStatus.REDRIVEN);
                assertThat(byKey.get(Optional.of("o-2@1")).status()).isEqualTo(DeadLetterStatus.SKIPPED);
                for (SagaDeadLetter letter : byKey.values()) {
                    assertThat(letter.actions()).hasSize(1);
                    DeadLetterAction action = letter.actions().get(0);
                    assertThat(action.by()).isEqualTo("ops@example.com");
                    assertThat(action.at()).isAfter(letter.failedAt().minusSeconds(1));
                }
                assertThat(restarted.skip(letter -> true, "ops@example.com", READ)).as("nothing left pending").isZero();
            }
        }
    }

    private static void place(EventStore<OrderState, SpecificRecord, SpecificRecord> orders, String orderId) {
        assertThat(Await.join(orders.gateway().send(orderId, new PlaceOrder(orderId, "c-1", "sku-1", 1, 10L))))
                .isInstanceOf(CommandResult.Accepted.class);
    }

    /** The shop's serde, whose reading of {@code triggers} fails while {@link #broken} is set. */
    private Serde<SpecificRecord> flaky(String triggers) {
        Deserializer<SpecificRecord> avro = AVRO.deserializer();
        Deserializer<SpecificRecord> flaky = new Deserializer<>() {
            @Override
            public SpecificRecord deserialize(String topic, byte[] data) {
                check(topic);
                return avro.deserialize(topic, data);
            }

            @Override
            public SpecificRecord deserialize(String topic, Headers headers, byte[] data) {
                check(topic);
                return avro.deserialize(topic, headers, data);
            }

            private void check(String topic) {
                if (broken.get() && topic.equals(triggers)) {
                    throw new SerializationException("decoder bug: cannot read " + topic);
                }
            }
        };
        return Serdes.serdeFrom(AVRO.serializer(), flaky);
    }

    private static String header(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static <S> EventStore<S, SpecificRecord, SpecificRecord> start(dev.myelin.eventstore.AggregateType<S, SpecificRecord, SpecificRecord> type,
                                                                           MyelinConfig config, Path dir) {
        return EventStore.builder(type, config).commandSerde(AVRO).eventSerde(AVRO).stateDirectory(dir).start();
    }
}
