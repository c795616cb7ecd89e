package dev.myelin.processors.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.Health;

/** A projection's readiness: catching up until it has folded what its sources held when first seen running. */
class CatchUpTest {
    private static final Instant STARTED = Instant.parse("2026-01-01T12:00:00Z");
    private static final TopicPartition P0 = new TopicPartition("bank.account.events", 0);

    /** Sources whose end and whose projection position a test moves by hand. */
    private static final class Sources implements CatchUp.Progress {
        long end;
        long position;
        final List<Map<TopicPartition, Long>> targetsAsked = new ArrayList<>();
        RuntimeException unreachable;

        @Override
        public Map<TopicPartition, Long> sourceEnds() {
            if (unreachable != null) {
                throw unreachable;
            }
            return new HashMap<>(Map.of(P0, end));
        }

        @Override
        public long behind(Map<TopicPartition, Long> targets) {
            if (unreachable != null) {
                throw unreachable;
            }
            targetsAsked.add(targets);
            return Math.max(0, targets.get(P0) - position);
        }
    }

    @Test
    void aProjectionBehindItsSourcesIsCatchingUpAndNotReady() {
        Sources sources = new Sources();
        sources.end = 120;
        sources.position = 20;

        Health health = new CatchUp(sources, STARTED).health(Health.running());

        assertThat(health).isInstanceOfSatisfying(Health.CatchingUp.class, c -> {
            assertThat(c.reason()).contains("100 of the events");
            assertThat(c.since()).isEqualTo(STARTED);
        });
        assertThat(health.isLive()).isTrue();
        assertThat(health.isReady()).isFalse();
    }

    @Test
    void theTargetIsFixedWhenFirstAskedSoASourceThatKeepsGrowingDoesNotKeepItCatchingUp() {
        Sources sources = new Sources();
        sources.end = 100;
        CatchUp catchUp = new CatchUp(sources, STARTED);
        catchUp.health(Health.running());

        sources.end = 500;          // new events keep coming
        sources.position = 100;     // but everything there at first is folded

        assertThat(catchUp.health(Health.running())).isEqualTo(Health.running());
        assertThat(sources.targetsAsked).allSatisfy(t -> assertThat(t).containsEntry(P0, 100L));
    }

    @Test
    void onceCaughtUpItStaysReadyWithoutAskingTheCluster() {
        Sources sources = new Sources();
        CatchUp catchUp = new CatchUp(sources, STARTED);
        assertThat(catchUp.health(Health.running()).isReady()).isTrue();

        sources.unreachable = new IllegalStateException("cluster unreachable");

        assertThat(catchUp.health(Health.running())).isEqualTo(Health.running());
    }

    @Test
    void aLagThatCannotBeReadKeepsItCatchingUp() {
        Sources sources = new Sources();
        sources.unreachable = new IllegalStateException("cluster unreachable");

        assertThat(new CatchUp(sources, STARTED).health(Health.running()))
                .isInstanceOfSatisfying(Health.CatchingUp.class, c -> assertThat(c.reason()).contains("cluster unreachable"));
    }

    @Test
    void aDegradedOrFailedRuntimeSpeaksFirst() {
        Sources sources = new Sources();
        sources.end = 10;
        CatchUp catchUp = new CatchUp(sources, STARTED);
        Health degraded = Health.degraded("partition 0 held", STARTED);

        assertThat(catchUp.health(degraded)).isSameAs(degraded);
        assertThat(sources.targetsAsked).isEmpty();
    }

    @Test
    void progressIsTheShareOfTheEventsLeftAtTheFirstLookThatWereFoldedSince() {
        Sources sources = new Sources();
        sources.end = 120;
        sources.position = 20;
        CatchUp catchUp = new CatchUp(sources, STARTED);

        assertThat(catchUp.progress()).isZero();
        sources.position = 70;
        assertThat(catchUp.progress()).isEqualTo(0.5);
        sources.end = 500; // a burst after the start is not part of the rebuild
        sources.position = 120;
        assertThat(catchUp.progress()).isEqualTo(1.0);
    }

    @Test
    void aProjectionCaughtUpIsDone() {
        Sources sources = new Sources();
        sources.end = 10;
        sources.position = 10;
        CatchUp catchUp = new CatchUp(sources, STARTED);

        assertThat(catchUp.health(Health.running())).isEqualTo(Health.running());
        sources.unreachable = new IllegalStateException("no broker");
        assertThat(catchUp.progress()).as("known without asking the cluster").isEqualTo(1.0);
    }
}
