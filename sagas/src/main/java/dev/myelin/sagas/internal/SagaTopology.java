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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.sagas.SagaTopics;
import dev.myelin.schemas.EventMetadata;
import dev.myelin.schemas.RecordOrigin;

/**
 * Builds a saga's topology. Two sub-topologies: routers read trigger events (keyed by whatever their
 * producer chose) and participants' replies (keyed by command id) and re-key both by saga id onto the
 * saga's inbox topic; the saga processor reads the inbox, so every message of one saga reaches the one
 * task that owns the saga's state. Both run under the application's exactly_once_v2.
 */
public final class SagaTopology {
    /** The store of saga id to saga state. */
    public static final String SAGAS_STORE = "sagas";
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
        if (deadlinesPerCheck < 1) {
            throw new IllegalArgumentException("deadlinesPerCheck must be at least 1: " + deadlinesPerCheck);
        }
        Topology topology = new Topology();
        topology.addSource("triggers", new StringDeserializer(), new ByteArrayDeserializer(), definition.triggerTopic());
        topology.addProcessor("trigger-router", () -> new TriggerRouter<>(definition), "triggers");
        Set<String> replyTopics = new LinkedHashSet<>();
        definition.participants().forEach(p -> replyTopics.add(p.replyTopic()));
        replyTopics.remove(definition.triggerTopic());
        topology.addSource("replies", new StringDeserializer(), new ByteArrayDeserializer(), replyTopics.toArray(String[]::new));
        topology.addProcessor("reply-router", () -> new ReplyRouter(definition.name()), "replies");
        topology.addSink("to-inbox", topics.inbox(), new StringSerializer(), new ByteArraySerializer(), "trigger-router", "reply-router");

        topology.addSource("inbox", new StringDeserializer(), new ByteArrayDeserializer(), topics.inbox());
        topology.addProcessor(SAGA_PROCESSOR, () -> new SagaProcessor<>(definition, tick, retention, deadlinesPerCheck), "inbox");
        topology.addStateStore(Stores.keyValueStoreBuilder(store(SAGAS_STORE, persistent), Serdes.String(), Serdes.ByteArray()),
                SAGA_PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(store(DEADLINES_STORE, persistent), Serdes.Bytes(),
                Serdes.ByteArray()), SAGA_PROCESSOR);
        Set<String> commandTopics = new LinkedHashSet<>();
        definition.participants().forEach(p -> commandTopics.add(p.commandTopic()));
        for (String topic : commandTopics) {
            topology.addSink(commandSink(topic), topic, new StringSerializer(), new ByteArraySerializer(), SAGA_PROCESSOR);
        }
        topology.addSink(LOG_SINK, topics.log(), new StringSerializer(), new ByteArraySerializer(), SAGA_PROCESSOR);
        return topology;
    }

    /**
     * Returns where the record being processed was read, as "topic t partition p offset o", for the
     * warnings about records that are skipped: with it, an operator can find the record and read it.
     */
    static String origin(ProcessorContext<?, ?> context) {
        return context.recordMetadata()
                .map(m -> m.partition() < 0 || m.offset() < 0 ? RecordOrigin.topic(m.topic())
                        : RecordOrigin.of(m.topic(), m.partition(), m.offset()))
                .map(RecordOrigin::toString)
                .orElse("an unknown topic");
    }

    private static KeyValueBytesStoreSupplier store(String name, boolean persistent) {
        return persistent ? Stores.persistentKeyValueStore(name) : Stores.inMemoryKeyValueStore(name);
    }

    /** Re-keys trigger events by saga id; events of other types on the topic are skipped. */
    static final class TriggerRouter<T, D> implements Processor<String, byte[], String, byte[]> {
        private static final Logger log = LoggerFactory.getLogger(TriggerRouter.class);
        private final DefaultSagaDefinition<T, D> definition;
        private ProcessorContext<String, byte[]> context;

        TriggerRouter(DefaultSagaDefinition<T, D> definition) {
            this.definition = definition;
        }

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.context = context;
        }

        @Override
        public void process(Record<String, byte[]> event) {
            if (event.value() == null) {
                return; // a tombstone (an erased aggregate's event) starts nothing
            }
            Object decoded;
            String sagaId;
            try {
                decoded = definition.triggerSerde().deserializer().deserialize(definition.triggerTopic(), event.headers(), event.value());
                if (!definition.triggerType().isInstance(decoded)) {
                    return;
                }
                sagaId = definition.sagaId(definition.triggerType().cast(decoded));
            } catch (RuntimeException e) {
                // one bad event must not stop every saga of the application; it is logged with its origin
                log.warn("saga {}: skipping the event at {} (key {}): it cannot start a saga: {}", definition.name(),
                        origin(context), event.key(), e.toString());
                return;
            }
            Headers headers = event.headers();
            headers.remove(KIND);
            headers.add(KIND, KIND_TRIGGER.getBytes(StandardCharsets.UTF_8));
            context.forward(event.withKey(sagaId).withHeaders(headers));
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
                context.forward(reply.withKey(parsed.sagaId()).withHeaders(headers));
            });
        }
    }
}
