package dev.myelin.processors.internal;

/**
 * What a projection processor hands downstream: a dead letter, an event on its way to the repartition
 * topic, or a new view value to publish. The DSL's {@code split()} sends each kind to its own sink;
 * these objects never leave the stream thread, so they need no serde.
 */
sealed interface Routed {

    /** The original value bytes of an event that failed; the record carries the dead-letter headers. */
    record Dead(byte[] value) implements Routed {
    }

    /** An event's original value bytes, re-keyed by its serialized view key. */
    record Pass(byte[] value) implements Routed {
    }

    /** A view's new value. */
    record Update(Object key, Object view) implements Routed {
    }
}
