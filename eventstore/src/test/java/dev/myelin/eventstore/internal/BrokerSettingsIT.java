package dev.myelin.eventstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

import dev.myelin.embedded.EmbeddedKafkaCluster;

/** The broker-settings advice reads a real broker's settings: Kafka's default on three brokers gets the warning. */
class BrokerSettingsIT {

    @Test
    void threeBrokersAtKafkasDefaultGetTheWarningAndOneBrokerDoesNot() throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(3); Admin admin = Admin.create(kafka.clientProperties())) {
            assertThat(BrokerSettings.advice(admin)).hasValueSatisfying(warning -> assertThat(warning)
                    .contains("add.partitions.to.txn.retry.backoff.max.ms is 100 ms", "on 3 brokers"));
        }
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1); Admin admin = Admin.create(kafka.clientProperties())) {
            assertThat(BrokerSettings.advice(admin)).isEmpty();
        }
    }
}
