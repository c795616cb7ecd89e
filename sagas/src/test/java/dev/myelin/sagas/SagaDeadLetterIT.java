package dev.myelin.sagas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
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
 * saga), another is skipped, and both actions are read back by a runtime started afresh; a reply no one
 * can read is redriven into the inbox as it was read, once.
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
                Map<Optional<String>, SagaDeadLetter> byKey = new HashMap<>();
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

    @Test
    void anUnreadableReplyIsRedrivenIntoTheInboxAsItWasReadOnce(EmbeddedKafkaCluster kafka, @TempDir Path dir) throws Exception {
        String application = "saga-dl-r-" + Long.toString(System.nanoTime() % 1_000_000, 36);
        MyelinConfig config = MyelinConfig.builder(application).bootstrapServers(kafka.bootstrapServers()).singleBrokerDevMode()
                .partitions(2).property("commit.interval.ms", 20).build();
        SagaDefinition<OrderPlaced, PlaceOrderData> placeOrder = Shop.placeOrder(application, AVRO, Duration.ofSeconds(30));
        // the customer service makes its topics, then is down: the saga's reservation waits unanswered
        try (EventStore<CustomerState, SpecificRecord, SpecificRecord> customers = start(Shop.CUSTOMER, config, dir.resolve("customer"))) {
            assertThat(customers.topics().commands()).isNotBlank();
        }
        String commandId = "saga:place-order:i:reserve-credit:o-7";
        String replies = placeOrder.participants().stream().filter(p -> p.commandTopic().equals(AggregateTopics.of(application,
                "customer").commands())).findFirst().orElseThrow().replyTopic();
        try (EventStore<StockState, SpecificRecord, SpecificRecord> stock = start(Shop.STOCK, config, dir.resolve("stock"));
             EventStore<OrderState, SpecificRecord, SpecificRecord> orders = start(Shop.ORDER, config, dir.resolve("order"));
             SagaRuntime<OrderPlaced, PlaceOrderData> runtime = SagaRuntime.builder(placeOrder, config)
                     .stateDirectory(dir.resolve("saga")).start()) {
            place(orders, "o-7");
            Await.until(PATIENCE, "the saga waits for the customer", () -> runtime.state("o-7")
                    .map(s -> s.inFlightSteps().contains("reserve-credit")).orElse(false));

            // an answer nobody can read: the saga stops FAILED, the reply is kept
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                    Map.of("bootstrap.servers", kafka.bootstrapServers()), new StringSerializer(),
                    new ByteArraySerializer())) {
                ProducerRecord<String, byte[]> garbage = new ProducerRecord<>(
                        replies, commandId, "not a result".getBytes(StandardCharsets.UTF_8));
                garbage.headers().add("myelin.command-id", commandId.getBytes(StandardCharsets.UTF_8));
                producer.send(garbage).get();
            }
            Await.until(PATIENCE, "the reply is a dead letter", () -> runtime.deadLetters(READ).size() == 1);
            SagaDeadLetter letter = runtime.deadLetters(READ).get(0);
            assertThat(letter.kind()).isEqualTo(SagaDeadLetter.Kind.REPLY);
            assertThat(letter.sagaId()).contains("o-7");
            assertThat(letter.commandId()).contains(commandId);
            assertThat(letter.reason()).isEqualTo("UNDECODABLE");
            assertThat(letter.origin().topic()).as("where it was first read, not the inbox").isEqualTo(replies);
            Await.until(PATIENCE, "the saga failed", () -> runtime.state("o-7").map(s -> s.status() == SagaStatus.FAILED).orElse(false));

            assertThat(runtime.redrive(l -> l.commandId().equals(Optional.of(commandId)), "ops@example.com", READ)).isEqualTo(1);
            assertThat(runtime.redrive(l -> true, "ops@example.com", READ)).isZero();
            Await.until(PATIENCE, "the redriven reply is in the inbox", () -> replyRecords(kafka, runtime).size() == 2);
            List<ConsumerRecord<String, byte[]>> inInbox = replyRecords(kafka, runtime);
            assertThat(inInbox).extracting(ConsumerRecord::key).containsExactly("o-7", "o-7");
            assertThat(header(inInbox.get(1).headers(), "myelin.origin.offset"))
                    .as("as it was read: the same origin").isEqualTo(Long.toString(letter.origin().offset().getAsLong()));
            assertThat(inInbox.get(1).headers().lastHeader("myelin.dead-letter.reason")).as("without the dead-letter headers").isNull();
            assertThat(runtime.deadLetters(READ)).extracting(SagaDeadLetter::status).containsExactly(DeadLetterStatus.REDRIVEN);
            // a failed saga takes no more answers: the redriven reply is passed over, not dead-lettered again
            assertThat(runtime.state("o-7").orElseThrow().status()).isEqualTo(SagaStatus.FAILED);
        }
    }

    private static List<ConsumerRecord<String, byte[]>> replyRecords(EmbeddedKafkaCluster kafka, SagaRuntime<?, ?> runtime) {
        return kafka.readAll(runtime.topics().inbox(), new StringDeserializer(), new ByteArrayDeserializer()).stream()
                .filter(r -> "reply".equals(header(r.headers(), "myelin.saga.kind"))).toList();
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
