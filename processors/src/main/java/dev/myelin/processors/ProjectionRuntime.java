package dev.myelin.processors;

import dev.myelin.eventstore.Health;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.eventstore.internal.GuaranteeCheck;
import dev.myelin.eventstore.internal.StreamsDefaults;
import dev.myelin.processors.internal.DeadLetterCodec;
import dev.myelin.processors.internal.HoldingProcessingExceptionHandler;
import dev.myelin.eventstore.internal.Holds;
import dev.myelin.eventstore.internal.StreamsHealth;
import dev.myelin.processors.internal.LocalViewQuery;
import dev.myelin.processors.internal.ProjectionDefinition;
import dev.myelin.processors.internal.ProjectionTopology;
import dev.myelin.processors.internal.QueryServer;
import dev.myelin.processors.internal.RoutedViewQuery;
import dev.myelin.schemas.EventMetadata;

/**
 * Runs one projection as a Kafka Streams application. Package-private: users see
 * {@link RunningProjection}; it lives here, not in {@code internal}, so that it can read
 * {@link ProjectionConfig} without public getters.
 */
final class ProjectionRuntime<K, V> implements RunningProjection<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(ProjectionRuntime.class);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private final ProjectionDefinition<K, ?, V> definition;
    private final ProjectionConfig config;
    private final String applicationId;
    private final Map<String, Object> clientProperties;
    private final Admin admin;
    private final KafkaStreams streams;
    private final ViewQuery<K, V> query;
    private final QueryServer queryServer;
    private final String queryPath;
    private final Object stateChanged = new Object();
    private final Holds holds;
    private final StreamsHealth health;
    private boolean closed;

    private ProjectionRuntime(ProjectionDefinition<K, ?, V> definition, ProjectionConfig config, String applicationId,
                              Properties properties, Map<String, Object> clientProperties, Admin admin) {
        this.definition = definition;
        this.config = config;
        this.applicationId = applicationId;
        this.clientProperties = clientProperties;
        this.admin = admin;
        this.queryPath = "/myelin/views/" + applicationId;
        // Bound before Kafka Streams starts, so that port 0 can be resolved and advertised.
        this.queryServer = config.queryHost() == null ? null : QueryServer.acquire(config.queryHost(), config.queryPort());
        try {
            if (queryServer != null) {
                properties.put(StreamsConfig.APPLICATION_SERVER_CONFIG, config.queryHost() + ":" + queryServer.port());
            }
            Object handler = properties.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                    HoldingProcessingExceptionHandler.class.getName());
            if (handler != null && !HoldingProcessingExceptionHandler.class.getName().equals(handler.toString())
                    && !HoldingProcessingExceptionHandler.class.equals(handler)) {
                LOG.warn("Projection {} ignores {}={}: a projection dead-letters bad events itself, and a handler that"
                        + " continued would skip events held while the schema registry is away", definition.name(),
                        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, handler);
            }
            // a projection has no global store; enabling the handler there only silences Kafka Streams'
            // warning, logged for every StreamsConfig made, that it is not
            properties.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
            Map<String, Object> producer = new StreamsConfig(properties).getProducerConfigs(applicationId + "-myelin");
            this.holds = new Holds("Projection " + definition.name(), maxBlock(producer, properties));
            this.health = new StreamsHealth("projection " + definition.name(), holds, MyelinProjectionException::new);
            int maxRequestSize = (int) number(producer.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
                    ProjectionTopology.DEFAULT_MAX_REQUEST_SIZE);
            this.streams = new KafkaStreams(ProjectionTopology.build(definition, holds, maxRequestSize), properties);
        } catch (RuntimeException e) {
            if (queryServer != null) {
                queryServer.release(queryPath);
            }
            throw e;
        }
        LocalViewQuery<K, V> local = new LocalViewQuery<>(definition.name(), () -> streams.store(
                StoreQueryParameters.fromNameAndType(definition.storeName(), QueryableStoreTypes.<K, V>keyValueStore())));
        if (queryServer == null) {
            this.query = local;
        } else {
            RoutedViewQuery<K, V> routed = new RoutedViewQuery<>(definition.name(), streams, definition.storeName(),
                    definition.keySerde(), definition.viewSerde(), new HostInfo(config.queryHost(), queryServer.port()),
                    queryPath, local, config.queryTimeout(), config.queryCacheTime());
            queryServer.register(queryPath, RoutedViewQuery.handler(local, routed::ownsLocally, definition.keySerde(),
                    definition.viewSerde(), definition.storeName()));
            this.query = routed;
        }
        streams.setUncaughtExceptionHandler(this::uncaught);
        streams.setStateListener((now, before) -> {
            health.stateChanged(now);
            LOG.info("Projection {} ({}): {} -> {}", definition.name(), applicationId, before, now);
            synchronized (stateChanged) {
                stateChanged.notifyAll();
            }
        });
    }

    /**
     * Answers a stream thread's death. Holds do not come here (they fence the thread, which rejoins the
     * group by itself); anything else replaces the thread: its transaction aborts and the new thread
     * reads again from the committed offset, so nothing is skipped and no record shuts the projection
     * down. Only the fail-fast policy, chosen by the user, stops it.
     */
    private StreamThreadExceptionResponse uncaught(Throwable error) {
        StreamThreadExceptionResponse response = respond(error);
        if (response == StreamThreadExceptionResponse.SHUTDOWN_CLIENT) {
            Throwable failure = projectionFailure(error);
            health.failed(failure);
            LOG.error("Projection {} ({}) stopped", definition.name(), applicationId, failure);
        } else if (Holds.isHold(error)) {
            // not expected (a hold fences the thread); Holds has logged the partition at WARN
            LOG.debug("Projection {} ({}): replacing the stream thread of a held partition", definition.name(),
                    applicationId, error);
        } else {
            health.replaced(error);
            LOG.error("Projection {} ({}): a stream thread died and is replaced; it reads again from the last commit",
                    definition.name(), applicationId, error);
        }
        return response;
    }

    /** Returns what Kafka Streams is to do when a stream thread dies of {@code error}. */
    static StreamThreadExceptionResponse respond(Throwable error) {
        return projectionFailure(error) instanceof ProjectionFailedException ? StreamThreadExceptionResponse.SHUTDOWN_CLIENT
                : StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /**
     * Returns how long one {@code process} call may wait for the schema registry before it holds its
     * partition: 10 s at most, and no more than half the transaction timeout (Kafka Streams' default
     * 10 s), so that the broker never aborts a transaction for its age while a processor waits, nor
     * half of {@code max.poll.interval.ms}.
     */
    static Duration maxBlock(Map<String, Object> producer, Properties properties) {
        return Holds.maxBlock(producer, properties);
    }

    private static long number(Object value, long otherwise) {
        return Holds.number(value, otherwise);
    }

    static <K, V> RunningProjection<K, V> start(Projection<K, V> projection, ProjectionConfig config) {
        ProjectionDefinition<K, ?, V> definition = ProjectionDefinition.of(projection);
        java.util.Objects.requireNonNull(config, "config");
        String applicationId = definition.applicationId(config.application());
        Properties properties = new Properties();
        properties.putAll(config.streamsProperties());
        properties.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        // a weaker guarantee would let a view count an event twice after a crash: refused unless explicitly allowed
        GuaranteeCheck.verify(properties, "projection " + definition.name());
        properties.remove(MyelinConfig.ALLOW_WEAKER_GUARANTEES);
        properties.putIfAbsent(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        // A projection's task reads its events topics and its redrive topic, which is nearly always
        // empty. While one input partition has nothing buffered, Kafka Streams 4.3 checks that
        // partition's lag, formatting a message with String.format, for every record it processes: an
        // eighth of the projection's time in JFR. One aggregate's events come from one partition, so
        // idling to interleave the inputs by timestamp buys a projection nothing. A user may set it.
        properties.putIfAbsent(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        // transactional stores and committed-only view queries, as every Myelin runtime
        StreamsDefaults.applyTo(properties);
        Map<String, Object> clientProperties = new StreamsConfig(properties).getAdminConfigs(applicationId + "-myelin");
        Admin admin = Admin.create(clientProperties);
        try {
            prepareTopics(definition, admin, config, properties);
            ProjectionRuntime<K, V> runtime = new ProjectionRuntime<>(definition, config, applicationId, properties,
                    clientProperties, admin);
            try {
                runtime.streams.start();
            } catch (RuntimeException e) {
                runtime.close(); // releases the query endpoint and the admin client too
                throw new MyelinProjectionException("could not start projection " + definition.name() + ": " + e, e);
            }
            LOG.info("Started projection {} as application {}", definition.name(), applicationId);
            return runtime;
        } catch (RuntimeException e) {
            admin.close(Duration.ofSeconds(5));
            throw e;
        }
    }

    private static void prepareTopics(ProjectionDefinition<?, ?, ?> definition, Admin admin, ProjectionConfig config,
                                      Properties properties) {
        boolean create = config.createTopics();
        Map<String, TopicDescription> sources;
        try {
            sources = admin.describeTopics(definition.sourceTopics()).allTopicNames()
                    .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new MyelinProjectionException("a source topic of projection " + definition.name()
                        + " does not exist (" + definition.sourceTopics() + "); start the event store that owns it first", e);
            }
            throw adminFailure("describe the source topics of projection " + definition.name(), e);
        } catch (InterruptedException | TimeoutException e) {
            throw adminFailure("describe the source topics of projection " + definition.name(), e);
        }
        if (!create) {
            return;
        }
        int partitions = sources.values().stream().mapToInt(d -> d.partitions().size()).max().orElse(1);
        // As durable as the application's own (changelog) topics: its replication.factor (-1, the
        // default, is the broker's) and any topic.min.insync.replicas.
        long factor = number(properties.get(StreamsConfig.REPLICATION_FACTOR_CONFIG), -1);
        Optional<Short> replication = factor > 0 ? Optional.of((short) factor) : Optional.empty();
        Map<String, String> durability = new HashMap<>();
        Object minIsr = properties.get(StreamsConfig.topicPrefix(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG));
        if (minIsr != null) {
            durability.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr.toString());
        }
        List<NewTopic> topics = new ArrayList<>();
        // As many partitions as the sources, so a re-driven event meets its aggregate's view in one task.
        topics.add(new NewTopic(definition.redriveTopic(), Optional.of(partitions), replication).configs(durability));
        // One partition keeps dead letters in the order they happened; they are few. Kept for an explicit
        // time, not the broker's default: see ProjectionConfig.DEAD_LETTER_RETENTION_MS.
        Map<String, String> deadLetters = new HashMap<>(durability);
        deadLetters.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
        deadLetters.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(config.deadLetterRetention().toMillis()));
        topics.add(new NewTopic(definition.deadLetterTopic(), Optional.of(1), replication).configs(deadLetters));
        Map<String, String> published = new HashMap<>(durability);
        published.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        definition.publishTopic().ifPresent(topic -> topics.add(new NewTopic(topic, Optional.of(partitions), replication)
                .configs(published)));
        admin.createTopics(topics).values().forEach((name, future) -> {
            try {
                future.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                LOG.info("Created topic {} for projection {}", name, definition.name());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw adminFailure("create topic " + name, e);
                }
            } catch (InterruptedException | TimeoutException e) {
                throw adminFailure("create topic " + name, e);
            }
        });
    }

    @Override
    public Projection<K, V> projection() {
        return definition;
    }

    @Override
    public String applicationId() {
        return applicationId;
    }

    @Override
    public ViewQuery<K, V> query() {
        return query;
    }

    @Override
    public ProjectionState state() {
        return switch (streams.state()) {
            case CREATED -> ProjectionState.STARTING;
            case REBALANCING -> health.everRunning() ? ProjectionState.REBALANCING : ProjectionState.STARTING;
            case RUNNING -> ProjectionState.RUNNING;
            case PENDING_ERROR, ERROR -> ProjectionState.FAILED;
            case PENDING_SHUTDOWN, NOT_RUNNING -> health.failure().isPresent() ? ProjectionState.FAILED : ProjectionState.STOPPED;
        };
    }

    @Override
    public Optional<Throwable> failure() {
        return health.failure();
    }

    @Override
    public Health health() {
        return health.health(streams.state(), "joining the group and restoring the view");
    }

    @Override
    public void awaitRunning(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (stateChanged) {
            while (true) {
                ProjectionState state = state();
                if (state == ProjectionState.RUNNING) {
                    return;
                }
                if (state == ProjectionState.FAILED || state == ProjectionState.STOPPED) {
                    throw new MyelinProjectionException("projection " + definition.name() + " is " + state
                            + " and will not run" + failure().map(f -> ": " + f).orElse(""), failure().orElse(null));
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new MyelinProjectionException("projection " + definition.name() + " did not run within "
                            + timeout + " (state " + state + "); is the cluster reachable?");
                }
                try {
                    // Woken by the state listener; the bound re-checks in case a change slipped between calls.
                    stateChanged.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new MyelinProjectionException("interrupted while waiting for projection " + definition.name(), e);
                }
            }
        }
    }

    @Override
    public void awaitCaughtUp(Duration timeout, Duration progressInterval) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        // What "caught up" means is fixed when the call begins: the committed ends of the inputs then. Waiting for
        // zero lag instead would never return while events keep arriving. A re-keyed projection's events pass
        // through its repartition topic, whose end counts once the inputs are read up to their targets.
        Map<TopicPartition, Long> targets = committedEnds(definition.inputTopics());
        boolean repartitionCounted = !definition.rekeyed();
        long lastLog = start;
        long lastBehind = -1;
        while (true) {
            if (state() == ProjectionState.FAILED || state() == ProjectionState.STOPPED) {
                throw new MyelinProjectionException("projection " + definition.name() + " is " + state()
                        + " and will not catch up" + failure().map(f -> ": " + f).orElse(""), failure().orElse(null));
            }
            long behind = behind(targets);
            if (behind == 0 && !repartitionCounted) {
                targets.putAll(committedEnds(List.of(repartitionTopic())));
                repartitionCounted = true;
                behind = behind(targets);
            }
            long now = System.nanoTime();
            if (behind == 0 && state() == ProjectionState.RUNNING) {
                LOG.info("Projection {} ({}) caught up after {} ms", definition.name(), applicationId,
                        TimeUnit.NANOSECONDS.toMillis(now - start));
                return;
            }
            if (now - lastLog >= progressInterval.toNanos()) {
                double seconds = (now - lastLog) / 1e9;
                long rate = lastBehind < 0 ? 0 : Math.max(0, Math.round((lastBehind - behind) / seconds));
                LOG.info("Projection {} ({}): {} events to go, {} events/s", definition.name(), applicationId, behind, rate);
                lastLog = now;
                lastBehind = behind;
            } else if (lastBehind < 0) {
                lastBehind = behind;
            }
            if (now > deadline) {
                throw new MyelinProjectionException("projection " + definition.name() + " still has " + behind
                        + " of the events committed before the wait began to process after " + timeout);
            }
            synchronized (stateChanged) {
                try {
                    // positions are read from the brokers; a commit interval or so between reads is plenty
                    stateChanged.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new MyelinProjectionException("interrupted while waiting for projection " + definition.name(), e);
                }
            }
        }
    }

    /** Returns how many of the events before {@code targets} the projection has not yet committed as processed. */
    private long behind(Map<TopicPartition, Long> targets) {
        Map<TopicPartition, Long> positions = positions(new ArrayList<>(targets.keySet()));
        long behind = 0;
        for (Map.Entry<TopicPartition, Long> target : targets.entrySet()) {
            behind += Math.max(0, target.getValue() - positions.get(target.getKey()));
        }
        return behind;
    }

    /** Returns the committed (read_committed) end offset of every partition of {@code topics}. */
    private Map<TopicPartition, Long> committedEnds(List<String> topics) {
        return admin(() -> {
            Map<String, TopicDescription> described = new HashMap<>();
            for (Map.Entry<String, KafkaFuture<TopicDescription>> topic : admin.describeTopics(topics).topicNameValues().entrySet()) {
                try {
                    described.put(topic.getKey(), topic.getValue().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
                } catch (ExecutionException e) {
                    // the repartition topic does not exist until Kafka Streams first starts; nothing waits in it then
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || !topic.getKey().equals(repartitionTopic())) {
                        throw e;
                    }
                }
            }
            Map<TopicPartition, Long> ends = new HashMap<>();
            offsets(partitionsOf(described.values()), OffsetSpec.latest()).forEach((p, info) -> ends.put(p, info.offset()));
            return ends;
        });
    }

    /**
     * Returns the projection's position in each partition: its committed offset, or the partition's
     * start where it has committed none yet (nothing before the start can be waited for).
     */
    private Map<TopicPartition, Long> positions(List<TopicPartition> partitions) {
        return admin(() -> {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = offsets(partitions, OffsetSpec.earliest());
            Map<TopicPartition, Long> positions = new HashMap<>();
            for (TopicPartition partition : partitions) {
                OffsetAndMetadata position = committed.get(partition);
                positions.put(partition, position == null ? starts.get(partition).offset() : position.offset());
            }
            return positions;
        });
    }

    /** An admin call that may fail with the checked exceptions of a future. */
    private interface AdminCall<T> {
        T call() throws InterruptedException, ExecutionException, TimeoutException;
    }

    private <T> T admin(AdminCall<T> call) {
        try {
            return call.call();
        } catch (ExecutionException | TimeoutException e) {
            throw adminFailure("read the offsets of projection " + definition.name(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw adminFailure("read the offsets of projection " + definition.name(), e);
        }
    }

    private String repartitionTopic() {
        return applicationId + "-myelin-rekey-repartition";
    }

    /** Returns the repartition topic of a re-keyed projection (named by Kafka Streams from ours). */
    private List<String> lagTopics() {
        List<String> topics = new ArrayList<>(definition.inputTopics());
        if (definition.rekeyed()) {
            topics.add(repartitionTopic());
        }
        return topics;
    }

    @Override
    public ProjectionLag lag() {
        Map<TopicPartition, Long> ends = committedEnds(lagTopics());
        Map<TopicPartition, Long> positions = positions(new ArrayList<>(ends.keySet()));
        Map<TopicPartition, Long> lag = new HashMap<>();
        ends.forEach((partition, end) -> lag.put(partition, Math.max(0, end - positions.get(partition))));
        return new ProjectionLag(lag);
    }

    private Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> offsets(List<TopicPartition> partitions, OffsetSpec spec)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(p -> request.put(p, spec));
        // read_committed: the end of what the projection can see, not counting open transactions
        return admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public List<DeadLetter> deadLetters(Duration timeout) {
        List<DeadLetter> letters = new ArrayList<>();
        readDeadLetters(timeout, (letter, record) -> letters.add(letter));
        return letters;
    }

    @Override
    public int redrive(Predicate<? super DeadLetter> which, Duration timeout) {
        java.util.Objects.requireNonNull(which, "which");
        List<ProducerRecord<byte[], byte[]>> redrive = new ArrayList<>();
        int partitions = partitionCount(definition.redriveTopic());
        readDeadLetters(timeout, (letter, record) -> {
            if (which.test(letter)) {
                Headers headers = DeadLetterCodec.redriveHeaders(record.headers(), letter.origin());
                redrive.add(new ProducerRecord<>(definition.redriveTopic(), redrivePartition(headers, partitions),
                        record.key(), record.value(), headers));
            }
        });
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.CLIENT_ID_CONFIG, applicationId + "-myelin-redrive");
        props.keySet().retainAll(ProducerConfig.configNames());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            redrive.forEach(record -> sent.add(producer.send(record)));
            producer.flush();
            for (java.util.concurrent.Future<?> future : sent) {
                future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException | TimeoutException | InterruptedException | org.apache.kafka.common.KafkaException e) {
            throw adminFailure("re-drive dead letters of projection " + definition.name(), e);
        }
        LOG.info("Re-drove {} dead letter(s) into projection {}", redrive.size(), definition.name());
        return redrive.size();
    }

    /** Returns the partition of the re-drive topic for an event: its aggregate's, as on the events topic. */
    private static int redrivePartition(Headers headers, int partitions) {
        return EventMetadata.header(headers, EventMetadata.AGGREGATE_ID)
                .map(id -> Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % partitions)
                .orElse(0);
    }

    private int partitionCount(String topic) {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .get(topic).partitions().size();
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            throw adminFailure("describe topic " + topic, e);
        }
    }

    private void readDeadLetters(Duration timeout, BiConsumer<DeadLetter, ConsumerRecord<byte[], byte[]>> each) {
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString().toLowerCase(java.util.Locale.ROOT));
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, applicationId + "-myelin-dead-letters");
        props.keySet().retainAll(ConsumerConfig.configNames());
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(definition.deadLetterTopic(), timeout).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
            while (!reached(consumer, ends)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new MyelinProjectionException("could not read dead-letter topic " + definition.deadLetterTopic()
                            + " to its end within " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofNanos(Math.min(left, 200_000_000L)))) {
                    DeadLetter letter = DeadLetterCodec.read(record.key(), record.value(), record.headers());
                    if (letter.projection().equals(definition.name())) {
                        each.accept(letter, record);
                    }
                }
            }
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new MyelinProjectionException("could not read dead-letter topic " + definition.deadLetterTopic() + ": " + e, e);
        }
    }

    private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (consumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        stop(false);
    }

    @Override
    public void destroy() {
        stop(true);
    }

    private synchronized void stop(boolean destroy) {
        health.closed();
        LOG.info("{} projection {} ({})", destroy ? "Destroying" : "Closing", definition.name(), applicationId);
        try {
            if (destroy) {
                // Leaving the group lets the group be deleted at once rather than after the session timeout.
                streams.close(CloseOptions.timeout(config.closeTimeout())
                        .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
            } else {
                streams.close(config.closeTimeout());
            }
            if (queryServer != null && !closed) {
                queryServer.release(queryPath);
            }
            closed = true;
            if (destroy) {
                streams.cleanUp();
                deleteInternals();
            }
        } finally {
            admin.close(Duration.ofSeconds(5));
            synchronized (stateChanged) {
                stateChanged.notifyAll();
            }
        }
    }

    private void deleteInternals() {
        try {
            List<String> internal = admin.listTopics().names().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).stream()
                    .filter(name -> name.startsWith(applicationId + "-")
                            && (name.endsWith("-changelog") || name.endsWith("-repartition")))
                    .toList();
            admin.deleteTopics(internal).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            admin.deleteConsumerGroups(List.of(applicationId)).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("Deleted {} and consumer group {} of projection {}", internal, applicationId, definition.name());
        } catch (ExecutionException | TimeoutException | InterruptedException e) {
            throw adminFailure("delete the state of " + applicationId, e);
        }
    }

    private static List<TopicPartition> partitionsOf(Collection<TopicDescription> topics) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (TopicDescription topic : topics) {
            topic.partitions().forEach(p -> partitions.add(new TopicPartition(topic.name(), p.partition())));
        }
        return partitions;
    }

    /** Returns the {@link ProjectionFailedException} inside Kafka Streams' wrapping, or the error itself. */
    private static Throwable projectionFailure(Throwable error) {
        Set<Throwable> seen = new java.util.HashSet<>();
        for (Throwable t = error; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof ProjectionFailedException) {
                return t;
            }
        }
        return error;
    }

    private static MyelinProjectionException adminFailure(String what, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return new MyelinProjectionException("could not " + what + ": " + cause, cause);
    }
}
