package dev.myelin.sagas;

import static dev.myelin.schemas.internal.BuilderChecks.requireArgument;
import static dev.myelin.schemas.internal.BuilderChecks.requirePositive;
import static dev.myelin.schemas.internal.BuilderChecks.requireUnset;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

import org.apache.kafka.streams.Topology;

import dev.myelin.eventstore.Health;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.eventstore.internal.Telemetry;
import dev.myelin.sagas.internal.DefaultSagaDefinition;
import dev.myelin.sagas.internal.DefaultSagaRuntime;
import dev.myelin.sagas.internal.SagaTopology;

/**
 * Runs one saga definition: a Kafka Streams application ({@code <application>.saga.<name>}) with
 * {@code exactly_once_v2}. It reads trigger events and participants' replies, keeps each saga's
 * state in a local store (backed by a changelog topic), and sends the next command; a saga's state
 * change, the command it sends and its log entries commit in one transaction with the input that
 * caused them. Several instances with the same configuration share the sagas.
 *
 * <pre>{@code
 * try (SagaRuntime<OrderPlaced, PlaceOrderData> runtime = SagaRuntime.builder(placeOrder, config)
 *         .stateDirectory(Path.of("/var/lib/shop/sagas"))
 *         .startingAt(TriggerPosition.fromNowOn())   // the default, for the first start only
 *         .start()) {
 *     Optional<SagaState<PlaceOrderData>> order = runtime.state("o-1");
 * }
 * }</pre>
 *
 * @param <T> the trigger event type
 * @param <D> the saga data type
 */
public interface SagaRuntime<T, D> extends AutoCloseable {

    /**
     * Starts building a runtime for {@code definition} in the application {@code config} describes.
     *
     * @param definition the saga
     * @param config     the application's configuration (bootstrap servers, partitions, replication, Kafka properties)
     * @param <T>        the trigger event type
     * @param <D>        the saga data type
     * @return a builder
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code definition} was not built by {@link SagaDefinition#named}
     */
    static <T, D> Builder<T, D> builder(SagaDefinition<T, D> definition, MyelinConfig config) {
        return new Builder<>(DefaultSagaDefinition.of(definition), Objects.requireNonNull(config, "config"));
    }

    /**
     * Returns the definition this runtime runs, for tools that show it (its name, its
     * {@link SagaDefinition#toMermaid() diagram}).
     *
     * @return the definition
     */
    SagaDefinition<T, D> definition();

    /**
     * Returns a saga's state from this instance's store. Kafka Streams stores are read uncommitted
     * (Kafka 4.3 has no transactional stores), so the state may run ahead of the saga's log topic by
     * up to one commit interval, and after a crash a state seen here may be redone once more.
     *
     * @param sagaId the saga id
     * @return its state, or empty if this instance holds no such saga (it does not exist, or another
     *         instance owns its partition) or cannot read its store now: while it starts, rebalances or
     *         restores, and once it has failed or been closed; {@link #health()} tells which. It never
     *         throws for the runtime's trouble.
     */
    Optional<SagaState<D>> state(String sagaId);

    /**
     * Returns this runtime's health, in the shape every Myelin runtime reports: {@code Running};
     * {@code Degraded} with the reason and since when while it starts or rebalances, while a
     * partition is held because the schema registry is unavailable (it resumes by itself), for a
     * minute after a stream thread died and was replaced, and once closed; {@code Failed} with the
     * cause when Kafka Streams stopped without being closed.
     *
     * <p>No single record stops the runtime: a trigger or reply that can never be read, or whose saga id
     * or initial data cannot be made, goes to {@link SagaTopics#deadLetters()}; a saga whose record cannot
     * be processed (its data cannot be read or written, a function of the definition throws) is marked
     * {@link SagaStatus#FAILED} with the reason; the other sagas go on.
     *
     * @return the health
     */
    Health health();

    /**
     * Returns the names of the saga's own topics (its inbox, its log and its dead letters).
     *
     * @return the topics
     */
    SagaTopics topics();

