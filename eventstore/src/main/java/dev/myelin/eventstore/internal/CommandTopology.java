package dev.myelin.eventstore.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.RecordContext;
import org.apache.kafka.streams.state.Stores;

import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.MyelinConfig;

/**
 * Builds the command-processing topology: commands in; events, results and dead letters out; two
 * stores, both owned by the one processor so that an aggregate's state and its history live in the
 * same task (and so on the same instance).
 */
public final class CommandTopology {
    /** The store of aggregate id to {state, version}. */
    public static final String AGGREGATES_STORE = "aggregates";
    /**
     * The window store of (aggregate id, command id) to the command's first outcome, kept for the dedup
     * retention. Named anew when its layout changed (outcomes in retention-long buckets), so that no
     * store of the earlier layout, kept at each id's decision time, is read as this one.
     */
    public static final String OUTCOMES_STORE = "command-outcomes-bucketed";
    /** The store of (aggregate id, sequence) to event. */
    public static final String HISTORY_STORE = "history";
    static final String EVENTS_SINK = "events";
    static final String RESULTS_SINK = "command-results";
    static final String DEAD_LETTERS_SINK = "dead-letters";
    /** Back onto the commands topic, to the partition that owns the aggregate (murmur2 of the id). */
    static final String REROUTE_SINK = "commands-to-owner";
    private static final String SOURCE = "commands";
    private static final String PROCESSOR = "command-processor";

    private CommandTopology() {
    }

    private static String replyTopic(Headers headers, AggregateTopics topics) {
        Header replyTo = headers.lastHeader(CommandHeaders.REPLY_TO);
        return replyTo == null || replyTo.value() == null ? topics.commandResults() : new String(replyTo.value(), StandardCharsets.UTF_8);
    }

    /**
     * Builds the topology.
     *
     * @param type         the aggregate type
     * @param commandSerde the command serde
     * @param eventSerde   the event serde
     * @param stateSerde   the state serde
     * @param topics       the topic names
     * @param dedupRetention how long command ids are remembered with their first outcome
     * @param commandPartitions the commands topic's partition count: a command on a partition that does not
     *                     own its aggregate is moved to the owner; 1 for a TopologyTestDriver, which has one
     * @param <S>          the state type
     * @param <C>          the command type
     * @param <E>          the event type
     * @return the topology
     */
    public static <S, C, E> Topology build(AggregateType<S, C, E> type, Serde<C> commandSerde, Serde<E> eventSerde,
                                           Serde<S> stateSerde, AggregateTopics topics, Duration dedupRetention,
                                           int commandPartitions) {
        return build(type, commandSerde, eventSerde, stateSerde, topics, dedupRetention, commandPartitions, Telemetry.none(),
                MyelinConfig.DEFAULT_REPLY_TOPICS);
    }

    /**
     * Builds the topology, counting events appended and deduplicated retries and opening spans on {@code telemetry}.
     *
     * @param type              the aggregate type
     * @param commandSerde      the command serde
     * @param eventSerde        the event serde
     * @param stateSerde        the state serde
     * @param topics            the topic names
     * @param dedupRetention    how long command ids are remembered with their first outcome
     * @param commandPartitions the commands topic's partition count
     * @param telemetry         where the processor counts and opens spans
     * @param replyTopics       the names of reply addresses results are written to besides the results topic
     * @param <S>               the state type
     * @param <C>               the command type
     * @param <E>               the event type
     * @return the topology
     */
    public static <S, C, E> Topology build(AggregateType<S, C, E> type, Serde<C> commandSerde, Serde<E> eventSerde,
                                           Serde<S> stateSerde, AggregateTopics topics, Duration dedupRetention,
                                           int commandPartitions, Telemetry telemetry, Pattern replyTopics) {
        // without a cluster to ask (a test driver has every topic), a reply address is taken on its name
        return build(type, commandSerde, eventSerde, stateSerde, topics, dedupRetention, commandPartitions,
                new Holds("Event store " + topics.commands(), Duration.ofSeconds(4)), telemetry,
                ReplyTopics.byName(topics.commandResults(), replyTopics));
    }

    /**
     * Builds the topology, recording the partitions held for the schema registry in {@code holds}
     * (which the running event store reads for its health).
     *
     * @param type              the aggregate type
     * @param commandSerde      the command serde
     * @param eventSerde        the event serde
     * @param stateSerde        the state serde
     * @param topics            the topic names
     * @param dedupRetention    how long command ids are remembered with their first outcome
     * @param commandPartitions the commands topic's partition count
     * @param holds             where held partitions are recorded
     * @param telemetry         where the processor counts and opens spans
     * @param replyTopics       which reply addresses results are written to
     * @param <S>               the state type
     * @param <C>               the command type
     * @param <E>               the event type
     * @return the topology
     */
    public static <S, C, E> Topology build(AggregateType<S, C, E> type, Serde<C> commandSerde, Serde<E> eventSerde,
                                           Serde<S> stateSerde, AggregateTopics topics, Duration dedupRetention,
                                           int commandPartitions, Holds holds, Telemetry telemetry, ReplyTopics replyTopics) {
        Topology topology = new Topology();
        topology.addSource(SOURCE, new StringDeserializer(), new ByteArrayDeserializer(), topics.commands());
        topology.addProcessor(PROCESSOR,
                () -> new CommandProcessor<>(type, commandSerde, eventSerde, stateSerde, topics, dedupRetention,
                commandPartitions, holds, telemetry, replyTopics), SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(UncopiedPositionStores.persistentKeyValueStore(AGGREGATES_STORE), Serdes.String(),
                Serdes.ByteArray()), PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(UncopiedPositionStores.persistentKeyValueStore(HISTORY_STORE), Serdes.Bytes(),
                Serdes.ByteArray()), PROCESSOR);
        // each id is stored at the start of its retention-long bucket and found by point reads (see CommandOutcomes)
        topology.addStateStore(Stores.windowStoreBuilder(UncopiedPositionStores.persistentWindowStore(OUTCOMES_STORE,
                CommandOutcomes.storeRetention(dedupRetention), Duration.ofMillis(1), false), Serdes.Bytes(), Serdes.ByteArray()), PROCESSOR);
        topology.addSink(EVENTS_SINK, topics.events(), new StringSerializer(), new ByteArraySerializer(), new AggregatePartitioner(),
                PROCESSOR);
        // the processor names the topic in the result's reply-to header: the results topic or an accepted reply address
        topology.addSink(RESULTS_SINK, (String key, byte[] value, RecordContext context) -> replyTopic(context.headers(), topics),
                new StringSerializer(), new ByteArraySerializer(), PROCESSOR);
        // keyed by the aggregate id itself, which may contain '@': partitioned by the whole key, as the gateway does
        topology.addSink(REROUTE_SINK, topics.commands(), new StringSerializer(), new ByteArraySerializer(),
                (String topic, String key, byte[] value, int partitions) -> Optional.of(Set.of(AggregatePartitioner.partitionOf(key, partitions))),
                PROCESSOR);
        topology.addSink(DEAD_LETTERS_SINK, topics.deadLetters(), new StringSerializer(), new ByteArraySerializer(), PROCESSOR);
        return topology;
    }
}
