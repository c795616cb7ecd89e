package dev.myelin.sagas.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.UnknownMemberIdException;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.LogAndFailProcessingExceptionHandler;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.Health;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.eventstore.TopicConfigurationException;
import dev.myelin.eventstore.internal.BrokerSettings;
import dev.myelin.eventstore.internal.DefaultCommandGateway;
import dev.myelin.eventstore.internal.Holds;
import dev.myelin.eventstore.internal.Meters;
import dev.myelin.eventstore.internal.Telemetry;
import dev.myelin.eventstore.internal.StreamsBootstrap;
import dev.myelin.eventstore.internal.StreamsHealth;
import dev.myelin.sagas.SagaDeadLetter;
import dev.myelin.sagas.SagaDefinition;
import dev.myelin.sagas.SagaRuntime;
import dev.myelin.sagas.SagaState;
import dev.myelin.sagas.SagaTopics;
import dev.myelin.sagas.TriggerPosition;

/** The running saga application. */
public final class DefaultSagaRuntime<T, D> implements SagaRuntime<T, D> {
    private static final Logger log = LoggerFactory.getLogger(DefaultSagaRuntime.class);

    private final DefaultSagaDefinition<T, D> definition;
    private final SagaTopics topics;
    private final KafkaStreams streams;
    private final StreamsHealth health;
    private final List<AutoCloseable> streamsMeters;
    private final SagaDeadLetters deadLetters;

    private DefaultSagaRuntime(DefaultSagaDefinition<T, D> definition, SagaTopics topics, KafkaStreams streams, StreamsHealth health,
                               List<AutoCloseable> streamsMeters, SagaDeadLetters deadLetters) {
        this.definition = definition;
        this.topics = topics;
        this.streams = streams;
        this.health = health;
        this.streamsMeters = streamsMeters;
        this.deadLetters = deadLetters;
    }

