package dev.myelin.eventstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.eventstore.bank.Account;

/** The Kafka Streams settings an event store runs with: Myelin's latency defaults, and a user's own value wins. */
class EventStorePropertiesTest {
    private static final String FETCH_WAIT = StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG);

    @Test
    void theProcessorsFetchWaitsBrieflyForCommandsOthersWroteInTransactionsUnlessTheUserSaysOtherwise() {
        Properties defaults = DefaultEventStore.streamsProperties(config().build(), Optional.empty(), Account.TYPE);
        assertThat(defaults.get(FETCH_WAIT)).isEqualTo(10);
        assertThat(defaults.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(5);

        Properties own = DefaultEventStore.streamsProperties(config().property(FETCH_WAIT, 250).build(), Optional.empty(), Account.TYPE);
        assertThat(own.get(FETCH_WAIT)).isEqualTo(250);
    }

    private static MyelinConfig.Builder config() {
        return MyelinConfig.builder("bank").bootstrapServers("unused:9092").singleBrokerDevMode();
    }
}
