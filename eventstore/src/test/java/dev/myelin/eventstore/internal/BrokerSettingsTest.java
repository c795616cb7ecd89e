package dev.myelin.eventstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class BrokerSettingsTest {

    @Test
    void warnsAboutKafkasDefaultOnSeveralBrokersAndSaysWhatToSet() {
        assertThat(BrokerSettings.advice(3, Optional.of("100"))).hasValueSatisfying(warning -> assertThat(warning)
                .contains("add.partitions.to.txn.retry.backoff.max.ms is 100 ms", "on 3 brokers",
                        "add.partitions.to.txn.retry.backoff.max.ms=5000"));
    }

    @Test
    void saysNothingWhenTheLeadersWaitLongEnoughOrThereIsOneBrokerOrNoAnswer() {
        assertThat(BrokerSettings.advice(3, Optional.of("5000"))).isEmpty();
        assertThat(BrokerSettings.advice(3, Optional.of("1000"))).isEmpty();
        assertThat(BrokerSettings.advice(1, Optional.of("100"))).isEmpty();
        assertThat(BrokerSettings.advice(3, Optional.empty())).isEmpty();
        assertThat(BrokerSettings.advice(3, Optional.of("soon"))).isEmpty();
    }
}
