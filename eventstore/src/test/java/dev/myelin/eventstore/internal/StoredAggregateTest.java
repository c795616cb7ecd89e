package dev.myelin.eventstore.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

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

    @Test
    void uuidCommandIdsAreStoredAsSixteenBytesAndComeBackAsTheSameText() {
        List<StoredAggregate.Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            outcomes.add(new StoredAggregate.Outcome(UUID.randomUUID().toString(), true, 1_000 + i, 1, ""));
        }
        outcomes.add(new StoredAggregate.Outcome("ABCDEF01-2345-6789-ABCD-EF0123456789", true, 2_000, 3, "")); // upper case: kept as text
        outcomes.add(new StoredAggregate.Outcome("order-17", false, 0, 0, "out of stock"));
        StoredAggregate stored = new StoredAggregate(2_000, new byte[] {1, 2, 3}, outcomes);

        byte[] encoded = stored.encode();
        StoredAggregate decoded = StoredAggregate.decode(encoded);

        assertThat(decoded.recent()).isEqualTo(outcomes);
        assertThat(decoded.version()).isEqualTo(2_000);
        // 32 UUID outcomes at 1 flag + 16 id + 2 version + 1 count bytes, instead of 4 + 36 + 1 + 8 + 4 as text
        assertThat(encoded.length).isLessThan(32 * 21 + 120);
    }

    @Test
    void aValueInTheFirstFormatIsStillRead() {
        Binary.Out out = new Binary.Out().writeByte(1).writeLong(5).writeBytes(new byte[] {7}).writeInt(2);
        out.writeString("c1").writeByte(1).writeLong(5).writeInt(2);
        out.writeString("c2").writeByte(0).writeString("no money");

        StoredAggregate decoded = StoredAggregate.decode(out.toByteArray());

        assertThat(decoded.version()).isEqualTo(5);
        assertThat(decoded.state()).containsExactly(7);
        assertThat(decoded.recent()).containsExactly(new StoredAggregate.Outcome("c1", true, 5, 2, ""),
                new StoredAggregate.Outcome("c2", false, 0, 0, "no money"));
    }

    @Test
    void anUnknownFormatOrATruncatedValueIsACleanError() {
        assertThatThrownBy(() -> StoredAggregate.decode(new byte[] {9}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown aggregate store format 9");
        byte[] whole = new StoredAggregate(3, new byte[] {1}, List.of(new StoredAggregate.Outcome("c", true, 3, 1, ""))).encode();
        assertThatThrownBy(() -> StoredAggregate.decode(Arrays.copyOf(whole, whole.length - 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
    }
}
