package dev.myelin.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class SendOptionsTest {

    @Test
    void defaultsExpectAnyVersionAndLeaveIdAndTimeoutToTheGateway() {
        assertThat(SendOptions.defaults()).isEqualTo(new SendOptions(SendOptions.ANY_VERSION, "", Duration.ZERO));
    }

    @Test
    void withMethodsReturnChangedCopies() {
        SendOptions options = SendOptions.expectingVersion(3).withCommandId("c-1").withTimeout(Duration.ofSeconds(2));
        assertThat(options).isEqualTo(new SendOptions(3, "c-1", Duration.ofSeconds(2)));
        assertThat(SendOptions.defaults().expectedVersion()).isEqualTo(SendOptions.ANY_VERSION);
    }

    @Test
    void badValuesAreRejected() {
        assertThatThrownBy(() -> SendOptions.expectingVersion(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SendOptions.defaults().withCommandId(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SendOptions.defaults().withTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SendOptions(-2, "", Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
