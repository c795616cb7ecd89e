package dev.myelin.processors.internal;

import java.util.Map;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import dev.myelin.processors.ViewTooLargeException;

/**
 * A view serde that refuses a view too large for the producer: checked when the store or the publish
 * sink serializes it, inside {@code process}, so the event behind it is dead-lettered with the reason.
 * Unchecked, such a view would fail later, in the changelog or publish send at commit, out of reach of
 * the event, and stop the stream thread on every try.
 */
final class LimitedSerde<V> implements Serde<V> {

    /** Room left in a request for the key, headers and batch overhead. */
    static final int OVERHEAD = 8 * 1024;

    private final Serde<V> inner;
    private final int maxRequestSize;
    private final Serializer<V> serializer;

    LimitedSerde(Serde<V> inner, int maxRequestSize) {
        this.inner = inner;
        this.maxRequestSize = maxRequestSize;
        this.serializer = new Serializer<>() {
            @Override
            public byte[] serialize(String topic, V data) {
                return check(topic, inner.serializer().serialize(topic, data));
            }

            @Override
            public byte[] serialize(String topic, Headers headers, V data) {
                return check(topic, inner.serializer().serialize(topic, headers, data));
            }
        };
    }

    private byte[] check(String topic, byte[] bytes) {
        if (bytes != null && bytes.length > maxRequestSize - OVERHEAD) {
            throw new ViewTooLargeException("the view is " + bytes.length + " bytes serialized (for " + topic
                    + "), more than max.request.size " + maxRequestSize + " less " + OVERHEAD
                    + " bytes for key and headers allows; keep views small (split the view, or keep only a summary),"
                    + " or raise max.request.size and the topics' max.message.bytes together");
        }
        return bytes;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        inner.configure(configs, isKey);
    }

    @Override
    public Serializer<V> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<V> deserializer() {
        return inner.deserializer();
    }
}
