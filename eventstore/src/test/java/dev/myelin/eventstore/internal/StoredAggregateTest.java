package dev.myelin.eventstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class StoredAggregateTest {

    @Test
    void theCommandWindowKeepsOnlyTheLatestOutcomes() {
        StoredAggregate stored = new StoredAggregate(0, new byte[] {1}, List.of());
        for (int i = 1; i <= 5; i++) {
            stored = stored.with(i, new byte[] {(byte) i}, new StoredAggregate.Outcome("c" + i, true, i, 1, ""), 3);
        }
        assertThat(stored.recent()).extracting(StoredAggregate.Outcome::commandId).containsExactly("c3", "c4", "c5");
        assertThat(stored.find("c2")).isEmpty();
        assertThat(stored.find("c4")).isPresent();
    }

    @Test
    void aValueSurvivesEncoding() {
        StoredAggregate stored = new StoredAggregate(7, new byte[] {9, 8}, List.of(new StoredAggregate.Outcome("a", true, 7, 2, ""),
                new StoredAggregate.Outcome("b", false, 0, 0, "no money")));
        StoredAggregate decoded = StoredAggregate.decode(stored.encode());
        assertThat(decoded.version()).isEqualTo(7);
        assertThat(decoded.state()).containsExactly(9, 8);
        assertThat(decoded.recent()).isEqualTo(stored.recent());
    }
}
