package dev.myelin.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.EmbeddedSchemaRegistry;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.embedded.MyelinSchemaRegistry;
import dev.myelin.schemas.testing.AccountOpened;
import dev.myelin.schemas.testing.MoneyDeposited;

/** Myelin's serdes in a real producer and consumer, configured from plain Kafka properties. */
@MyelinKafka(brokers = 1)
@MyelinSchemaRegistry
class KafkaRoundTripIT {

    private final EmbeddedKafkaCluster kafka;
    private final EmbeddedSchemaRegistry embedded;

    KafkaRoundTripIT(EmbeddedKafkaCluster kafka, EmbeddedSchemaRegistry embedded) {
        this.kafka = kafka;
        this.embedded = embedded;
    }

    @Test
    void events_of_several_types_round_trip_through_kafka() {
        kafka.createTopic("bank.account.events", 1);
        List<Object> sent = List.of(new AccountOpened("acc-1", "Ada", "EUR"), new MoneyDeposited("acc-1", 500L),
                new MoneyDeposited("acc-1", 250L));

        try (KafkaProducer<String, Object> producer = producer()) {
            for (Object event : sent) {
                producer.send(new ProducerRecord<>("bank.account.events", "acc-1", event));
            }
            producer.flush();
        }
        AvroDeserializer<Object> deserializer = new AvroDeserializer<>();
        deserializer.configure(Map.of(SchemaRegistryConfig.URL, embedded.url(), AvroSerdeConfig.SPECIFIC_READER, "true",
                AvroSerdeConfig.TRUSTED_PACKAGES, "dev.myelin.schemas.testing"), false);
        List<ConsumerRecord<String, Object>> read = kafka.readAll("bank.account.events", new StringDeserializer(), deserializer);

        assertThat(read).extracting(ConsumerRecord::value).containsExactlyElementsOf(sent);
        SchemaRegistry registry = SchemaRegistry.connect(Map.of(SchemaRegistryConfig.URL, embedded.url()));
        assertThat(registry.subjects()).contains("dev.myelin.schemas.testing.AccountOpened",
                "dev.myelin.schemas.testing.MoneyDeposited");
    }

    @Test
    void an_incompatible_schema_fails_the_send_and_nothing_is_written() {
        kafka.createTopic("bank.strict.events", 1);
        SchemaRegistry registry = SchemaRegistry.connect(Map.of(SchemaRegistryConfig.URL, embedded.url()));
        registry.setCompatibility("bank.strict.events-value", CompatibilityLevel.FULL);
        registry.register("bank.strict.events-value", TestSchemas.parse("""
                {"type":"record","name":"AccountOpened","namespace":"dev.myelin.schemas.testing","fields":[
                  {"name":"accountId","type":"string"},{"name":"owner","type":"string"},
                  {"name":"branch","type":"string"}]}"""));

        try (KafkaProducer<String, Object> producer = producer(Map.of(AvroSerdeConfig.SUBJECT_NAME_STRATEGY, "topic"))) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>("bank.strict.events", "acc-1",
                    new AccountOpened("acc-1", "Ada", "EUR"))))
                    .isInstanceOfSatisfying(IncompatibleSchemaException.class,
                            e -> assertThat(e.registryMessage()).contains("branch"));
            producer.flush();
        }

        assertThat(kafka.readAll("bank.strict.events")).isEmpty();
        assertThat(registry.versions("bank.strict.events-value")).containsExactly(1);
    }

    private KafkaProducer<String, Object> producer() {
        return producer(Map.of());
    }

    private KafkaProducer<String, Object> producer(Map<String, Object> extra) {
        Map<String, Object> props = kafka.clientProperties();
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
        props.put(SchemaRegistryConfig.URL, embedded.url());
        props.putAll(extra);
        return new KafkaProducer<>(props);
    }
}
