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
    void anOutcomeSurvivesTheOutcomesStoreCodec() {
        StoredAggregate.Outcome accepted = new StoredAggregate.Outcome("c1", true, 10_004, 3, "");
        StoredAggregate.Outcome rejected = new StoredAggregate.Outcome("c2", false, 0, 0, "no money");

        Binary.In acceptedIn = new Binary.In(CommandOutcomes.encode(accepted, 1_700_000_000_123L));
        Binary.In rejectedIn = new Binary.In(CommandOutcomes.encode(rejected, 42L));

        assertThat(acceptedIn.readLong()).isEqualTo(1_700_000_000_123L);
        assertThat(CommandOutcomes.decode("c1", acceptedIn)).isEqualTo(accepted);
        assertThat(rejectedIn.readLong()).isEqualTo(42L);
        assertThat(CommandOutcomes.decode("c2", rejectedIn)).isEqualTo(rejected);
    }

    @Test
    void outcomeKeysTellAggregatesAndIdsApart() {
        String uuid = UUID.randomUUID().toString();

        assertThat(CommandOutcomes.key("acc-1", uuid)).isEqualTo(CommandOutcomes.key("acc-1", uuid));
        assertThat(CommandOutcomes.key("acc-1", uuid)).isNotEqualTo(CommandOutcomes.key("acc-2", uuid));
        // the aggregate id is length-prefixed, so no split of the same characters makes the same key
        assertThat(CommandOutcomes.key("a", "bc")).isNotEqualTo(CommandOutcomes.key("ab", "c"));
        // a UUID id is 16 bytes, not 36 characters
        assertThat(CommandOutcomes.key("acc-1", uuid).get().length).isLessThan(CommandOutcomes.key("acc-1", "x".repeat(36)).get().length);
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
