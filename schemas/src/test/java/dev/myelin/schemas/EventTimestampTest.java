package dev.myelin.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The timestamp header's fast reader must agree with {@link Instant#parse} on everything. */
class EventTimestampTest {

    @Test
    void readsWhatInstantToStringWritesAtEveryPrecision() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 20_000; i++) {
            long seconds = random.nextLong(-62_000_000_000L, 253_402_300_799L); // years 0004 to 9999
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1_000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant instant = Instant.ofEpochSecond(seconds, nanos);
            assertThat(EventMetadata.parseInstant(instant.toString())).as(instant.toString()).isEqualTo(instant);
        }
    }

    @Test
    void agreesWithInstantParseOnUnusualValidAndInvalidText() {
        // whatever the fast path does not take goes to Instant.parse: the two must agree on all of these
        String[] texts = {"2026-11-24T10:15:30.1Z", "2024-02-29T23:59:59.123456789Z", "+10000-01-01T00:00:00Z",
                "2026-11-24T10:15:30+01:00", "2026-11-24t10:15:30Z", "2026-11-24T24:00:00Z", "2026-12-31T23:59:60Z",
                "2026-02-30T10:15:30Z", "2026-13-01T10:15:30Z", "2026-11-24T10:60:00Z", "2026-11-24T10:15:30.Z",
                "2026-11-24T10:15:30.1234567890Z", "2026-1x-24T10:15:30Z", "2023-02-29T00:00:00Z", "yesterday", ""};
        int refused = 0;
        for (String text : texts) {
            Instant expected;
            try {
                expected = Instant.parse(text);
            } catch (DateTimeParseException e) {
                refused++;
                assertThatThrownBy(() -> EventMetadata.parseInstant(text)).as(text).isInstanceOf(DateTimeParseException.class);
                continue;
            }
            assertThat(EventMetadata.parseInstant(text)).as(text).isEqualTo(expected);
        }
        assertThat(refused).as("texts Instant.parse refuses").isGreaterThanOrEqualTo(8);
    }
}
