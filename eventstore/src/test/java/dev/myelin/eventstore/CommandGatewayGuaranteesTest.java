package dev.myelin.eventstore;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.myelin.eventstore.bank.Account;

/** The gateway refuses weaker settings before it connects anywhere (the address here has no broker). */
class CommandGatewayGuaranteesTest {

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({"acks,1", "producer.acks,0", "enable.idempotence,false", "producer.enable.idempotence,false",
            "isolation.level,read_uncommitted", "consumer.isolation.level,read_uncommitted"})
    void aGatewayWithAWeakeningSettingDoesNotStart(String key, String value) {
        MyelinConfig config = MyelinConfig.builder("bank").bootstrapServers("127.0.0.1:1").property(key, value).build();
        assertThatThrownBy(() -> BankApp.gateway(config)).isInstanceOf(WeakerGuaranteeException.class)
                .hasMessageContaining("the command gateway of bank.account.commands refuses")
                .hasMessageContaining(key + "=" + value).hasMessageContaining(MyelinConfig.ALLOW_WEAKER_GUARANTEES + "=true");
    }
}
