package dev.myelin.processors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import dev.myelin.schemas.RecordOrigin;

/** Reading a dead-letter record back with {@link DeadLetter#from}. */
class DeadLetterTest {

    private static ConsumerRecord<byte[], byte[]> record(Headers headers) {
        return new ConsumerRecord<>("balances.dead-letters", 0, 5L, 0L, TimestampType.CREATE_TIME, -1, -1,
                "a-1".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2}, headers, Optional.empty());
    }

    private static void add(Headers headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aDeadLetterRecordReadsBackWithItsOriginAndError() {
        Headers headers = new RecordHeaders();
        add(headers, DeadLetter.PROJECTION, "balances");
        add(headers, DeadLetter.REASON, "HANDLER_FAILED");
        add(headers, DeadLetter.ERROR_CLASS, "java.lang.IllegalStateException");
        add(headers, DeadLetter.ERROR_MESSAGE, "overdrawn");
        add(headers, DeadLetter.STACK_TRACE, "at Balances.on");
        add(headers, DeadLetter.SOURCE_TOPIC, "bank.account.events");
        add(headers, DeadLetter.SOURCE_PARTITION, "2");
        add(headers, DeadLetter.SOURCE_OFFSET, "41");
        add(headers, DeadLetter.ATTEMPTS, "3");
        add(headers, DeadLetter.FAILED_AT, "2030-01-01T00:00:00Z");

        DeadLetter letter = DeadLetter.from(record(headers));

        assertThat(letter.projection()).isEqualTo("balances");
        assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.HANDLER_FAILED);
        assertThat(letter.errorMessage()).isEqualTo("overdrawn");
        assertThat(letter.origin()).isEqualTo(RecordOrigin.of("bank.account.events", 2, 41));
        assertThat(letter.attempts()).isEqualTo(3);
        assertThat(letter.failedAt()).isEqualTo(Instant.parse("2030-01-01T00:00:00Z"));
        assertThat(letter.key()).asString(StandardCharsets.UTF_8).isEqualTo("a-1");
        assertThat(letter.value()).containsExactly(1, 2);
    }

    @Test
    void aRecordWithoutDeadLetterHeadersIsRefused() {
        assertThatThrownBy(() -> DeadLetter.from(record(new RecordHeaders())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(DeadLetter.SOURCE_TOPIC);
    }
}
