package dev.myelin.eventstore;

import static dev.myelin.schemas.internal.BuilderChecks.requireState;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.Topology;

import dev.myelin.schemas.AvroSerdes;
import dev.myelin.eventstore.internal.CommandTopology;
import dev.myelin.eventstore.internal.DefaultEventStore;
import dev.myelin.eventstore.internal.Telemetry;

/**
 * Runs one aggregate type: the exactly-once command processor (a Kafka Streams application) and the
 * reads it serves. Several instances with the same {@link MyelinConfig} share the partitions.
 *
 * <pre>{@code
 * MyelinConfig config = MyelinConfig.builder("bank").bootstrapServers(servers).build();
 * try (EventStore<AccountState, SpecificRecord, SpecificRecord> store = EventStore.builder(Account.TYPE, config)
 *         .commandSerde(commands).eventSerde(events)        // the Avro state's serde is derived
 *         .stateDirectory(Path.of("/var/lib/bank"))
 *         .start()) {
 *     store.gateway().send("acc-1", new OpenAccount("ada")).join();
 *     Optional<AggregateState<AccountState>> state = store.state("acc-1");
 *     List<RecordedEvent<SpecificRecord>> history = store.history("acc-1");
 * }
 * }</pre>
 *
 * @param <S> the state type
 * @param <C> the command type
 * @param <E> the event type
 */
public interface EventStore<S, C, E> extends AutoCloseable {

    /**
     * Starts building an event store for {@code type} in the application {@code config} describes.
     *
     * @param type   the aggregate type
     * @param config the application's configuration
     * @param <S>    the state type
     * @param <C>    the command type
     * @param <E>    the event type
     * @return a builder
     */
    static <S, C, E> Builder<S, C, E> builder(AggregateType<S, C, E> type, MyelinConfig config) {
        return new Builder<>(type, config);
    }

    /**
     * Returns this store's gateway, for sending commands; it is started with the store and closed
     * with it.
     *
     * @return the gateway
     */
    CommandGateway<C, E> gateway();

    /**
     * Appends events decided elsewhere, through the same processor as commands (so with the same
     * consistency: version check, one writer, one transaction).
     *
     * @param aggregateId     the aggregate
     * @param expectedVersion the version it must be at, or {@link SendOptions#ANY_VERSION}
     * @param events          the events, in order
     * @return the result: {@code Accepted} or {@code Conflict}, or {@code Rejected} if {@code evolve} throws
     * @throws IllegalArgumentException if an event cannot be serialized
     */
    default CompletableFuture<CommandResult<E>> append(String aggregateId, long expectedVersion, List<? extends E> events) {
        return append(aggregateId, events, expectedVersion == SendOptions.ANY_VERSION ? SendOptions.defaults()
                : SendOptions.expectingVersion(expectedVersion));
    }

    /**
     * Appends events decided elsewhere with the given options: an expected version, a timeout, and a
     * command id that makes the append safe to retry. An append whose command id was seen within the
     * dedup retention ({@link MyelinConfig.Builder#dedupRetention(java.time.Duration)}, 24 hours by
     * default) answers its first result and appends nothing, exactly like
     * {@link CommandGateway#send(String, Object, SendOptions)}.
     *
     * <pre>{@code
     * SendOptions once = SendOptions.expectingVersion(4).withCommandId(importBatchId);
     * store.append("acc-1", List.of(new Deposited(10L)), once);   // safe to call again after a timeout
     * }</pre>
     *
     * @param aggregateId the aggregate
     * @param events      the events, in order
     * @param options     expected version, command id and timeout
     * @return the result: {@code Accepted} or {@code Conflict}, or {@code Rejected} if {@code evolve} throws;
     *         a retried id answers its first result
     * @throws IllegalArgumentException if an event cannot be serialized
     */
    CompletableFuture<CommandResult<E>> append(String aggregateId, List<? extends E> events, SendOptions options);

    /**
     * Returns an aggregate's current state from the local store, committed data only: a write whose
     * transaction may still abort is never shown (Kafka 4.4's transactional state stores, queried at
     * {@code READ_COMMITTED}). A command sent by someone else becomes visible here within one
     * commit of the processor ({@code commit.interval.ms}, 5 ms by default) after its transaction
     * commits. A command this store's own {@link #gateway()} or {@link #append} saw accepted is
     * always visible: the read waits (milliseconds at most) until the store has committed that
     * version. Setting {@code default.interactive.query.isolation.level=READ_UNCOMMITTED} through
     * {@link MyelinConfig.Builder#property} trades that for reads that may show uncommitted state.
     *
     * @param aggregateId the aggregate
     * @return its state and version, or empty if it has no events
     * @throws AggregateNotLocalException if another instance serves the aggregate's partition
     */
    Optional<AggregateState<S>> state(String aggregateId);

