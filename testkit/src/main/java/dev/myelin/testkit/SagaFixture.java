package dev.myelin.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;

import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.sagas.Participant;
import dev.myelin.sagas.SagaDefinition;
import dev.myelin.sagas.SagaState;
import dev.myelin.sagas.SagaStatus;
import dev.myelin.sagas.SagaTopics;
import dev.myelin.sagas.SagaTransition;
import dev.myelin.sagas.internal.CommandIds;
import dev.myelin.sagas.internal.DefaultSagaDefinition;
import dev.myelin.sagas.internal.ParticipantModel;
import dev.myelin.sagas.internal.SagaStates;
import dev.myelin.sagas.internal.SagaTopology;

/**
 * Tests a {@link SagaDefinition} without a broker: the saga's real topology runs in a
 * {@code TopologyTestDriver}, the test plays the participants, and wall-clock time moves only when
 * the test says, so timeouts and retries are tested in milliseconds.
 *
 * <pre>{@code
 * SagaFixture.of(placeOrder)
 *         .given(new OrderPlaced("o-1", "c-1", "sku-1", 2, 30L))
 *         .expectCommand(customers, "c-1", new ReserveCredit("o-1", 30L))
 *         .reply(customers, SagaFixture.accepted())
 *         .expectCommand(stock, "sku-1", new ReserveStock("o-1", 2))
 *         .advanceTime(Duration.ofSeconds(5))                       // no reply: the step times out
 *         .expectCommand(customers, "c-1", new ReleaseCredit("o-1"))
 *         .reply(customers, SagaFixture.accepted())
 *         .expectStatus(SagaStatus.COMPENSATED);
 * }</pre>
 *
 * <p>Steps of a parallel group are sent at once, so their commands are all there to check before
 * any is answered, and the test answers them in the order it wants:
 *
 * <pre>{@code
 * SagaFixture.of(placeOrderInParallel)
 *         .given(new OrderPlaced("o-1", "c-1", "sku-1", 2, 30L))
 *         .expectCommand(customers, "c-1", new ReserveCredit("o-1", 30L))
 *         .expectCommand(stock, "sku-1", new ReserveStock("o-1", 2))
 *         .expectInFlight("reserve-credit", "reserve-stock")
 *         .reply(stock, SagaFixture.rejected("only 1 left"))      // the saga waits for credit before undoing
 *         .expectNoCommand()
 *         .reply(customers, SagaFixture.accepted())
 *         .expectCommand(customers, "c-1", new ReleaseCredit("o-1"))
 *         .reply(customers, SagaFixture.accepted())
 *         .expectStatus(SagaStatus.COMPENSATED);
 * }</pre>
 *
 * <p>When two steps of a group send to one participant, {@link Scenario#reply(String, Participant, Object)}
 * says which step's command is answered.
 *
 * <p>Commands are encoded and replies decoded by the participants' own serdes, and the saga's state
 * goes through its store, so a serde that cannot round-trip a value fails here, not in production.
 * Stores are in memory: a fixture holds nothing that needs closing. Finished sagas are kept for the
 * runtime's default retention (7 days of fixture time).
 */
public final class SagaFixture {
    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

    private SagaFixture() {
    }

    /**
     * Starts a test of {@code definition}.
     *
     * @param definition the saga under test
     * @param <T>        the trigger type
     * @param <D>        the data type
     * @return the given stage
     * @throws NullPointerException if {@code definition} is null
     */
    public static <T, D> Given<T, D> of(SagaDefinition<T, D> definition) {
        DefaultSagaDefinition<T, D> model = DefaultSagaDefinition.of(definition);
        return trigger -> new Run<>(model).start(trigger);
    }

    /**
     * Returns an {@code Accepted} command result with no events, the usual answer of an aggregate
     * participant that agreed.
     *
     * @param <E> the event type
     * @return the result
     */
    public static <E> dev.myelin.eventstore.CommandResult<E> accepted() {
        return new dev.myelin.eventstore.CommandResult.Accepted<>(1, List.of());
    }

