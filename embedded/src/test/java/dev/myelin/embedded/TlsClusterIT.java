package dev.myelin.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * A cluster built with {@code tls()} serves its clients and its brokers' replication over TLS only,
 * with a certificate its clients can verify through {@link EmbeddedKafkaCluster#clientProperties()}.
 */
class TlsClusterIT {

    @Test
    void threeBrokersReplicateAndServeTransactionsOverTls() throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().brokers(3).tls().start()) {
            assertThat(kafka.usesTls()).isTrue();
            assertThat(kafka.isSecured()).as("TLS alone asks for no login").isFalse();
            assertThat(kafka.clientProperties()).containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL")
                    .containsKeys("ssl.truststore.location", "ssl.truststore.password");

            kafka.createTopic("tls-records", 3); // replication 3: the brokers replicate to each other over TLS
            Map<String, Object> config = kafka.clientProperties();
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tls-test");
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            try (var producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                for (int i = 0; i < 100; i++) {
                    producer.send(new ProducerRecord<>("tls-records", "key-" + (i % 7), "value-" + i));
                }
                producer.commitTransaction();
            }
            List<ConsumerRecord<String, String>> records = kafka.readAll("tls-records", new StringDeserializer(),
                    new StringDeserializer(), Duration.ofSeconds(30));
            assertThat(records).extracting(ConsumerRecord::value)
                    .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 100).mapToObj(i -> "value-" + i).toList());
        }
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateIsRefusedAndSaysWhy() {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().tls().start()) {
            Map<String, Object> untrusting = new HashMap<>();
            untrusting.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            untrusting.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL"); // the JDK's default trust store only
            untrusting.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
            untrusting.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
            try (Admin admin = Admin.create(untrusting)) {
                assertThatThrownBy(() -> admin.describeCluster().clusterId().get(15, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SslAuthenticationException.class);
            }
        }
    }

    @Test
    void saslAndTlsTogetherGiveSaslSslClientSettings() throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().saslScram().tls().start()) {
            kafka.addUser("bank", "bank-secret");
            Map<String, Object> asBank = kafka.clientProperties("bank", "bank-secret");
            assertThat(asBank).containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL")
                    .containsKeys("sasl.jaas.config", "ssl.truststore.location");
            assertThat(kafka.admin().describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
        }
    }

    @Test
    void tlsCannotBeSetTwice() {
        EmbeddedKafkaCluster.Builder builder = EmbeddedKafkaCluster.builder().tls();
        assertThatThrownBy(builder::tls).isInstanceOf(IllegalStateException.class).hasMessage("tls was already set");
    }
}