    /**
     * Returns an aggregate's events, oldest first; committed events only, and like
     * {@link #state(String)} every event this store's own gateway saw accepted.
     *
     * @param aggregateId the aggregate
     * @return its events; empty if it has none
     * @throws AggregateNotLocalException if another instance serves the aggregate's partition
     */
    default List<RecordedEvent<E>> history(String aggregateId) {
        return history(aggregateId, 1);
    }

    /**
     * Returns an aggregate's events from sequence {@code fromSequence} on, oldest first.
     *
     * @param aggregateId  the aggregate
     * @param fromSequence the first sequence wanted (1 for all)
     * @return the events
     * @throws IllegalArgumentException   if {@code fromSequence} is less than 1
     * @throws AggregateNotLocalException if another instance serves the aggregate's partition
     */
    List<RecordedEvent<E>> history(String aggregateId, long fromSequence);

    /**
     * Erases an aggregate: writes a tombstone for each of its events and deletes its state and
     * history, through the processor. Once the events topic and the stores' changelogs are compacted,
     * no event or state of it is left there. The commands and command-results topics are not
     * compacted: the commands that created it, and the results carrying their events, stay there
     * until those topics' retention ({@code retention.ms}, the broker's default unless set) deletes
     * them; set a retention that fits your erasure duty. Command ids (without payloads) stay in the
     * dedup store for {@link MyelinConfig#dedupRetention()}.
     *
     * @param aggregateId the aggregate
     * @return {@code Accepted} with version 0 and no events
     */
    CompletableFuture<CommandResult<E>> forget(String aggregateId);

    /**
     * Returns how the event store is doing, for a health check, in the shape every Myelin runtime
     * reports: {@link Health.Running running}; {@link Health.Degraded degraded} while it starts or
     * rebalances, while a commands partition is held because the schema registry is unavailable (the
     * reason names the partition and since when; it resumes by itself), for a minute after a stream
     * thread was replaced, or when the store has been closed; {@link Health.Failed failed} when its
     * processor or its gateway stopped for good. When the processor runs, the gateway's
     * {@link CommandGateway#health()} is the answer.
     *
     * @return the health
     */
    Health health();

    /**
     * Returns the names of this aggregate type's topics.
     *
     * @return the topics
     */
    AggregateTopics topics();

    /**
     * Reads every command this store dead-lettered, oldest first per partition, from the start of its
     * dead-letter topic ({@link AggregateTopics#deadLetters()}) to its current end, each with what was
     * done about it ({@link CommandDeadLetter#actions()}). A command is dead-lettered when it cannot be
     * processed and has no {@link CommandHeaders#REPLY_TO reply address} to be answered on; a transient
     * fault (the schema registry down) never dead-letters one: it is held and resumes by itself.
     *
     * @param timeout how long to read for at most
     * @return the dead letters
     * @throws MyelinEventStoreException if the topic cannot be read to its end within {@code timeout}
     */
    List<CommandDeadLetter> deadLetters(Duration timeout);

    /**
     * Sends dead-lettered commands back to be decided again once their cause is fixed (a {@code decide}
     * that now copes, an upcaster for an unreadable command): each {@link DeadLetterStatus#PENDING
     * pending} dead letter {@code which} accepts is written back to the commands topic with its key,
     * value and headers and its command id, and a {@code REDRIVE} action naming {@code by} is recorded on
     * the dead-letter topic, both in one transaction. Exactly once: a letter redriven is no longer
     * pending, so a second call does not send it again; and should the same command reach the processor
     * twice anyway (two instances acting at once), the processor knows its command id and answers the
     * first result instead of deciding it again. A redriven command that fails again becomes a new dead
     * letter.
     *
     * <pre>{@code
     * orders.redrive(letter -> letter.error().contains("unknown currency"), "ops@example.com", Duration.ofSeconds(30));
     * }</pre>
     *
     * @param which   chooses among the pending dead letters
     * @param by      who redrives, for the audit (a user name, a ticket)
     * @param timeout how long to read the dead letters and write them back, at most
     * @return how many dead letters were redriven
     * @throws IllegalArgumentException  if {@code by} is blank
     * @throws MyelinEventStoreException if the dead letters cannot be read or written back in time
     */
    int redrive(Predicate<? super CommandDeadLetter> which, String by, Duration timeout);

