package dev.myelin.eventstore.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.myelin.eventstore.AggregateNotLocalException;
import dev.myelin.eventstore.AggregateState;
import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.CommandDeadLetter;
import dev.myelin.eventstore.CommandGateway;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.Health;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.eventstore.MyelinEventStoreException;
import dev.myelin.eventstore.RecordedEvent;
import dev.myelin.eventstore.SendOptions;
import dev.myelin.eventstore.TopicConfigurationException;

/**
 * The event store: a Kafka Streams application running the command topology, a gateway, and reads
 * served from the local stores.
 */
public final class DefaultEventStore<S, C, E> implements EventStore<S, C, E> {
    private static final Logger log = LoggerFactory.getLogger(DefaultEventStore.class);
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);

    private final AggregateType<S, C, E> type;
    private final AggregateTopics topics;
    private final Serializer<E> eventSerializer;
    private final Deserializer<E> eventDeserializer;
    private final Deserializer<S> stateDeserializer;
    /** Decoded states by aggregate id, each with the stored bytes it was decoded from. */
    private final Cache<String, Decoded<S>> cache;
    private final KafkaStreams streams;
    private final int partitions;
    private final DefaultCommandGateway<C, E> gateway;
    private final OwnWrites ownWrites = new OwnWrites();
    /** Query handles of one task's store each, by store name and partition (see {@link #query}). */
    private final Map<String, ReadOnlyKeyValueStore<?, byte[]>> partitionStores = new ConcurrentHashMap<>();
    private final StreamsHealth health;
    private final CommandGateway<C, E> recordingGateway;
    private final List<AutoCloseable> streamsMeters = new ArrayList<>();
    private final Meters.Latency stateReads;
    private final Meters.Latency historyReads;
    private final CommandDeadLetters deadLetters;
    private final ReplyTopics replyTopics;

    private DefaultEventStore(AggregateType<S, C, E> type, MyelinConfig config, Serde<C> commandSerde, Serde<E> eventSerde,
                              Serde<S> stateSerde, Optional<Path> stateDirectory) {
        // first: settings that weaken a guarantee are refused before anything is created
        Properties props = streamsProperties(config, stateDirectory, type);
        this.type = type;
        this.topics = config.topics(type);
        this.eventSerializer = eventSerde.serializer();
        this.eventDeserializer = eventSerde.deserializer();
        this.stateDeserializer = stateSerde.deserializer();
        this.cache = Caffeine.newBuilder().maximumSize(10_000).build();
        try (Admin admin = Admin.create(DefaultCommandGateway.adminProperties(config))) {
            TopicSetup.ensure(admin, config, topics);
            BrokerSettings.warnOnce(admin);
            this.partitions = admin.describeTopics(List.of(topics.commands())).allTopicNames().get(60, TimeUnit.SECONDS)
                    .get(topics.commands()).partitions().size();
            requireUnchangedPartitions(admin, config, type, topics, partitions);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MyelinEventStoreException("interrupted while describing " + topics.commands(), e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new MyelinEventStoreException("cannot describe " + topics.commands() + ": " + e.getMessage(), e);
        }

        String applicationId = props.getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
        String runtime = "event store " + applicationId;
        Telemetry telemetry = Telemetry.of(config);
        Holds holds = new Holds("Event store " + applicationId, Holds.maxBlock(new StreamsConfig(props).getProducerConfigs(applicationId), props));
        this.health = new StreamsHealth(runtime, holds, MyelinEventStoreException::new);
        this.replyTopics = ReplyTopics.checked(topics.commandResults(), config.replyTopics(),
                () -> Admin.create(DefaultCommandGateway.adminProperties(config)));
        this.streams = new KafkaStreams(CommandTopology.build(type, commandSerde, eventSerde, stateSerde, topics,
                config.dedupRetention(), partitions, holds, telemetry, replyTopics), props);
        Meters meters = telemetry.meters();
        this.stateReads = meters.timer(Meters.STATE_READS, "reads of an aggregate's state", "aggregate", type.name());
        this.historyReads = meters.timer(Meters.HISTORY_READS, "reads of an aggregate's history", "aggregate", type.name());
        streamsMeters.add(meters.kafkaStreams(streams, "aggregate", type.name()));
        OutcomesSize outcomes = new OutcomesSize(streams);
        streamsMeters.add(meters.gauge(Meters.DEDUP_SIZE, "command outcomes this instance keeps to answer retries", outcomes::size,
                "aggregate", type.name()));
        CountDownLatch running = StreamsBootstrap.observe(streams, runtime, health, () -> { });
        streams.setGlobalStateRestoreListener(new RestoreLog(runtime));
        try {
            StreamsBootstrap.startAndAwait(streams, running, STARTUP_TIMEOUT, runtime, MyelinEventStoreException::new);
        } catch (RuntimeException e) {
            streamsMeters.forEach(Meters::release);
            replyTopics.close();
            throw e;
        }
        this.gateway = DefaultCommandGateway.start(config, topics, commandSerde, eventSerde, false);
        this.recordingGateway = new RecordingGateway();
        this.deadLetters = new CommandDeadLetters(config, topics, type.name());
    }

    /**
     * Starts an event store and waits until its processor runs.
     *
     * @param type           the aggregate type
     * @param config         the configuration
     * @param commandSerde   the command serde
     * @param eventSerde     the event serde
     * @param stateSerde     the state serde
     * @param stateDirectory Kafka Streams' state directory, if not the default
     * @param <S>            the state type
     * @param <C>            the command type
     * @param <E>            the event type
     * @return the running store
     */
    public static <S, C, E> DefaultEventStore<S, C, E> start(AggregateType<S, C, E> type, MyelinConfig config, Serde<C> commandSerde,
                                                            Serde<E> eventSerde, Serde<S> stateSerde, Optional<Path> stateDirectory) {
        return new DefaultEventStore<>(type, config, commandSerde, eventSerde, stateSerde, stateDirectory);
    }

    /**
     * Refuses to start when partitions were added to the commands and events topics after aggregates
     * had state: an aggregate's partition number would change, its new owner would decide commands
     * against empty state, and its history would fork (two events with one key). The aggregates
     * store's changelog still has the old count, which is how this is told.
     */
    private static void requireUnchangedPartitions(Admin admin, MyelinConfig config, AggregateType<?, ?, ?> type,
                                                   AggregateTopics topics, int partitions)
            throws InterruptedException, java.util.concurrent.ExecutionException, java.util.concurrent.TimeoutException {
        String changelog = config.application() + "." + type.name() + "-" + CommandTopology.AGGREGATES_STORE + "-changelog";
        Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
        if (!existing.contains(changelog)) {
            return;
        }
        int stateful = admin.describeTopics(List.of(changelog)).allTopicNames().get(60, TimeUnit.SECONDS).get(changelog).partitions().size();
        if (stateful != partitions) {
            throw new TopicConfigurationException("topic " + topics.commands() + " has " + partitions + " partitions but the aggregates "
                    + "were stored with " + stateful + " (" + changelog + "): partitions were added after data existed, so aggregates "
                    + "would move to partitions that do not hold their state and their histories would fork. Put the commands and "
                    + "events topics back to " + stateful + " partitions (recreate them from a copy), or migrate into a new application "
                    + "with the new count; Kafka cannot remove partitions");
        }
    }

    static Properties streamsProperties(MyelinConfig config, Optional<Path> stateDirectory, AggregateType<?, ?, ?> type) {
        Map<String, Object> defaults = StreamsBootstrap.clusterDefaults(config, stateDirectory);
        // A command's result is visible (read_committed) only after the transaction commits, so the commit interval is
        // latency. A commit is due only when the stream thread comes back from poll(), so poll.ms bounds it too: with
        // the defaults (100 ms, 100 ms) a sequential client saw p50 ~120 ms; with 5/5 p50 ~17 ms on 2 shared cores and
        // one embedded broker. Under load the interval still batches many commands per transaction.
        defaults.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 5);
        defaults.put(StreamsConfig.POLL_MS_CONFIG, 5);
        // commands from a saga are written in its transactions, readable only once the commit marker lands, which does not
        // always wake a fetch parked at the broker (fetch.max.wait.ms, 500 ms by default): a short wait bounds that delay, as
        // the gateway's result reader does; a busy processor always finds data and never waits
        defaults.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 10);
        Properties props = StreamsBootstrap.properties("the event store " + config.application() + "." + type.name(),
                config.application() + "." + type.name(), config.properties(), defaults);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        return props;
    }

    @Override
    public CommandGateway<C, E> gateway() {
        return recordingGateway;
    }

    @Override
    public CompletableFuture<CommandResult<E>> append(String aggregateId, List<? extends E> events, SendOptions options) {
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(options, "options");
        List<byte[]> encoded = new ArrayList<>(events.size());
        for (E event : events) {
            Objects.requireNonNull(event, "an event is null");
            try {
                encoded.add(eventSerializer.serialize(topics.events(), new RecordHeaders(), event));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("cannot serialize event " + type.eventTypeName(event) + ": " + e.getMessage(), e);
            }
        }
        return recorded(aggregateId, false,
                gateway.sendRaw(aggregateId, CommandHeaders.TYPE_APPEND, EventListCodec.encode(encoded), new RecordHeaders(), options));
    }

    @Override
    public CompletableFuture<CommandResult<E>> forget(String aggregateId) {
        return recorded(aggregateId, true,
                gateway.sendRaw(aggregateId, CommandHeaders.TYPE_FORGET, new byte[0], new RecordHeaders(), SendOptions.defaults()));
    }

    @Override
    public Optional<AggregateState<S>> state(String aggregateId) {
        long start = System.nanoTime();
        try {
            return readState(aggregateId);
        } finally {
            stateReads.record(System.nanoTime() - start);
        }
    }

    private Optional<AggregateState<S>> readState(String aggregateId) {
        int partition = requireLocal(aggregateId);
        // the store answers at the configured isolation (committed only by default); the cache only saves
        // decoding a version already read from it, so it can never show what the store would not
        byte[] bytes = this.<String, byte[]>query(CommandTopology.AGGREGATES_STORE, partition, aggregates -> ownWrites.readCommitted(aggregateId,
                () -> aggregates.get(aggregateId), found -> found == null ? -1 : StoredAggregate.decode(found).version()));
        if (bytes == null) {
            cache.invalidate(aggregateId);
            return Optional.empty();
        }
        StoredAggregate stored = StoredAggregate.decode(bytes);
        if (stored.version() == 0) {
            // only rejections so far (stores written before the outcomes store): the aggregate does not exist yet
            return Optional.empty();
        }
        Decoded<S> cached = cache.getIfPresent(aggregateId);
        if (cached != null && cached.state().version() == stored.version() && Arrays.equals(cached.bytes(), stored.state())) {
            return Optional.of(cached.state());
        }
        AggregateState<S> decoded = new AggregateState<>(stateDeserializer.deserialize(topics.events(), stored.state()), stored.version());
        cache.put(aggregateId, new Decoded<>(stored.state(), decoded));
        return Optional.of(decoded);
    }

    @Override
    public List<RecordedEvent<E>> history(String aggregateId, long fromSequence) {
        if (fromSequence < 1) {
            throw new IllegalArgumentException("fromSequence must be 1 or more: " + fromSequence);
        }
        long start = System.nanoTime();
        try {
            return readHistory(aggregateId, fromSequence);
        } finally {
            historyReads.record(System.nanoTime() - start);
        }
    }

    private List<RecordedEvent<E>> readHistory(String aggregateId, long fromSequence) {
        return this.<Bytes, List<RecordedEvent<E>>>query(CommandTopology.HISTORY_STORE, requireLocal(aggregateId),
                historyStore -> readHistory(historyStore, aggregateId, fromSequence));
    }

    private List<RecordedEvent<E>> readHistory(ReadOnlyKeyValueStore<Bytes, byte[]> historyStore, String aggregateId, long fromSequence) {
        // the history store commits apart from the aggregates store: wait for the last event this instance saw accepted
        ownWrites.awaitCommitted(aggregateId, () -> {
            long last = ownWrites.seen(aggregateId).filter(v -> v > 0).orElse(1L);
            return historyStore.get(HistoryCodec.key(aggregateId, last)) == null ? -1L : last;
        });
        List<RecordedEvent<E>> events = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> range = historyStore.range(HistoryCodec.key(aggregateId, fromSequence), HistoryCodec.key(aggregateId, Long.MAX_VALUE))) {
            while (range.hasNext()) {
                KeyValue<Bytes, byte[]> next = range.next();
                HistoryCodec.Entry entry = HistoryCodec.decode(next.value);
                events.add(new RecordedEvent<>(entry.metadata(), eventDeserializer.deserialize(topics.events(), entry.event())));
            }
        }
        return events;
    }

    private record Decoded<S>(byte[] bytes, AggregateState<S> state) {
    }

    private <R> CompletableFuture<R> recorded(String aggregateId, boolean forget, CompletableFuture<R> result) {
        return result.whenComplete((r, failure) -> {
            if (r instanceof CommandResult<?> outcome) {
                ownWrites.record(aggregateId, outcome, forget);
            }
        });
    }

    /** The gateway this store hands out: the shared one, remembering what it saw accepted for reads. */
    private final class RecordingGateway implements CommandGateway<C, E> {
        @Override
        public CompletableFuture<CommandResult<E>> send(String aggregateId, C command, SendOptions options) {
            return recorded(aggregateId, false, gateway.send(aggregateId, command, options));
        }

        @Override
        public Health health() {
            return gateway.health();
        }

        @Override
        public void close() {
            gateway.close();
        }
    }

    /**
     * Reads the store {@code name} of the task owning {@code partition}: that one store, where a query
     * of all would look in every local task's until it found the key. Kafka Streams finds the task's
     * store anew on each read, so the handle is kept; a read that fails with it (the store moved, a
     * stream thread was replaced) is tried once more with a new one before it fails.
     */
    private <K, T> T query(String name, int partition, Function<ReadOnlyKeyValueStore<K, byte[]>, T> read) {
        String key = name + "#" + partition;
        try {
            return read.apply(this.<K>partitionStore(key, name, partition));
        } catch (InvalidStateStoreException stale) {
            partitionStores.remove(key);
            try {
                return read.apply(this.<K>partitionStore(key, name, partition));
            } catch (InvalidStateStoreException e) {
                partitionStores.remove(key);
                throw notQueryable(name, e);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private <K> ReadOnlyKeyValueStore<K, byte[]> partitionStore(String key, String name, int partition) {
        return (ReadOnlyKeyValueStore<K, byte[]>) partitionStores.computeIfAbsent(key, ignored -> streams.store(
                StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<K, byte[]>keyValueStore()).withPartition(partition)));
    }

    private MyelinEventStoreException notQueryable(String name, InvalidStateStoreException e) {
        return new MyelinEventStoreException("store " + name + " cannot be queried now (state " + streams.state()
                + "); retry once the rebalance is over", e);
    }

    /** Returns the partition that owns {@code aggregateId}, if a task of this instance runs it. */
    private int requireLocal(String aggregateId) {
        Objects.requireNonNull(aggregateId, "aggregateId");
        int partition = AggregatePartitioner.partitionOf(aggregateId, partitions);
        TopicPartition wanted = new TopicPartition(topics.commands(), partition);
        for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
            for (TaskMetadata task : thread.activeTasks()) {
                if (task.topicPartitions().contains(wanted)) {
                    return partition;
                }
            }
        }
        throw new AggregateNotLocalException(aggregateId, partition);
    }

    @Override
    public AggregateTopics topics() {
        return topics;
    }

    @Override
    public List<CommandDeadLetter> deadLetters(Duration timeout) {
        return deadLetters.read(Objects.requireNonNull(timeout, "timeout"));
    }

    @Override
    public int redrive(Predicate<? super CommandDeadLetter> which, String by, Duration timeout) {
        return deadLetters.redrive(which, by, Objects.requireNonNull(timeout, "timeout"));
    }

    @Override
    public int skip(Predicate<? super CommandDeadLetter> which, String by, Duration timeout) {
        return deadLetters.skip(which, by, Objects.requireNonNull(timeout, "timeout"));
    }

    @Override
    public Health health() {
        Health processor = health.health(streams.state(), "joining the group and restoring the aggregates");
        // the processor speaks first: a stopped or held processor is what matters; when it runs, the gateway may not
        return processor instanceof Health.Running ? gateway.health() : processor;
    }

    @Override
    public void close() {
        health.closed();
        gateway.close();
        // leave the group at once, so the other instances take over this one's partitions now, not after the session timeout
        streams.close(org.apache.kafka.streams.CloseOptions.timeout(Duration.ofSeconds(30))
                .withGroupMembershipOperation(org.apache.kafka.streams.CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
        replyTopics.close();
        streamsMeters.forEach(Meters::release);
    }
}
