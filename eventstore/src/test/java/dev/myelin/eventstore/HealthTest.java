package dev.myelin.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

/** Liveness and readiness, read from the one health shape. */
class HealthTest {
    private static final Instant T0 = Instant.parse("2026-01-01T12:03:00Z");

    @Test
    void aRunningRuntimeIsLiveAndReady() {
        assertThat(Health.running().isLive()).isTrue();
        assertThat(Health.running().isReady()).isTrue();
    }

    @Test
    void aRuntimeCatchingUpIsLiveButNotReady() {
        Health health = Health.catchingUp("catching up: 12 events left", T0);

        assertThat(health.isLive()).isTrue();
        assertThat(health.isReady()).isFalse();
        assertThat(health).isEqualTo(new Health.CatchingUp("catching up: 12 events left", T0));
    }

    @Test
    void aDegradedRuntimeIsLiveButNotReady() {
        Health health = Health.degraded("partition 3 held: schema registry unavailable", T0);

        assertThat(health.isLive()).isTrue();
        assertThat(health.isReady()).isFalse();
    }

    @Test
    void aFailedRuntimeIsNeitherLiveNorReady() {
        Health health = Health.failed(new IllegalStateException("stopped"));

        assertThat(health.isLive()).isFalse();
        assertThat(health.isReady()).isFalse();
    }
}
