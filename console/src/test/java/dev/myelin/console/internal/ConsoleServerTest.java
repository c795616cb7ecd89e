package dev.myelin.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which Host headers a console on a loopback address answers. */
class ConsoleServerTest {

    @Test
    void loopbackNamesAreThisMachine() {
        assertThat(ConsoleServer.loopbackHost("127.0.0.1:8086")).isTrue();
        assertThat(ConsoleServer.loopbackHost("localhost:8086")).isTrue();
        assertThat(ConsoleServer.loopbackHost("LOCALHOST")).isTrue();
        assertThat(ConsoleServer.loopbackHost("[::1]:8086")).isTrue();
    }

    @Test
    void anyOtherNameIsNot() {
        assertThat(ConsoleServer.loopbackHost("evil.example:8086")).isFalse();
        assertThat(ConsoleServer.loopbackHost("localhost.evil.example")).isFalse();
        assertThat(ConsoleServer.loopbackHost("")).isFalse();
    }
}