    /**
     * Creates the saga's topics, starts the application and waits until it runs.
     *
     * @param definition     the saga
     * @param config         the application configuration
     * @param stateDirectory where stores live, or empty for Kafka Streams' default
     * @param tick           the deadline check interval
     * @param retention      how long finished sagas stay in the store
     * @param deadlinesPerCheck the most deadlines one check handles
     * @param startingAt     where a new application starts reading the trigger topic
     * @param <T>            the trigger type
     * @param <D>            the data type
     * @return the runtime
     */
    public static <T, D> DefaultSagaRuntime<T, D> start(DefaultSagaDefinition<T, D> definition, MyelinConfig config,
                                                        Optional<Path> stateDirectory, Duration tick,
                                                        Duration retention, int deadlinesPerCheck,
                                                        TriggerPosition startingAt) {
        SagaTopics topics = SagaTopics.of(config.application(), definition.name());
        String applicationId = config.application() + ".saga." + definition.name();
        String runtime = "saga runtime " + applicationId;
        Map<String, Object> defaults = StreamsBootstrap.clusterDefaults(config, Optional.empty());
        // a saga step is a round trip through two transactions; a short commit interval keeps it quick. A commit is due
        // only when the stream thread comes back from poll(), so poll.ms bounds it too: with Kafka's 100 ms a lone
        // saga's command or reply waited up to that long for its commit at every hop (a single saga took ~0.7 s)
        defaults.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 20);
        defaults.put(StreamsConfig.POLL_MS_CONFIG, 5);
        // the inbox and the triggers are written in transactions, readable only once the commit marker lands, which does not
        // always wake a fetch parked at the broker (fetch.max.wait.ms, 500 ms by default): a short wait bounds that delay at
        // every hop. Measured on the sagas suite, two runs each: saga p50 197 ms / p99 315 ms against 255 / 400 at 500 ms
        defaults.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 10);
        defaults.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 0);
        // the replies sub-topology reads every participant's results topic, most of them empty at any
        // moment; Kafka Streams 4.3 formats a lag message per record while an input is empty, and a
        // saga's order is per saga id within the inbox, not across those topics
        defaults.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
        // first: settings that weaken a guarantee are refused before anything is created
        Properties props = StreamsBootstrap.properties("the " + runtime, applicationId, config.properties(), defaults);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        stateDirectory.ifPresent(dir -> props.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString()));
        // the saga processor handles what a record causes itself (its saga FAILED, or a dead letter); what reaches this
        // handler is a held partition or Kafka's own trouble, and a handler that continued would skip a record that is fine
        StreamsBootstrap.useProcessingExceptionHandler(props, LogAndFailProcessingExceptionHandler.class, runtime,
                "it fails a saga or dead-letters a record itself, and a handler that continued would skip records held while the"
                        + " schema registry is away");
        // before anything is created: a log kept shorter than the sagas it records is a configuration error
        Duration logRetention = SagaTopicSetup.logRetention(retention, config, definition.name());
        warnAboutStepsWithoutTimeout(definition);
        createTopics(config, definition, topics, applicationId, logRetention, SagaTopicSetup.minimumLogRetention(retention, config));
        pinTriggerStart(config, definition.triggerTopic(), applicationId, startingAt,
                String.valueOf(props.get(StreamsConfig.consumerPrefix("group.protocol"))), String.valueOf(props.get("group.protocol")));

        Holds holds = new Holds("Saga runtime " + applicationId, Holds.maxBlock(new StreamsConfig(props).getProducerConfigs(applicationId), props));
        StreamsHealth health = new StreamsHealth(runtime, holds, IllegalStateException::new);
        Telemetry telemetry = Telemetry.of(config);
        KafkaStreams streams = new KafkaStreams(SagaTopology.build(definition, topics, tick, retention, true, deadlinesPerCheck, holds,
                telemetry), props);
        List<AutoCloseable> streamsMeters = new ArrayList<>(SagaGauges.register(telemetry.meters(), definition, streams));
        streamsMeters.add(telemetry.meters().kafkaStreams(streams, "saga", definition.name()));
        CountDownLatch running = StreamsBootstrap.observe(streams, runtime, health, () -> { });
        try {
            StreamsBootstrap.startAndAwait(streams, running, StreamsBootstrap.START_TIMEOUT, runtime, IllegalStateException::new);
        } catch (RuntimeException e) {
            streamsMeters.forEach(Meters::release);
            throw e;
        }
        log.info("saga runtime {} running: triggers from {}, log on {}", definition.name(), definition.triggerTopic(), topics.log());
        return new DefaultSagaRuntime<>(definition, topics, streams, health, streamsMeters,
                new SagaDeadLetters(definition, topics, config));
    }

    /**
     * Warns, naming them, about the steps that wait for their reply forever: a participant that never
     * answers leaves such a saga RUNNING (or COMPENSATING) for good, and nothing compensates it.
     *
     * @param definition the saga
     * @return the names of those steps, for tests
     */
    static List<String> warnAboutStepsWithoutTimeout(DefaultSagaDefinition<?, ?> definition) {
        List<String> untimed = definition.steps().stream().filter(step -> !step.hasTimeout()).map(StepModel::name).toList();
        for (String step : untimed) {
            log.warn("saga {}: step '{}' has no timeout: if its participant never answers, the saga waits at that step (or at its "
                    + "compensation) forever; give it .timeout(...) unless a reply is guaranteed", definition.name(), step);
        }
        return untimed;
    }

    /**
     * Commits the starting position on each trigger partition the application has no position on
     * yet, before Kafka Streams starts: Kafka's own reset would take "latest" at the first fetch, some
     * time after {@code start()} returns, and again after a crash before the first commit, skipping
     * the triggers published in between.
     */
    private static void pinTriggerStart(MyelinConfig config, String topic, String applicationId, TriggerPosition position,
                                        String... groupProtocols) {
        for (String protocol : groupProtocols) {
            if ("streams".equalsIgnoreCase(protocol)) {
                log.warn("saga runtime {}: group.protocol=streams, so the trigger topic's starting position {} is not recorded ahead; "
                        + "Kafka Streams' auto.offset.reset decides where a new application starts", applicationId, position);
                return;
            }
        }
        try (Admin admin = Admin.create(DefaultCommandGateway.adminProperties(config))) {
            List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(60, TimeUnit.SECONDS).get(topic)
                    .partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                    .partitionsToOffsetAndMetadata().get(60, TimeUnit.SECONDS);
            List<TopicPartition> unset = partitions.stream().filter(tp -> committed.get(tp) == null).toList();
            if (unset.isEmpty()) {
                return; // the application has run before: it goes on from where it was
            }
            OffsetSpec spec = position instanceof TriggerPosition.FromTimestamp at ? OffsetSpec.forTimestamp(at.at().toEpochMilli())
                    : position instanceof TriggerPosition.FromBeginning ? OffsetSpec.earliest() : OffsetSpec.latest();
            // read_committed: "latest" is the last stable offset, so a trigger in a transaction still open is read once it commits
            ListOffsetsOptions committedOnly = new ListOffsetsOptions(IsolationLevel.READ_COMMITTED);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> found = admin.listOffsets(
                    unset.stream().collect(Collectors.toMap(tp -> tp, tp -> spec)), committedOnly).all().get(60, TimeUnit.SECONDS);
            List<TopicPartition> noneSince = unset.stream().filter(tp -> found.get(tp).offset() < 0).toList();
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = noneSince.isEmpty() ? Map.of()
                    : admin.listOffsets(noneSince.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())), committedOnly)
                            .all().get(60, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetAndMetadata> pins = new java.util.HashMap<>();
            for (TopicPartition tp : unset) {
                // no record at or after the timestamp on this partition: start at its end, with what comes next
                long offset = found.get(tp).offset() >= 0 ? found.get(tp).offset() : ends.get(tp).offset();
                // no metadata: Kafka Streams keeps its own in the committed offset and warns about any other
                pins.put(tp, new OffsetAndMetadata(offset));
            }
            try {
                admin.alterConsumerGroupOffsets(applicationId, pins).all().get(60, TimeUnit.SECONDS);
                log.info("saga runtime {}: first start, reading {} {} at offsets {}", applicationId, topic, position, pins.entrySet().stream()
                        .collect(Collectors.toMap(e -> e.getKey().partition(), e -> e.getValue().offset())));
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof GroupNotEmptyException) && !(e.getCause() instanceof UnknownMemberIdException)) {
                    throw e;
                }
                // another instance of the application is running and owns the position; it set it when it started
                log.info("saga runtime {}: another instance is running; the trigger topic's position is its", applicationId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while setting where saga runtime " + applicationId + " starts on " + topic, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot set where saga runtime " + applicationId + " starts reading " + topic + " (" + position
                    + "): " + e + "; check that the broker is reachable and the application may describe and commit offsets of its "
                    + "consumer group", e);
        }
    }

    private static void createTopics(MyelinConfig config, DefaultSagaDefinition<?, ?> definition, SagaTopics topics, String applicationId,
                                     Duration logRetention, Duration minimumLog) {
        try (Admin admin = Admin.create(DefaultCommandGateway.adminProperties(config))) {
            Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            // the saga reads and writes other services' topics but does not own them: say which are missing
            // now, rather than let Kafka Streams fail on them later
            Set<String> needed = new java.util.TreeSet<>();
            needed.add(definition.triggerTopic());
            definition.participantModels().forEach(p -> {
                needed.add(p.commandTopic());
                needed.add(p.replyTopic());
            });
            needed.removeAll(existing);
            if (!needed.isEmpty()) {
                throw new MissingTopicsException("saga " + definition.name() + " needs topics that do not exist: " + needed
                        + "; start the participants' event stores (or create the services' topics) before the saga runtime");
            }
            SagaTopicSetup.ensure(admin, config, topics, applicationId, logRetention, minimumLog);
            BrokerSettings.warnOnce(admin);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the topics of " + topics, e);
        } catch (MissingTopicsException e) {
            throw new IllegalStateException(e.getMessage());
        } catch (TopicConfigurationException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the saga topics " + topics + ": " + e, e);
        }
    }

    /** Carries the missing-topics message past the catch-all that wraps Kafka's exceptions. */
    private static final class MissingTopicsException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MissingTopicsException(String message) {
            super(message, null, false, false);
        }
    }

    @Override
    public Optional<SagaState<D>> state(String sagaId) {
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.RUNNING && state != KafkaStreams.State.REBALANCING) {
            // starting, failed or closed: no store to read; health() says which
            return Optional.empty();
        }
        try {
            ReadOnlyKeyValueStore<String, byte[]> store = streams.store(
                    StoreQueryParameters.fromNameAndType(SagaTopology.SAGAS_STORE, QueryableStoreTypes.<String, byte[]>keyValueStore()));
            byte[] bytes = store.get(sagaId);
            return bytes == null ? Optional.empty() : Optional.of(SagaStates.decode(definition, bytes));
        } catch (InvalidStateStoreException | IllegalStateException e) {
            // rebalancing, restoring, or stopped since the check above: the store is not queryable this moment
            return Optional.empty();
        }
    }

    @Override
    public Health health() {
        return health.health(streams.state(), "joining the group and restoring the saga store");
    }

    @Override
    public SagaDefinition<T, D> definition() {
        return definition;
    }

    @Override
    public SagaTopics topics() {
        return topics;
    }

    @Override
    public List<SagaDeadLetter> deadLetters(Duration timeout) {
        return deadLetters.read(Objects.requireNonNull(timeout, "timeout"));
    }

    @Override
    public int redrive(Predicate<? super SagaDeadLetter> which, String by, Duration timeout) {
        return deadLetters.redrive(which, by, Objects.requireNonNull(timeout, "timeout"));
    }

    @Override
    public int skip(Predicate<? super SagaDeadLetter> which, String by, Duration timeout) {
        return deadLetters.skip(which, by, Objects.requireNonNull(timeout, "timeout"));
    }

    @Override
    public void close() {
        health.closed();
        streams.close(Duration.ofSeconds(30));
        streamsMeters.forEach(Meters::release);
    }
}