    /**
     * Reads the saga's dead letters: the triggers and replies its dead-letter topic
     * ({@link SagaTopics#deadLetters()}) holds, read to its current end, each with what was done about
     * it (its {@link SagaDeadLetter#status() status} and {@link SagaDeadLetter#actions() actions}).
     * Works on any instance, whichever wrote them, and reads nothing else.
     *
     * @param timeout how long reading may take
     * @return the dead letters, by partition and offset
     * @throws IllegalStateException if the topic cannot be read to its end within {@code timeout}
     */
    List<SagaDeadLetter> deadLetters(Duration timeout);

    /**
     * Processes the pending dead letters {@code which} accepts again, once the cause is fixed: each is
     * written to the saga's inbox ({@link SagaTopics#inbox()}), where the saga processor reads it as it
     * would have, and the action (who, when) is recorded on the dead-letter topic, both in one
     * transaction. Exactly once: a redriven letter is no longer pending, so a second call does not
     * send it again; a trigger whose saga already exists starts nothing. A record the saga processor
     * gave up on goes back as it was read; a trigger its router gave up on (it could not be decoded, or
     * its saga id could not be made) is decoded and given its saga id by this runtime's definition
     * first, and one that still cannot be is left pending (the log names it). Nothing is written back
     * to the trigger or reply topics, which other runtimes read. A redriven record that fails again
     * becomes a new dead letter.
     *
     * <pre>{@code
     * runtime.redrive(letter -> letter.reason().equals("UNDECODABLE"), "ops@example.com", Duration.ofSeconds(30));
     * }</pre>
     *
     * @param which   chooses the letters
     * @param by      who redrives, for the audit
     * @param timeout how long reading the topic may take
     * @return how many dead letters were redriven
     * @throws IllegalArgumentException if {@code by} is blank
     * @throws IllegalStateException    if the topic cannot be read, the schema registry is unavailable, or the transaction fails
     */
    int redrive(Predicate<? super SagaDeadLetter> which, String by, Duration timeout);

    /**
     * Sets the pending dead letters {@code which} accepts aside: records that {@code by} skipped them,
     * so they no longer show as pending and a redrive leaves them.
     *
     * @param which   chooses the letters
     * @param by      who skips, for the audit
     * @param timeout how long reading the topic may take
     * @return how many dead letters were skipped
     * @throws IllegalArgumentException if {@code by} is blank
     * @throws IllegalStateException    if the topic cannot be read or the transaction fails
     */
    int skip(Predicate<? super SagaDeadLetter> which, String by, Duration timeout);

    /**
     * Stops the Kafka Streams application.
     */
    @Override
    void close();

    /**
     * Builds a {@link SagaRuntime}.
     *
     * @param <T> the trigger event type
     * @param <D> the saga data type
     */
    final class Builder<T, D> {
        private final DefaultSagaDefinition<T, D> definition;
        private final MyelinConfig config;
        private Path stateDirectory;
        private Duration tick;
        private Duration retention;
        private Integer deadlinesPerCheck;
        private TriggerPosition startingAt;

        private Builder(DefaultSagaDefinition<T, D> definition, MyelinConfig config) {
            this.definition = definition;
            this.config = config;
        }

        /**
         * Sets where the local stores live (Kafka Streams' {@code state.dir}).
         *
         * @param directory the directory
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder<T, D> stateDirectory(Path directory) {
            Objects.requireNonNull(directory, "directory");
            requireUnset(stateDirectory, "stateDirectory");
            stateDirectory = directory;
            return this;
        }

        /**
         * Sets how often passed deadlines are looked for (default 100 ms): a timeout fires up to this
         * much late.
         *
         * @param interval the interval
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if not positive
         */
        public Builder<T, D> deadlineCheckInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            requireUnset(tick, "deadlineCheckInterval");
            tick = requirePositive(interval, "deadlineCheckInterval");
            return this;
        }

        /**
         * Sets the most passed deadlines one check handles (default 500); the rest, the next
         * earliest first, wait for the following check, one {@link #deadlineCheckInterval} later.
         * When many steps time out at once (a participant was down), this keeps each of the
         * transactions that follow small and lets replies be read between checks, at the cost of
         * the last timeouts firing up to {@code passed / perCheck} intervals late.
         *
         * @param perCheck how many deadlines at most
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if less than 1
         */
        public Builder<T, D> deadlinesPerCheck(int perCheck) {
            requireUnset(deadlinesPerCheck, "deadlinesPerCheck");
            requireArgument(perCheck >= 1, "deadlinesPerCheck must be at least 1: %s", perCheck);
            deadlinesPerCheck = perCheck;
            return this;
        }

