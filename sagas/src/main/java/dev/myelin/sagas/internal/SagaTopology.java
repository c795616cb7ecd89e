package dev.myelin.sagas.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;

import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.internal.DeadLetterHeaders;
import dev.myelin.eventstore.internal.Holds;
import dev.myelin.eventstore.internal.Meters;
import dev.myelin.eventstore.internal.Telemetry;
import dev.myelin.eventstore.internal.UncopiedPositionStores;
import dev.myelin.sagas.SagaStore;
import dev.myelin.sagas.SagaTopics;
import dev.myelin.schemas.EventMetadata;
import dev.myelin.schemas.RecordOrigin;
import dev.myelin.schemas.SchemaRegistryUnavailableException;

/**
 * Builds a saga's topology. Two sub-topologies: routers read trigger events (keyed by whatever their
 * producer chose) and participants' replies (keyed by command id) and re-key both by saga id onto the
 * saga's inbox topic; the saga processor reads the inbox, so every message of one saga reaches the one
 * task that owns the saga's state. Both run under the application's exactly_once_v2. Myelin aggregates
 * are asked to answer on the inbox themselves, keyed by saga id (see {@code CommandHeaders.REPLY_KEY}),
 * which saves the reply router's transaction; a store that does not (its reply topics do not include the
 * inbox, or it cannot write there) answers on its results topic, which the reply router still reads.
 */
