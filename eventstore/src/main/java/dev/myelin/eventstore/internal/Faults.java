package dev.myelin.eventstore.internal;

import java.util.IdentityHashMap;
import java.util.Map;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.TaskCorruptedException;
import org.apache.kafka.streams.errors.TaskMigratedException;

import dev.myelin.schemas.SchemaRegistryUnavailableException;

/**
 * Sorts what a processor step threw: a registry outage, Kafka's own business, or the record's fault.
 * Shared by the runtimes that hold a partition on a registry outage (projections, saga runtime).
 */
public final class Faults {

    private Faults() {
    }

    /**
     * Returns the first {@code type} in {@code error}'s cause chain, or null.
     *
     * @param error an error
     * @param type  the type looked for
     * @param <T>   the type
     * @return the first match, or null
     */
    public static <T extends Throwable> T find(Throwable error, Class<T> type) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable t = error; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /**
     * Returns the registry outage behind {@code error}, or null. The serdes throw it unwrapped, but a
     * sink wraps what its serializer throws, so the whole chain is searched.
     *
     * @param error an error
     * @return the outage, or null
     */
    public static SchemaRegistryUnavailableException registryOutage(Throwable error) {
        return find(error, SchemaRegistryUnavailableException.class);
    }

    /**
     * Returns whether Kafka Streams must see {@code error} itself: a hold, its own failure (a store that
     * cannot be written, a fenced producer, a corrupted task) or a retriable client error. A sink's
     * serialization failure is a StreamsException too, but it is about the record, so it is the event's
     * fault when its cause is not Kafka's.
     *
     * @param error an error
     * @return true when Kafka Streams must handle it
     */
    public static boolean isKafkas(Throwable error) {
        if (error instanceof Holds.PartitionHeldException || error instanceof RetriableException
                || error instanceof TaskMigratedException || error instanceof TaskCorruptedException
                || error instanceof ProcessorStateException) {
            return true;
        }
        if (error instanceof SerializationException) {
            return false;
        }
        if (error instanceof StreamsException) {
            return error.getCause() == null || error.getCause() == error || isKafkas(error.getCause());
        }
        return error instanceof KafkaException;
    }

    /**
     * Returns what a serializer threw, from under Kafka Streams' wrapping (a sink wraps it in a
     * StreamsException, the node above in a FailedProcessingException), for the dead letter to name.
     *
     * @param error an error
     * @return the innermost cause that is not a StreamsException wrapper
     */
    public static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while (t instanceof StreamsException && t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