        /**
         * Sets where the runtime starts reading the trigger topic when its application has no
         * committed position there, that is, the first time it runs (default
         * {@link TriggerPosition#fromNowOn()}, see there why). {@link #start()} records that
         * position for the application before it starts, so a runtime that crashes before its
         * first commit still resumes from it, and a trigger published after {@code start()}
         * returns is never skipped.
         *
         * @param position where to start
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder<T, D> startingAt(TriggerPosition position) {
            Objects.requireNonNull(position, "position");
            requireUnset(startingAt, "startingAt");
            startingAt = position;
            return this;
        }

        /**
         * Sets how long a finished saga stays in the store (default 7 days). While it is there its
         * state can be queried and a redelivered trigger is recognised; afterwards the same trigger
         * would start a new saga. Keeping it short keeps the store, and a restore after a crash, small.
         *
         * @param retention how long
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if not positive
         */
        public Builder<T, D> retainFinishedSagas(Duration retention) {
            Objects.requireNonNull(retention, "retention");
            requireUnset(this.retention, "retainFinishedSagas");
            this.retention = requirePositive(retention, "retainFinishedSagas");
            return this;
        }

        /**
         * Returns the topology this builder would run, for {@code TopologyTestDriver} and {@code describe()}.
         *
         * @return a new topology
         */
        public Topology topology() {
            return SagaTopology.build(definition, SagaTopics.of(config.application(), definition.name()), resolvedTick(), resolvedRetention(), true,
                    resolvedDeadlinesPerCheck(), Telemetry.of(config));
        }

        /**
         * Returns the topology this builder would run, with its stores in memory instead of RocksDB,
         * for a {@code TopologyTestDriver}: the driver then holds nothing on disk, so a test need not
         * close it. Read its sagas with {@link SagaStore#read}.
         *
         * <pre>{@code
         * TopologyTestDriver driver = new TopologyTestDriver(SagaRuntime.builder(placeOrder, config)
         *         .deadlineCheckInterval(Duration.ofMillis(1))   // the driver's clock moves in steps: check at each
         *         .inMemoryTopology(), props, start);
         * }</pre>
         *
         * @return a new topology
         */
        public Topology inMemoryTopology() {
            return SagaTopology.build(definition, SagaTopics.of(config.application(), definition.name()), resolvedTick(), resolvedRetention(),
                    false, resolvedDeadlinesPerCheck(), Telemetry.of(config));
        }

        /**
         * Creates the saga's own topics if missing (with the application's replication factor and
         * {@code min.insync.replicas}, the log kept for {@code myelin.saga.log.retention.ms} and the
         * dead letters for {@code myelin.dead-letter.retention.ms}) and checks them if present,
         * records the trigger topic's starting position
         * if the application has none yet (see {@link #startingAt}), warns about steps without a
         * timeout, starts the application and waits until it runs. The trigger topic and the
         * participants' topics must exist.
         *
         * @return the running runtime
         * @throws IllegalStateException       if the application does not reach RUNNING within a minute
         * @throws IllegalArgumentException    if {@code myelin.saga.log.retention.ms} is shorter than
         *                                     {@link #retainFinishedSagas} plus {@code myelin.dedup.retention.ms}
         * @throws dev.myelin.eventstore.TopicConfigurationException if an existing saga topic would lose data: it is
         *                                     compacted, keeps records for less than its retention, or the
         *                                     inbox's partition count no longer matches the saga store's
         */
        public SagaRuntime<T, D> start() {
            return DefaultSagaRuntime.start(definition, config, Optional.ofNullable(stateDirectory), resolvedTick(), resolvedRetention(),
                    resolvedDeadlinesPerCheck(), startingAt == null ? TriggerPosition.fromNowOn() : startingAt);
        }

        private Duration resolvedRetention() {
            return retention == null ? SagaTopology.DEFAULT_RETENTION : retention;
        }

        private int resolvedDeadlinesPerCheck() {
            return deadlinesPerCheck == null ? SagaTopology.DEFAULT_DEADLINES_PER_CHECK : deadlinesPerCheck;
        }

        private Duration resolvedTick() {
            return tick == null ? Duration.ofMillis(100) : tick;
        }
    }
}