    /**
     * Returns a {@code Rejected} command result.
     *
     * @param reason why
     * @param <E>    the event type
     * @return the result
     */
    public static <E> dev.myelin.eventstore.CommandResult<E> rejected(String reason) {
        return new dev.myelin.eventstore.CommandResult.Rejected<>(reason);
    }

    /**
     * The first stage: the event that starts the saga.
     *
     * @param <T> the trigger type
     * @param <D> the data type
     */
    @FunctionalInterface
    public interface Given<T, D> {
        /**
         * Publishes the trigger event on the saga's trigger topic.
         *
         * @param trigger the event
         * @return the scenario stage
         * @throws NullPointerException if {@code trigger} is null
         */
        Scenario<T, D> given(T trigger);
    }

    /**
     * The scenario: the test answers the saga's commands, moves time, and checks what the saga did.
     * Every method returns this stage, so the story reads top to bottom.
     *
     * @param <T> the trigger type
     * @param <D> the data type
     */
    public interface Scenario<T, D> {
        /**
         * Verifies that the next command the saga sent to {@code participant} is {@code command},
         * keyed by {@code target}; {@link #reply} then answers it.
         *
         * @param participant who should have received it
         * @param target      the expected record key (for an aggregate, its id)
         * @param command     the expected command (compared with {@code equals})
         * @param <C>         the command type
         * @return this stage
         * @throws AssertionError if no command was sent to {@code participant}, or another one
         */
        <C> Scenario<T, D> expectCommand(Participant<C, ?> participant, String target, C command);

        /**
         * Publishes the trigger event again, as a redelivery would; a saga starts once, so this
         * should change nothing.
         *
         * @return this stage
         */
        Scenario<T, D> triggerAgain();

        /**
         * Verifies that the saga sent no command that was not yet checked with {@link #expectCommand}.
         *
         * @return this stage
         * @throws AssertionError if it did
         */
        Scenario<T, D> expectNoCommand();

        /**
         * Answers the last command checked with {@link #expectCommand} for {@code participant}, as the
         * participant would (same topic, key and headers). Replying twice sends a duplicate.
         *
         * @param participant the participant that answers
         * @param reply       its answer
         * @param <R>         the reply type
         * @return this stage
         * @throws IllegalStateException if no command to {@code participant} was checked yet
         */
        <R> Scenario<T, D> reply(Participant<?, R> participant, R reply);

        /**
         * Answers the last command checked with {@link #expectCommand} that step {@code step} sent (its
         * own command or its compensation), as the participant would: for steps of a parallel group
         * that send to the same participant, where {@link #reply(Participant, Object)} cannot tell
         * them apart.
         *
         * @param step        the step whose command is answered
         * @param participant the participant that answers
         * @param reply       its answer
         * @param <R>         the reply type
         * @return this stage
         * @throws IllegalStateException if no command of {@code step} was checked yet
         */
        <R> Scenario<T, D> reply(String step, Participant<?, R> participant, R reply);

        /**
         * Verifies which steps the saga waits for a reply from (to their command or their
         * compensation): one step, or the steps of a parallel group still in flight; none once the
         * saga is final.
         *
         * @param steps the step names, in the order the saga defines them
         * @return this stage
         * @throws AssertionError if the saga waits for other steps
         */
        Scenario<T, D> expectInFlight(String... steps);

        /**
         * Answers the command of step {@code step} of saga {@code sagaId}, whether or not it was ever
         * sent: for testing what the saga does with replies for sagas that do not exist or steps it is
         * not waiting for.
         *
         * @param participant the participant that answers
         * @param sagaId      the saga the reply names
         * @param step        the step the reply names
         * @param reply       the answer
         * @param <R>         the reply type
         * @return this stage
         * @throws IllegalArgumentException if the saga has no step {@code step}
         */
        <R> Scenario<T, D> replyFor(Participant<?, R> participant, String sagaId, String step, R reply);