public final class SagaTopology {
    /** The store of saga id to saga state. */
    public static final String SAGAS_STORE = SagaStore.NAME;
    /** How long a finished saga stays in the store unless told otherwise. */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);
    /** How many passed deadlines one punctuation handles unless told otherwise. */
    public static final int DEFAULT_DEADLINES_PER_CHECK = 500;
    /** The store of (deadline, saga id) to nothing: the deadline index the punctuator scans. */
    public static final String DEADLINES_STORE = "saga-deadlines";
    /** The inbox header saying what a record is: {@link #KIND_TRIGGER} or {@link #KIND_REPLY}. */
    static final String KIND = "myelin.saga.kind";
    static final String KIND_TRIGGER = "trigger";
    static final String KIND_REPLY = "reply";
    /** The inbox header with the command id a reply answers. */
    static final String REPLY_COMMAND = "myelin.saga.command-id";
    /** The header on sent commands with the attempt number, for logs and audits. */
    public static final String ATTEMPT = "myelin.saga.attempt";
    static final String LOG_SINK = "saga-log";
    private static final String SAGA_PROCESSOR = "saga";
    private static final String TO_INBOX = "to-inbox";
    /** How long one record may wait for the schema registry when the runtime does not say: as a projection's default. */
    private static final Duration DEFAULT_MAX_BLOCK = Duration.ofSeconds(5);

    private SagaTopology() {
    }

    /** Returns the sink node name of a command topic. */
    static String commandSink(String topic) {
        return "commands:" + topic;
    }

    /**
     * Builds the topology.
     *
     * @param definition the saga
     * @param topics     the saga's own topics
     * @param tick       how often the punctuator looks for passed deadlines (wall-clock time)
     * @param retention  how long a finished saga stays in the store (and so keeps a redelivered trigger from starting it again)
     * @param persistent whether stores are RocksDB (a runtime) or in memory (a fixture: nothing to close)
     * @param <T>        the trigger type
     * @param <D>        the data type
     * @return the topology
     */
    public static <T, D> Topology build(DefaultSagaDefinition<T, D> definition, SagaTopics topics, Duration tick,
                                      Duration retention, boolean persistent) {
        return build(definition, topics, tick, retention, persistent, DEFAULT_DEADLINES_PER_CHECK);
    }

    /**
     * Builds the topology.
     *
     * @param definition        the saga
     * @param topics            the saga's own topics
     * @param tick              how often the punctuator looks for passed deadlines (wall-clock time)
     * @param retention         how long a finished saga stays in the store
     * @param persistent        whether stores are RocksDB (a runtime) or in memory (a fixture: nothing to close)
     * @param deadlinesPerCheck the most deadlines one punctuation handles; the rest wait for the next
     * @param <T>               the trigger type
     * @param <D>               the data type
     * @return the topology
     */
    public static <T, D> Topology build(DefaultSagaDefinition<T, D> definition, SagaTopics topics, Duration tick,
                                      Duration retention, boolean persistent, int deadlinesPerCheck) {
        return build(definition, topics, tick, retention, persistent, deadlinesPerCheck, Telemetry.none());
    }

    /**
     * Builds the topology, counting the sagas' transitions and opening spans on {@code telemetry}.
     *
     * @param definition        the saga
     * @param topics            the saga's own topics
     * @param tick              how often the punctuator looks for passed deadlines (wall-clock time)
     * @param retention         how long a finished saga stays in the store
     * @param persistent        whether stores are RocksDB (a runtime) or in memory (a fixture: nothing to close)
     * @param deadlinesPerCheck the most deadlines one punctuation handles; the rest wait for the next
     * @param telemetry         where the saga processor counts and opens spans
     * @param <T>               the trigger type
     * @param <D>               the data type
     * @return the topology
     */
    public static <T, D> Topology build(DefaultSagaDefinition<T, D> definition, SagaTopics topics, Duration tick,
                                      Duration retention, boolean persistent, int deadlinesPerCheck, Telemetry telemetry) {
        return build(definition, topics, tick, retention, persistent, deadlinesPerCheck,
                new Holds("Saga runtime " + definition.name(), DEFAULT_MAX_BLOCK), telemetry);
    }

    /**
     * Builds the topology.
     *
     * @param definition        the saga
     * @param topics            the saga's own topics
     * @param tick              how often the punctuator looks for passed deadlines (wall-clock time)
     * @param retention         how long a finished saga stays in the store
     * @param persistent        whether stores are RocksDB (a runtime) or in memory (a fixture: nothing to close)
     * @param deadlinesPerCheck the most deadlines one punctuation handles; the rest wait for the next
     * @param holds             the partitions held for a registry outage, shared with the runtime's health
     * @param telemetry         where the saga processor counts and opens spans
     * @param <T>               the trigger type
     * @param <D>               the data type
     * @return the topology
     */
    public static <T, D> Topology build(DefaultSagaDefinition<T, D> definition, SagaTopics topics, Duration tick,
                                      Duration retention, boolean persistent, int deadlinesPerCheck, Holds holds,
                                      Telemetry telemetry) {
        if (deadlinesPerCheck < 1) {
            throw new IllegalArgumentException("deadlinesPerCheck must be at least 1: " + deadlinesPerCheck);
        }
        Topology topology = new Topology();
        topology.addSource("triggers", new StringDeserializer(), new ByteArrayDeserializer(), definition.triggerTopic());
        // one counter for both processors' dead letters: they share the topic
        Meters.Count deadLetters = telemetry.meters().counter(Meters.DEAD_LETTERS, "records written to a dead-letter topic",
                "topic", topics.deadLetters(), "saga", definition.name());
        RecordFaults routerFaults = new RecordFaults(definition.name(), holds, RecordFaults.ROUTER_DEAD_LETTERS, deadLetters);
        topology.addProcessor("trigger-router", () -> new TriggerRouter<>(definition, routerFaults), "triggers");
        Set<String> replyTopics = new LinkedHashSet<>();
        definition.participantModels().forEach(p -> replyTopics.add(p.replyTopic()));
        replyTopics.remove(definition.triggerTopic());
        topology.addSource("replies", new StringDeserializer(), new ByteArrayDeserializer(), replyTopics.toArray(String[]::new));
        topology.addProcessor("reply-router", () -> new ReplyRouter(definition.name()), "replies");
        topology.addSink(TO_INBOX, topics.inbox(), new StringSerializer(), new ByteArraySerializer(), "trigger-router", "reply-router");

        topology.addSource("inbox", new StringDeserializer(), new ByteArrayDeserializer(), topics.inbox());
        RecordFaults sagaFaults = new RecordFaults(definition.name(), holds, RecordFaults.SAGA_DEAD_LETTERS, deadLetters);
        topology.addProcessor(SAGA_PROCESSOR, () -> new SagaProcessor<>(definition, topics.inbox(), tick, retention, deadlinesPerCheck, sagaFaults,
                new SagaMeters(telemetry.meters(), definition.name()), telemetry.tracing()), "inbox");
        topology.addStateStore(Stores.keyValueStoreBuilder(store(SAGAS_STORE, persistent), Serdes.String(), Serdes.ByteArray()),
                SAGA_PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(store(DEADLINES_STORE, persistent), Serdes.Bytes(),
                Serdes.ByteArray()), SAGA_PROCESSOR);
        Set<String> commandTopics = new LinkedHashSet<>();
        definition.participantModels().forEach(p -> commandTopics.add(p.commandTopic()));
        for (String topic : commandTopics) {
            topology.addSink(commandSink(topic), topic, new StringSerializer(), new ByteArraySerializer(), SAGA_PROCESSOR);
        }
        topology.addSink(LOG_SINK, topics.log(), new StringSerializer(), new ByteArraySerializer(), SAGA_PROCESSOR);
        // one sink per sub-topology: a sink shared by the router and the saga processor would join them into one
        topology.addSink(RecordFaults.ROUTER_DEAD_LETTERS, topics.deadLetters(), new StringSerializer(), new ByteArraySerializer(),
                "trigger-router");
        topology.addSink(RecordFaults.SAGA_DEAD_LETTERS, topics.deadLetters(), new StringSerializer(), new ByteArraySerializer(),
                SAGA_PROCESSOR);
        return topology;
    }

    /**
     * Returns where the record being processed was read, as "topic t partition p offset o", for the
     * warnings about records that are skipped: with it, an operator can find the record and read it.
     */
    static String origin(ProcessorContext<?, ?> context) {
        return RecordFaults.read(context).toString();
    }

    /**
     * Records where a router read a record in its headers, so that the saga processor's dead letter
     * names the trigger or reply topic rather than the inbox. Replaces an origin the record came with:
     * that one is some other pipeline's.
     */
    private static void carryOrigin(Headers headers, ProcessorContext<?, ?> context) {
        carryOrigin(headers, RecordFaults.read(context));
    }

    /** Records {@code origin} in a record bound for the inbox, in place of any it came with (a redrive's too). */
    static void carryOrigin(Headers headers, RecordOrigin origin) {
        headers.remove(DeadLetterHeaders.ORIGIN_TOPIC);
        headers.remove(DeadLetterHeaders.ORIGIN_PARTITION);
        headers.remove(DeadLetterHeaders.ORIGIN_OFFSET);
        DeadLetterHeaders.carryOrigin(headers, origin);
    }

    private static KeyValueBytesStoreSupplier store(String name, boolean persistent) {
        return persistent ? UncopiedPositionStores.persistentKeyValueStore(name) : Stores.inMemoryKeyValueStore(name);
    }

    /**
     * Re-keys trigger events by saga id; events of other types on the topic are skipped. A trigger that
     * cannot be read while the schema registry is unavailable holds the partition until it returns; one
     * that cannot be read at all, or whose saga id cannot be taken, goes to the dead-letter topic.
     */
    static final class TriggerRouter<T, D> implements Processor<String, byte[], String, byte[]> {
        private final DefaultSagaDefinition<T, D> definition;
        private final RecordFaults faults;
        private ProcessorContext<String, byte[]> context;

        TriggerRouter(DefaultSagaDefinition<T, D> definition, RecordFaults faults) {
            this.definition = definition;
            this.faults = faults;
        }

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.context = context;
        }

        @Override
        public void process(Record<String, byte[]> event) {
            route(event);
            faults.processed(context);
        }

        private void route(Record<String, byte[]> event) {
            if (event.value() == null) {
                return; // a tombstone (an erased aggregate's event) starts nothing
            }
            Object decoded;
            try {
                decoded = definition.triggerSerde().deserializer().deserialize(definition.triggerTopic(), event.headers(), event.value());
            } catch (RuntimeException e) {
                SchemaRegistryUnavailableException outage = RecordFaults.outage(e);
                if (outage != null) {
                    throw faults.hold(context, event.headers(), outage);
                }
                // one bad event must not stop every saga of the application, nor vanish: it is kept with its origin
                faults.deadLetter(context, event, RecordFaults.Reason.UNDECODABLE, e);
                return;
            }
            if (!definition.triggerType().isInstance(decoded)) {
                return;
            }
            String sagaId;
            try {
                sagaId = definition.sagaId(definition.triggerType().cast(decoded));
            } catch (RuntimeException e) {
                faults.deadLetter(context, event, RecordFaults.Reason.HANDLER_FAILED, e);
                return;
            }
            Headers headers = event.headers();
            headers.remove(KIND);
            headers.add(KIND, KIND_TRIGGER.getBytes(StandardCharsets.UTF_8));
            carryOrigin(headers, context);
            context.forward(event.withKey(sagaId).withHeaders(headers), TO_INBOX);
        }
    }

    /** Re-keys this saga's replies by saga id; results of commands others sent are skipped. */
    static final class ReplyRouter implements Processor<String, byte[], String, byte[]> {
        private final String sagaName;
        private ProcessorContext<String, byte[]> context;

        ReplyRouter(String sagaName) {
            this.sagaName = sagaName;
        }

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.context = context;
        }

        @Override
        public void process(Record<String, byte[]> reply) {
            String commandId = EventMetadata.header(reply.headers(), CommandHeaders.COMMAND_ID).orElse(reply.key());
            CommandIds.parse(sagaName, commandId).ifPresent(parsed -> {
                Headers headers = reply.headers();
                headers.remove(KIND);
                headers.remove(REPLY_COMMAND);
                headers.add(KIND, KIND_REPLY.getBytes(StandardCharsets.UTF_8));
                headers.add(REPLY_COMMAND, commandId.getBytes(StandardCharsets.UTF_8));
                carryOrigin(headers, context);
                context.forward(reply.withKey(parsed.sagaId()).withHeaders(headers), TO_INBOX);
            });
        }
    }
}
