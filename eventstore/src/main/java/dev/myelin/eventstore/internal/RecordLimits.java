package dev.myelin.eventstore.internal;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.StreamsConfig;

/**
 * How large a record the command processor may write. A record over the producer's
 * {@code max.request.size} fails the whole transaction, and under exactly-once the task would then
 * meet the same command again after every restart: so the processor measures what it is about to
 * write and refuses the command instead.
 */
public final class RecordLimits {
    /** Room for the batch header and per-record framing the producer adds around key, value and headers. */
    private static final int OVERHEAD = 1_024;
    /** A rejection reason is text for people; beyond this it is cut, so a huge one cannot make the answer too large. */
    private static final int MAX_REASON_CHARS = 4_096;

    private RecordLimits() {
    }

    /**
     * Returns the largest key, value and headers a runtime may write in one record, from its Streams configs.
     *
     * @param configs the Kafka Streams configs ({@code context.appConfigs()})
     * @return the producer's {@code max.request.size} less framing overhead
     */
    public static int maxRecordBytes(Map<String, Object> configs) {
        Object configured = configs.get(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
        if (configured == null) {
            configured = configs.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        }
        int limit = configured == null ? 1_048_576 : Integer.parseInt(configured.toString().trim());
        return Math.max(limit - OVERHEAD, OVERHEAD);
    }

    /**
     * Returns the bytes a record of {@code key}, {@code value} and {@code headers} takes before framing.
     *
     * @param key     the key, or null
     * @param value   the value, or null
     * @param headers the headers, or null
     * @return the size in bytes
     */
    public static long size(String key, byte[] value, Headers headers) {
        long size = key == null ? 0 : key.getBytes(StandardCharsets.UTF_8).length;
        size += value == null ? 0 : value.length;
        if (headers != null) {
            for (Header header : headers) {
                size += header.key().length() + (header.value() == null ? 0 : header.value().length) + 8;
            }
        }
        return size;
    }

    /** Returns {@code reason}, cut to a length that always fits in an answer. */
    static String shorten(String reason) {
        return reason.length() <= MAX_REASON_CHARS ? reason
                : reason.substring(0, MAX_REASON_CHARS) + "... (" + (reason.length() - MAX_REASON_CHARS) + " more characters)";
    }
}