        /**
         * Moves wall-clock time forward, firing each deadline that passes at its own time (a timeout,
         * then the end of its backoff, then the next timeout, ...), as a real clock would.
         *
         * @param duration how far
         * @return this stage
         * @throws IllegalArgumentException if {@code duration} is negative
         */
        Scenario<T, D> advanceTime(Duration duration);

        /**
         * Verifies the saga's status.
         *
         * @param status the expected status
         * @return this stage
         * @throws AssertionError if the saga is in another status
         */
        Scenario<T, D> expectStatus(SagaStatus status);

        /**
         * Verifies the saga's state with the caller's assertions.
         *
         * @param requirements assertions on the state
         * @return this stage
         */
        Scenario<T, D> expectState(Consumer<? super SagaState<D>> requirements);

        /**
         * Verifies the transitions the saga wrote to its log so far, from the start, in order.
         *
         * @param transitions the expected transitions
         * @return this stage
         * @throws AssertionError if the log holds other transitions
         */
        Scenario<T, D> expectTransitions(SagaTransition... transitions);

        /**
         * Returns the saga's current state, for checks the other methods do not cover.
         *
         * @return the state
         * @throws AssertionError if the saga does not exist
         */
        SagaState<D> state();
    }

    /** One run of one saga. */
    private static final class Run<T, D> implements Scenario<T, D> {
        private final DefaultSagaDefinition<T, D> definition;
        private final TopologyTestDriver driver;
        private final Map<String, TestOutputTopic<String, byte[]>> commandTopics = new LinkedHashMap<>();
        private final Map<String, TestInputTopic<String, byte[]>> replyTopics = new HashMap<>();
        private final Map<String, TestRecord<String, byte[]>> lastCommand = new HashMap<>();
        /** The last command checked per step name, for replies to steps of a group that share a participant. */
        private final Map<String, TestRecord<String, byte[]>> lastCommandOfStep = new HashMap<>();
        private final TestOutputTopic<String, byte[]> logTopic;
        private final List<SagaTransition> transitions = new ArrayList<>();
        private String sagaId;
        private T trigger;
        private long now = START.toEpochMilli();

        Run(DefaultSagaDefinition<T, D> definition) {
            this.definition = definition;
            SagaTopics topics = SagaTopics.of("fixture", definition.name());
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "saga-fixture-" + UUID.randomUUID());
            props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            // the tick is 1 ms so that advanceTime fires exactly the deadlines that passed
            this.driver = new TopologyTestDriver(SagaTopology.build(definition, topics, Duration.ofMillis(1),
                    SagaTopology.DEFAULT_RETENTION, false), props, START);
            for (ParticipantModel<Object, Object> p : definition.participants()) {
                commandTopics.computeIfAbsent(p.commandTopic(),
                        t -> driver.createOutputTopic(t, new StringDeserializer(), new ByteArrayDeserializer()));
                replyTopics.computeIfAbsent(p.replyTopic(), t -> driver.createInputTopic(t, new StringSerializer(), new ByteArraySerializer(),
                        START, Duration.ZERO));
            }
            this.logTopic = driver.createOutputTopic(topics.log(), new StringDeserializer(), new ByteArrayDeserializer());
        }

        Scenario<T, D> start(T trigger) {
            Objects.requireNonNull(trigger, "trigger");
            this.trigger = trigger;
            sagaId = definition.sagaId(trigger);
            Headers headers = new RecordHeaders();
            byte[] value = definition.triggerSerde().serializer().serialize(definition.triggerTopic(), headers, trigger);
            driver.createInputTopic(definition.triggerTopic(), new StringSerializer(), new ByteArraySerializer())
                    .pipeInput(new TestRecord<>(sagaId, value, headers, Instant.ofEpochMilli(now)));
            return this;
        }

