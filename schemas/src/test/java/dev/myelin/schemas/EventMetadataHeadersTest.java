package dev.myelin.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class EventMetadataHeadersTest {
    private static final Instant AT = Instant.parse("2026-12-03T10:15:30.123Z");

    private static EventMetadata metadata(String eventId, long sequence) {
        return new EventMetadata(eventId, "Deposited", "acc-1", sequence, AT, "cmd-1", "corr-1", "cause-1");
    }

    private static long count(Headers headers, String name) {
        return Arrays.stream(headers.toArray()).map(Header::key).filter(name::equals).count();
    }

    @Test
    void writesEachFieldOnceIntoEmptyHeadersAndReadsThemBack() {
        Headers headers = metadata("e-1", 7).writeTo(new RecordHeaders());

        assertThat(headers.toArray()).hasSize(8);
        assertThat(EventMetadata.readFrom(headers)).isEqualTo(metadata("e-1", 7));
    }

    @Test
    void replacesTheMetadataHeadersAlreadyThereAndKeepsTheOthers() {
        Headers headers = new RecordHeaders();
        headers.add("app.tenant", "blue".getBytes(StandardCharsets.UTF_8));
        metadata("e-1", 7).writeTo(headers);

        metadata("e-2", 8).writeTo(headers);

        assertThat(count(headers, EventMetadata.EVENT_ID)).isEqualTo(1);
        assertThat(count(headers, EventMetadata.SEQUENCE)).isEqualTo(1);
        assertThat(headers.toArray()).hasSize(9);
        assertThat(EventMetadata.readFrom(headers)).isEqualTo(metadata("e-2", 8));
        assertThat(new String(headers.lastHeader("app.tenant").value(), StandardCharsets.UTF_8)).isEqualTo("blue");
    }
}
