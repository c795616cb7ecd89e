package dev.myelin.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@MyelinKafka(brokers = 1, brokerProperties = "log.cleaner.backoff.ms=250")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MyelinKafkaExtensionIT {

    private static EmbeddedKafkaCluster first;

    @Test
    @Order(1)
    void injectsARunningCluster(EmbeddedKafkaCluster kafka) throws Exception {
        first = kafka;
        assertThat(kafka.runningBrokers()).containsExactly(1);
        assertThat(kafka.admin().describeCluster().nodes().get()).hasSize(1);
        var config = kafka.admin().describeConfigs(java.util.List.of(
                new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.BROKER, "1")))
                .all().get().values().iterator().next();
        assertThat(config.get("log.cleaner.backoff.ms").value()).isEqualTo("250");
        assertThat(config.get("auto.create.topics.enable").value()).isEqualTo("false");
    }

    @Test
    @Order(2)
    void injectsTheSameClusterIntoEveryTestOfTheClass(EmbeddedKafkaCluster kafka) {
        assertThat(kafka).isSameAs(first);
    }
}