        @Override
        public Scenario<T, D> triggerAgain() {
            return start(trigger);
        }

        @Override
        public <C> Scenario<T, D> expectCommand(Participant<C, ?> participant, String target, C command) {
            ParticipantModel<C, ?> model = ParticipantModel.of(participant);
            TestOutputTopic<String, byte[]> topic = commandTopics.get(model.commandTopic());
            if (topic == null) {
                throw new AssertionError("no step of saga " + definition.name() + " sends to " + model.name());
            }
            if (topic.isEmpty()) {
                throw new AssertionError("expected the saga to send " + command + " to " + model.name() + ", but it sent nothing there; "
                        + describe());
            }
            TestRecord<String, byte[]> record = topic.readRecord();
            C actual = model.decodeCommand(record.headers(), record.value());
            assertThat(actual).as("the command saga %s sent to %s", definition.name(), model.name()).isEqualTo(command);
            assertThat(record.key()).as("the target (record key) of %s", command).isEqualTo(target);
            lastCommand.put(model.commandTopic(), record);
            String commandId = new String(record.headers().lastHeader(CommandHeaders.COMMAND_ID).value(), StandardCharsets.UTF_8);
            CommandIds.parse(definition.name(), commandId).ifPresent(parsed -> lastCommandOfStep.put(parsed.step(), record));
            return this;
        }

        @Override
        public Scenario<T, D> expectNoCommand() {
            commandTopics.forEach((name, topic) -> {
                if (!topic.isEmpty()) {
                    throw new AssertionError("expected no command, but the saga sent " + topic.getQueueSize() + " to " + name + "; "
                            + describe());
                }
            });
            return this;
        }

        @Override
        public <R> Scenario<T, D> reply(Participant<?, R> participant, R reply) {
            ParticipantModel<?, R> model = ParticipantModel.of(participant);
            TestRecord<String, byte[]> command = lastCommand.get(model.commandTopic());
            if (command == null) {
                throw new IllegalStateException("no command to " + model.name() + " to reply to; check it first with expectCommand(...)");
            }
            String commandId = new String(command.headers().lastHeader(CommandHeaders.COMMAND_ID).value(), StandardCharsets.UTF_8);
            return sendReply(model, commandId, reply);
        }

        @Override
        public <R> Scenario<T, D> reply(String step, Participant<?, R> participant, R reply) {
            Objects.requireNonNull(step, "step");
            TestRecord<String, byte[]> command = lastCommandOfStep.get(step);
            if (command == null) {
                throw new IllegalStateException("no command of step '" + step + "' to reply to; check it first with expectCommand(...)"
                        + (definition.stepNames().contains(step) ? "" : " (saga " + definition.name() + " has no such step; its steps are "
                        + definition.stepNames() + ")"));
            }
            String commandId = new String(command.headers().lastHeader(CommandHeaders.COMMAND_ID).value(), StandardCharsets.UTF_8);
            return sendReply(ParticipantModel.of(participant), commandId, reply);
        }

        @Override
        public Scenario<T, D> expectInFlight(String... steps) {
            state(); // fails clearly when there is no saga
            byte[] bytes = driver.<String, byte[]>getKeyValueStore(SagaTopology.SAGAS_STORE).get(sagaId);
            assertThat(SagaStates.inFlight(definition, bytes)).as("the steps saga %s %s waits for; %s", definition.name(), sagaId,
                    describe()).containsExactly(steps);
            return this;
        }

        @Override
        public <R> Scenario<T, D> replyFor(Participant<?, R> participant, String sagaId, String step, R reply) {
            if (!definition.stepNames().contains(step)) {
                throw new IllegalArgumentException("saga " + definition.name() + " has no step '" + step + "'; its steps are "
                        + definition.stepNames());
            }
            return sendReply(ParticipantModel.of(participant), CommandIds.of(definition.name(), sagaId, CommandIds.Phase.INVOKE, step), reply);
        }

