package dev.myelin.processors.internal;

import java.time.Duration;
import java.util.Map;

import org.apache.kafka.common.serialization.Serde;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

import dev.myelin.eventstore.internal.Holds;
import dev.myelin.eventstore.internal.Telemetry;

/**
 * Builds the Kafka Streams topology of one projection:
 * <pre>
 * events topics (bytes) --[rekey --&gt; repartition topic]--&gt; fold (view store) --&gt; publish topic
 *                              \--&gt; dead letters          \--&gt; dead letters
 * </pre>
 * Records stay bytes until a processor decodes them, so a corrupt record reaches code that can
 * dead-letter it instead of failing in a source deserializer.
 */
public final class ProjectionTopology {

    private static final String DEAD = "dead";
    private static final String OTHER = "other";

    private ProjectionTopology() {
    }

    /** The producer's default {@code max.request.size}. */
    public static final int DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;
    /** How long one {@code process} call waits for the schema registry, unless the runtime says otherwise. */
    public static final Duration DEFAULT_MAX_BLOCK = Duration.ofSeconds(5);

    /**
     * Returns the topology of {@code definition} with the default hold budget and request size.
     *
     * @param definition the projection
     * @param <K>        the key type
     * @param <E>        the event type
     * @param <V>        the view type
     * @return a new topology
     */
    public static <K, E, V> Topology build(ProjectionDefinition<K, E, V> definition) {
        return build(definition, new Holds("Projection " + definition.name(), DEFAULT_MAX_BLOCK), DEFAULT_MAX_REQUEST_SIZE,
                Telemetry.none());
    }

    /**
     * Returns the topology of {@code definition}, counting nothing.
     *
     * @param definition     the projection
     * @param holds          where its processors record held partitions, and how long they wait
     * @param maxRequestSize the producer's {@code max.request.size}: larger views are dead-lettered
     * @param <K>            the key type
     * @param <E>            the event type
     * @param <V>            the view type
     * @return a new topology
     */
    public static <K, E, V> Topology build(ProjectionDefinition<K, E, V> definition, Holds holds, int maxRequestSize) {
        return build(definition, holds, maxRequestSize, Telemetry.none());
    }

    /**
     * Returns the topology of {@code definition}.
     *
     * @param definition     the projection
     * @param holds          where its processors record held partitions, and how long they wait
     * @param maxRequestSize the producer's {@code max.request.size}: larger views are dead-lettered
     * @param telemetry      where its processors count events folded and dead-lettered, and open spans
     * @param <K>            the key type
     * @param <E>            the event type
     * @param <V>            the view type
     * @return a new topology
     */
    public static <K, E, V> Topology build(ProjectionDefinition<K, E, V> definition, Holds holds, int maxRequestSize,
                                           Telemetry telemetry) {
        return build(definition, holds, maxRequestSize, telemetry, new FoldedUpTo());
    }

    /** As {@link #build(ProjectionDefinition, Holds, int, Telemetry)}, noting in {@code foldedUpTo} the newest event processed. */
    static <K, E, V> Topology build(ProjectionDefinition<K, E, V> definition, Holds holds, int maxRequestSize, Telemetry telemetry,
                                    FoldedUpTo foldedUpTo) {
        Serde<V> views = new LimitedSerde<>(definition.viewSerde(), maxRequestSize);
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(definition.storeName()),
                definition.keySerde(), views).withCachingEnabled());

        KStream<byte[], byte[]> events = builder.stream(definition.inputTopics(),
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("myelin-events"));
        if (definition.rekeyed()) {
            Map<String, KStream<Object, Routed>> rekeyed = events
                    .process(() -> new RekeyProcessor<>(definition, holds, maxRequestSize, telemetry), Named.as("myelin-rekey"))
                    .split(Named.as("myelin-rekey-"))
                    .branch((key, routed) -> routed instanceof Routed.Dead, Branched.as(DEAD))
                    .defaultBranch(Branched.as(OTHER));
            deadLetters(definition, rekeyed.get("myelin-rekey-" + DEAD), "myelin-rekey-");
            events = rekeyed.get("myelin-rekey-" + OTHER)
                    .map((key, routed) -> KeyValue.pair((byte[]) key, ((Routed.Pass) routed).value()),
                            Named.as("myelin-rekey-unwrap"))
                    .repartition(Repartitioned.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("myelin-rekey"));
        }
        Map<String, KStream<Object, Routed>> folded = events
                .process(() -> new FoldProcessor<>(definition, holds, maxRequestSize, telemetry, foldedUpTo), Named.as("myelin-fold"), definition.storeName())
                .split(Named.as("myelin-fold-"))
                .branch((key, routed) -> routed instanceof Routed.Dead, Branched.as(DEAD))
                .defaultBranch(Branched.as(OTHER));
        deadLetters(definition, folded.get("myelin-fold-" + DEAD), "myelin-fold-");
        definition.publishTopic().ifPresent(topic -> publish(definition, views, folded.get("myelin-fold-" + OTHER), topic));
        return builder.build();
    }

    private static void deadLetters(ProjectionDefinition<?, ?, ?> definition, KStream<Object, Routed> dead, String prefix) {
        dead.map((key, routed) -> KeyValue.pair((byte[]) key, ((Routed.Dead) routed).value()), Named.as(prefix + "dead-unwrap"))
                .to(definition.deadLetterTopic(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray())
                        .withName(prefix + "dead-letters"));
    }

    @SuppressWarnings("unchecked")
    private static <K, V> void publish(ProjectionDefinition<K, ?, V> definition, Serde<V> views, KStream<Object, Routed> updates,
                                       String topic) {
        updates.map((key, routed) -> KeyValue.pair((K) ((Routed.Update) routed).key(), (V) ((Routed.Update) routed).view()),
                        Named.as("myelin-publish-unwrap"))
                .to(topic, Produced.with(definition.keySerde(), views).withName("myelin-publish"));
    }
}