    /**
     * Records the {@link DeadLetterStatus#PENDING pending} dead letters {@code which} accepts as
     * needing nothing more (a {@code SKIP} action naming {@code by} on the dead-letter topic): they stay
     * on the topic until its retention deletes them, listed as {@link DeadLetterStatus#SKIPPED}.
     *
     * @param which   chooses among the pending dead letters
     * @param by      who skips, for the audit
     * @param timeout how long to read the dead letters and record the action, at most
     * @return how many dead letters were skipped
     * @throws IllegalArgumentException  if {@code by} is blank
     * @throws MyelinEventStoreException if the dead letters cannot be read or the action written in time
     */
    int skip(Predicate<? super CommandDeadLetter> which, String by, Duration timeout);

    /**
     * Stops the processor and the gateway.
     */
    @Override
    void close();

    /**
     * Builds an {@link EventStore}.
     *
     * @param <S> the state type
     * @param <C> the command type
     * @param <E> the event type
     */
    final class Builder<S, C, E> {
        private final AggregateType<S, C, E> type;
        private final MyelinConfig config;
        private Serde<C> commandSerde;
        private Serde<E> eventSerde;
        private Serde<S> stateSerde;
        private Path stateDirectory;

        private Builder(AggregateType<S, C, E> type, MyelinConfig config) {
            this.type = Objects.requireNonNull(type, "type");
            this.config = Objects.requireNonNull(config, "config");
        }

        /**
         * Sets how commands are read and written.
         *
         * @param serde the command serde
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder<S, C, E> commandSerde(Serde<C> serde) {
            Objects.requireNonNull(serde, "serde");
            requireState(commandSerde == null, "commandSerde was already set to %s", commandSerde);
            commandSerde = serde;
            return this;
        }

        /**
         * Sets how events are read and written (on the events topic, in results and in the history store).
         *
         * @param serde the event serde
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder<S, C, E> eventSerde(Serde<E> serde) {
            Objects.requireNonNull(serde, "serde");
            requireState(eventSerde == null, "eventSerde was already set to %s", eventSerde);
            eventSerde = serde;
            return this;
        }

        /**
         * Sets how the state is stored. Optional when the state is a generated Avro record: then a
         * registry-free Avro single-object serde is derived.
         *
         * @param serde the state serde
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder<S, C, E> stateSerde(Serde<S> serde) {
            Objects.requireNonNull(serde, "serde");
            requireState(stateSerde == null, "stateSerde was already set to %s", stateSerde);
            stateSerde = serde;
            return this;
        }

        /**
         * Sets where the local stores live (Kafka Streams' {@code state.dir}). Two instances on one
         * machine need two directories.
         *
         * @param directory the directory
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder<S, C, E> stateDirectory(Path directory) {
            Objects.requireNonNull(directory, "directory");
            requireState(stateDirectory == null, "stateDirectory was already set to %s", stateDirectory);
            stateDirectory = directory;
            return this;
        }

        /**
         * Returns the command-processing topology this builder would run, for
         * {@code TopologyTestDriver} tests and for {@code describe()}: as a commands topic of one
         * partition sees it (the driver has one), so no command is moved to another partition.
         *
         * @return a new topology
         * @throws IllegalStateException if a required serde was not set
         */
        public Topology topology() {
            return CommandTopology.build(type, requireCommandSerde(), requireEventSerde(), resolveStateSerde(), config.topics(type),
                    config.dedupRetention(), 1, Telemetry.of(config), config.replyTopics());
        }

        /**
         * Creates the topics if missing (checking them if present), starts the processor, waits until
         * it runs, and starts the gateway.
         *
         * @return the running store
         * @throws IllegalStateException       if a required serde was not set
         * @throws TopicConfigurationException if an existing topic is configured wrongly
         */
        public EventStore<S, C, E> start() {
            return DefaultEventStore.start(type, config, requireCommandSerde(), requireEventSerde(), resolveStateSerde(),
                    Optional.ofNullable(stateDirectory));
        }

        private Serde<C> requireCommandSerde() {
            requireState(commandSerde != null, "commandSerde was not set");
            return commandSerde;
        }

        private Serde<E> requireEventSerde() {
            requireState(eventSerde != null, "eventSerde was not set");
            return eventSerde;
        }

        private Serde<S> resolveStateSerde() {
            if (stateSerde != null) {
                return stateSerde;
            }
            S initial = type.initialState();
            requireState(initial instanceof SpecificRecord,
                    "stateSerde was not set and the state type %s is not a generated Avro record, so none can be derived; "
                            + "call stateSerde(...)", initial.getClass().getName());
            @SuppressWarnings("unchecked")
            Class<? extends S> stateClass = (Class<? extends S>) initial.getClass();
            return AvroSerdes.singleObject(stateClass);
        }
    }
}