        private <R> Scenario<T, D> sendReply(ParticipantModel<?, R> model, String commandId, R reply) {
            if (!replyTopics.containsKey(model.replyTopic())) {
                throw new IllegalArgumentException("no step of saga " + definition.name() + " hears from " + model.name());
            }
            Headers headers = new RecordHeaders();
            headers.add(CommandHeaders.COMMAND_ID, commandId.getBytes(StandardCharsets.UTF_8));
            replyTopics.get(model.replyTopic()).pipeInput(new TestRecord<>(model.replyKey(commandId), model.encodeReply(reply), headers,
                    Instant.ofEpochMilli(now)));
            return this;
        }

        @Override
        public Scenario<T, D> advanceTime(Duration duration) {
            Objects.requireNonNull(duration, "duration");
            if (duration.isNegative()) {
                throw new IllegalArgumentException("time only moves forward: " + duration);
            }
            // the driver fires a wall-clock punctuator once per advance, however far it goes; stepping from
            // deadline to deadline fires each one at its time, as a real clock would, in as many steps as
            // there are deadlines
            long target = now + duration.toMillis();
            while (true) {
                long next = earliestDeadline();
                if (next == 0 || next > target) {
                    break;
                }
                advanceTo(Math.max(next, now + 1));
            }
            advanceTo(target);
            return this;
        }

        private void advanceTo(long time) {
            if (time > now) {
                driver.advanceWallClockTime(Duration.ofMillis(time - now));
                now = time;
            }
        }

        private long earliestDeadline() {
            KeyValueStore<Bytes, byte[]> deadlines = driver.getKeyValueStore(SagaTopology.DEADLINES_STORE);
            try (KeyValueIterator<Bytes, byte[]> it = deadlines.all()) {
                return it.hasNext() ? ByteBuffer.wrap(it.next().key.get()).getLong() : 0;
            }
        }

        @Override
        public Scenario<T, D> expectStatus(SagaStatus status) {
            SagaState<D> state = state();
            if (state.status() != status) {
                throw new AssertionError("expected saga " + definition.name() + " " + sagaId + " to be " + status + " but it is "
                        + state.status() + "; " + describe());
            }
            return this;
        }

        @Override
        public Scenario<T, D> expectState(Consumer<? super SagaState<D>> requirements) {
            Objects.requireNonNull(requirements, "requirements");
            requirements.accept(state());
            return this;
        }

        @Override
        public Scenario<T, D> expectTransitions(SagaTransition... expected) {
            assertThat(transitions()).as("the transitions of saga %s %s", definition.name(), sagaId).containsExactly(expected);
            return this;
        }

        @Override
        public SagaState<D> state() {
            KeyValueStore<String, byte[]> store = driver.getKeyValueStore(SagaTopology.SAGAS_STORE);
            byte[] bytes = store.get(sagaId);
            if (bytes == null) {
                throw new AssertionError("saga " + definition.name() + " " + sagaId + " does not exist; did the trigger start it?");
            }
            return SagaStates.decode(definition, bytes);
        }

        private List<SagaTransition> transitions() {
            while (!logTopic.isEmpty()) {
                TestRecord<String, byte[]> entry = logTopic.readRecord();
                transitions.add(SagaTransition.valueOf(
                        new String(entry.headers().lastHeader("myelin.saga.transition").value(), StandardCharsets.UTF_8)));
            }
            return transitions;
        }

        private String describe() {
            KeyValueStore<String, byte[]> store = driver.getKeyValueStore(SagaTopology.SAGAS_STORE);
            byte[] bytes = sagaId == null ? null : store.get(sagaId);
            String state = bytes == null ? "no such saga" : SagaStates.decode(definition, bytes).toString();
            return "saga state: " + state + ", transitions: " + transitions();
        }
    }
}
