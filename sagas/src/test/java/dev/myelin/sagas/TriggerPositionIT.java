package dev.myelin.sagas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.sagas.shop.OrderPlaced;
import dev.myelin.sagas.shop.PlaceOrderData;
import dev.myelin.sagas.shop.ReserveCredit;
import dev.myelin.sagas.shop.Shop;

/**
 * Where a new saga runtime starts on a trigger topic that already holds 100 triggers, on a real
 * broker: from the beginning it starts all of them, by default (from now on) none, from a timestamp
 * those published since; each also starts the trigger published after it started, and a restart goes
 * on from where the runtime was, whatever its starting position says.
 */
@MyelinKafka(brokers = 1, shared = true)
class TriggerPositionIT {
    private static final Serde<SpecificRecord> SERDE = Shop.singleObject();
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    @Test
    void aNewRuntimeStartsWhereItIsToldAndARestartGoesOnFromWhereItWas(EmbeddedKafkaCluster kafka, @TempDir Path dir) throws Exception {
        String shop = "pos-" + Long.toString(System.nanoTime() % 1_000_000, 36);
        String triggers = shop + ".order.events";
        AggregateTopics customers = AggregateTopics.of(shop, "customer");
        // one partition all the way (trigger topic, inbox): once a later trigger's saga exists, every earlier one was read
        kafka.createTopic(triggers, 1);
        kafka.createTopic(customers.commands(), 1);
        kafka.createTopic(customers.commandResults(), 1);
        SagaDefinition<OrderPlaced, PlaceOrderData> saga = definition(triggers, customers);

        Instant now = Instant.now();
        Instant twoHoursAgo = now.minus(Duration.ofHours(2));
        Instant oneHourAgo = now.minus(Duration.ofHours(1));
        try (KafkaProducer<String, byte[]> producer = producer(kafka)) {
            for (int i = 0; i < 100; i++) {
                publish(producer, triggers, "old-" + i, i < 50 ? twoHoursAgo : oneHourAgo);
            }
            producer.flush();
        }
        List<String> firstHalf = IntStream.range(0, 50).mapToObj(i -> "old-" + i).toList();
        List<String> secondHalf = IntStream.range(50, 100).mapToObj(i -> "old-" + i).toList();

        try (SagaRuntime<OrderPlaced, PlaceOrderData> fromBeginning = SagaRuntime.builder(saga, config(kafka, shop + "-a"))
                     .stateDirectory(dir.resolve("a")).startingAt(TriggerPosition.fromBeginning()).start();
             SagaRuntime<OrderPlaced, PlaceOrderData> byDefault = SagaRuntime.builder(saga, config(kafka, shop + "-b"))
                     .stateDirectory(dir.resolve("b")).start();
             SagaRuntime<OrderPlaced, PlaceOrderData> sinceNinetyMinutes = SagaRuntime.builder(saga, config(kafka, shop + "-c"))
                     .stateDirectory(dir.resolve("c")).startingAt(TriggerPosition.fromTimestamp(now.minus(Duration.ofMinutes(90)))).start()) {
            try (KafkaProducer<String, byte[]> producer = producer(kafka)) {
                publish(producer, triggers, "new", Instant.now());
            }
            Map<String, SagaRuntime<OrderPlaced, PlaceOrderData>> runtimes = Map.of("fromBeginning", fromBeginning, "byDefault", byDefault,
                    "sinceNinetyMinutes", sinceNinetyMinutes);
            runtimes.forEach((name, runtime) -> Await.until(PATIENCE, name + " started the saga of the trigger published after it",
                    () -> runtime.state("new").isPresent()));

            assertThat(started(fromBeginning, firstHalf)).as("from the beginning: the older half").hasSize(50);
            assertThat(started(fromBeginning, secondHalf)).as("from the beginning: the newer half").hasSize(50);
            assertThat(started(byDefault, firstHalf)).as("by default (from now on): none of the history").isEmpty();
            assertThat(started(byDefault, secondHalf)).as("by default (from now on): none of the history").isEmpty();
            assertThat(started(sinceNinetyMinutes, firstHalf)).as("from 90 minutes ago: not the two-hour-old half").isEmpty();
            assertThat(started(sinceNinetyMinutes, secondHalf)).as("from 90 minutes ago: the one-hour-old half").hasSize(50);
        }

        // the default runtime again, after a trigger was published while it was down: it goes on from where it was
        try (KafkaProducer<String, byte[]> producer = producer(kafka)) {
            publish(producer, triggers, "while-down", Instant.now());
        }
        try (SagaRuntime<OrderPlaced, PlaceOrderData> restarted = SagaRuntime.builder(saga, config(kafka, shop + "-b"))
                .stateDirectory(dir.resolve("b")).start()) {
            try (KafkaProducer<String, byte[]> producer = producer(kafka)) {
                publish(producer, triggers, "after-restart", Instant.now());
            }
            Await.until(PATIENCE, "the restarted runtime read the trigger published after it", () -> restarted.state("after-restart").isPresent());
            assertThat(restarted.state("while-down")).as("the trigger published while it was down").isPresent();
            assertThat(started(restarted, firstHalf)).isEmpty();
            assertThat(started(restarted, secondHalf)).isEmpty();
        }
    }

    private static SagaDefinition<OrderPlaced, PlaceOrderData> definition(String triggers, AggregateTopics customerTopics) {
        Participant<SpecificRecord, CommandResult<SpecificRecord>> customers = Participant.aggregate(customerTopics, SERDE, SERDE);
        return SagaDefinition.named("start-here", OrderPlaced.class)
                .from(triggers, SERDE)
                .sagaId(OrderPlaced::getOrderId)
                .data(PlaceOrderData.class, e -> new PlaceOrderData(e.getOrderId(), e.getCustomerId(), e.getSku(), e.getQuantity(), e.getTotal()))
                .step("reserve-credit")
                    .invoke(customers, PlaceOrderData::getCustomerId, d -> new ReserveCredit(d.getOrderId(), d.getTotal()))
                .build();
    }

    private static List<String> started(SagaRuntime<OrderPlaced, PlaceOrderData> runtime, List<String> ids) {
        return ids.stream().filter(id -> runtime.state(id).isPresent()).toList();
    }

    private static void publish(KafkaProducer<String, byte[]> producer, String topic, String orderId, Instant at) throws Exception {
        byte[] value = SERDE.serializer().serialize(topic, new OrderPlaced(orderId, "c-1", "sku-1", 1, 10L));
        producer.send(new ProducerRecord<>(topic, 0, at.toEpochMilli(), orderId, value)).get();
    }

    private static KafkaProducer<String, byte[]> producer(EmbeddedKafkaCluster kafka) {
        Map<String, Object> props = new HashMap<>(kafka.clientProperties());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    private static MyelinConfig config(EmbeddedKafkaCluster kafka, String application) {
        return MyelinConfig.builder(application).bootstrapServers(kafka.bootstrapServers()).singleBrokerDevMode().partitions(1)
                .property("commit.interval.ms", 20)
                .build();
    }
}
