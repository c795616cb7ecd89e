package dev.myelin.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.sagas.Participant;
import dev.myelin.sagas.SagaCommandId;
import dev.myelin.sagas.SagaDefinition;
import dev.myelin.sagas.SagaHeaders;
import dev.myelin.sagas.SagaRuntime;
import dev.myelin.sagas.SagaState;
import dev.myelin.sagas.SagaStatus;
import dev.myelin.sagas.SagaStore;
import dev.myelin.sagas.SagaTopics;
import dev.myelin.sagas.SagaTransition;

/**
 * Tests a {@link SagaDefinition} without a broker: the saga's real topology runs in a
 * {@code TopologyTestDriver}, the test plays the participants, and wall-clock time moves only when
 * the test says, so timeouts and retries are tested in milliseconds.
 *
 * <pre>{@code
 * SagaFixture.of(placeOrder)
 *         .given(new OrderPlaced("o-1", "c-1", "sku-1", 2, 30L))
 *         .thenCommand(customers, "c-1", new ReserveCredit("o-1", 30L))
 *         .reply(customers, SagaFixture.accepted())
 *         .thenCommand(stock, "sku-1", new ReserveStock("o-1", 2))
 *         .advanceTime(Duration.ofSeconds(5))                       // no reply: the step times out
 *         .thenCommand(customers, "c-1", new ReleaseCredit("o-1"))
 *         .reply(customers, SagaFixture.accepted())
 *         .thenStatus(SagaStatus.COMPENSATED);
 * }</pre>
 *
 * <p>Steps of a parallel group are sent at once, so their commands are all there to check before
 * any is answered, and the test answers them in the order it wants:
 *
 * <pre>{@code
 * SagaFixture.of(placeOrderInParallel)
 *         .given(new OrderPlaced("o-1", "c-1", "sku-1", 2, 30L))
 *         .thenCommand(customers, "c-1", new ReserveCredit("o-1", 30L))
 *         .thenCommand(stock, "sku-1", new ReserveStock("o-1", 2))
 *         .thenInFlight("reserve-credit", "reserve-stock")
 *         .reply(stock, SagaFixture.rejected("only 1 left"))      // the saga waits for credit before undoing
 *         .thenNoCommand()
 *         .reply(customers, SagaFixture.accepted())
 *         .thenCommand(customers, "c-1", new ReleaseCredit("o-1"))
 *         .reply(customers, SagaFixture.accepted())
 *         .thenStatus(SagaStatus.COMPENSATED);
 * }</pre>
 *
 * <p>When two steps of a group send to one participant, {@link Scenario#replyTo} names the command
 * a reply answers; {@link Scenario#reply(Participant, Object)} then refuses to guess.
 *
 * <p>Commands are encoded and replies decoded by the participants' own serdes, and the saga's state
 * goes through its store, so a serde that cannot round-trip a value fails here, not in production.
 * Stores are in memory: a fixture holds nothing that needs closing. Finished sagas are kept for the
 * runtime's default retention (7 days of fixture time).
 *
 * <p>The fixture uses the sagas module's public API only ({@link SagaRuntime.Builder#inMemoryTopology()},
 * {@link SagaStore}, {@link SagaCommandId}), so a test that needs more than it offers can drive the
 * same topology itself.
 */
public final class SagaFixture {
    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
    /** The driver connects to nothing; a runtime's builder wants an application and servers all the same. */
    private static final MyelinConfig CONFIG = MyelinConfig.builder("fixture").bootstrapServers("fixture.invalid:9092").build();

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
        SagaRuntime.Builder<T, D> runtime = SagaRuntime.builder(definition, CONFIG)
                // the driver's clock moves only when the test says: look for passed deadlines at every move
                .deadlineCheckInterval(Duration.ofMillis(1));
        return trigger -> new Run<>(definition, runtime).start(trigger);
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
        <C> Scenario<T, D> thenCommand(Participant<C, ?> participant, String target, C command);

        /**
         * Publishes the trigger event again, as a redelivery would; a saga starts once, so this
         * should change nothing.
         *
         * @return this stage
         */
        Scenario<T, D> triggerAgain();

        /**
         * Verifies that the saga sent no command that was not yet checked with {@link #thenCommand}.
         *
         * @return this stage
         * @throws AssertionError if it did
         */
        Scenario<T, D> thenNoCommand();

        /**
         * Answers the command to {@code participant} that was checked with {@link #thenCommand} and
         * is still waiting for its reply, as the participant would (same topic, key and headers).
         * When none waits, it answers the last one checked again, as a duplicate would.
         *
         * @param participant the participant that answers
         * @param reply       its answer
         * @param <R>         the reply type
         * @return this stage
         * @throws IllegalStateException if no command to {@code participant} was checked yet, or if
         *                               several wait (steps of a parallel group that send to one
         *                               participant): then say which with {@link #replyTo}
         */
        <R> Scenario<T, D> reply(Participant<?, R> participant, R reply);

        /**
         * Answers {@code command}, checked before with {@link #thenCommand}, as {@code participant}
         * would: for steps of a parallel group that send to the same participant, where
         * {@link #reply(Participant, Object)} cannot tell them apart. The last checked command equal
         * to {@code command} is answered.
         *
         * @param participant the participant that answers
         * @param command     the command it answers (compared with {@code equals})
         * @param reply       its answer
         * @param <C>         the command type
         * @param <R>         the reply type
         * @return this stage
         * @throws IllegalStateException if no such command to {@code participant} was checked
         */
        <C, R> Scenario<T, D> replyTo(Participant<C, R> participant, C command, R reply);

        /**
         * Answers the last command checked with {@link #thenCommand} that step {@code step} sent (its
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
        Scenario<T, D> thenInFlight(String... steps);

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
        Scenario<T, D> thenStatus(SagaStatus status);

        /**
         * Verifies the saga's state with the caller's assertions.
         *
         * @param requirements assertions on the state
         * @return this stage
         */
        Scenario<T, D> thenState(Consumer<? super SagaState<D>> requirements);

        /**
         * Verifies the transitions the saga wrote to its log so far, from the start, in order.
         *
         * @param transitions the expected transitions
         * @return this stage
         * @throws AssertionError if the log holds other transitions
         */
        Scenario<T, D> thenTransitions(SagaTransition... transitions);

        /**
         * Verifies the next command; see {@link #thenCommand}.
         *
         * @param participant who should have received it
         * @param target      the expected record key
         * @param command     the expected command
         * @param <C>         the command type
         * @return this stage
         * @deprecated use {@link #thenCommand}, one verb family across the fixtures
         */
        @Deprecated(forRemoval = false)
        default <C> Scenario<T, D> expectCommand(Participant<C, ?> participant, String target, C command) {
            return thenCommand(participant, target, command);
        }

        /**
         * Verifies that no unchecked command was sent; see {@link #thenNoCommand}.
         *
         * @return this stage
         * @deprecated use {@link #thenNoCommand}, one verb family across the fixtures
         */
        @Deprecated(forRemoval = false)
        default Scenario<T, D> expectNoCommand() {
            return thenNoCommand();
        }

        /**
         * Verifies the steps in flight; see {@link #thenInFlight}.
         *
         * @param steps the step names
         * @return this stage
         * @deprecated use {@link #thenInFlight}, one verb family across the fixtures
         */
        @Deprecated(forRemoval = false)
        default Scenario<T, D> expectInFlight(String... steps) {
            return thenInFlight(steps);
        }

        /**
         * Verifies the saga's status; see {@link #thenStatus}.
         *
         * @param status the expected status
         * @return this stage
         * @deprecated use {@link #thenStatus}, one verb family across the fixtures
         */
        @Deprecated(forRemoval = false)
        default Scenario<T, D> expectStatus(SagaStatus status) {
            return thenStatus(status);
        }

        /**
         * Verifies the saga's state; see {@link #thenState}.
         *
         * @param requirements assertions on the state
         * @return this stage
         * @deprecated use {@link #thenState}, one verb family across the fixtures
         */
        @Deprecated(forRemoval = false)
        default Scenario<T, D> expectState(Consumer<? super SagaState<D>> requirements) {
            return thenState(requirements);
        }

        /**
         * Verifies the saga's transitions; see {@link #thenTransitions}.
         *
         * @param transitions the expected transitions
         * @return this stage
         * @deprecated use {@link #thenTransitions}, one verb family across the fixtures
         */
        @Deprecated(forRemoval = false)
        default Scenario<T, D> expectTransitions(SagaTransition... transitions) {
            return thenTransitions(transitions);
        }

        /**
         * Returns the saga's current state, for checks the other methods do not cover.
         *
         * @return the state
         * @throws AssertionError if the saga does not exist
         */
        SagaState<D> state();
    }

    /** A command the test checked: where it went, its id, the step that sent it, and the command. */
    private record Checked(String topic, String commandId, String step, Object command) {
    }

    /** One run of one saga. */
    private static final class Run<T, D> implements Scenario<T, D> {
        private final SagaDefinition<T, D> definition;
        private final TopologyTestDriver driver;
        private final Map<String, TestOutputTopic<String, byte[]>> commandTopics = new LinkedHashMap<>();
        private final Map<String, TestInputTopic<String, byte[]>> replyTopics = new HashMap<>();
        /** Every command checked with thenCommand, in order. */
        private final List<Checked> checked = new ArrayList<>();
        /** The last command checked per command topic: what a reply answers again when none waits. */
        private final Map<String, Checked> lastCommand = new HashMap<>();
        /** The last command checked per step name. */
        private final Map<String, Checked> lastCommandOfStep = new HashMap<>();
        /** Per step, its last checked command not yet answered (a step has one command in flight at a time). */
        private final Map<String, Checked> waiting = new LinkedHashMap<>();
        private final TestOutputTopic<String, byte[]> logTopic;
        private final List<SagaTransition> transitions = new ArrayList<>();
        private String sagaId;
        private T trigger;
        private long now = START.toEpochMilli();

        Run(SagaDefinition<T, D> definition, SagaRuntime.Builder<T, D> runtime) {
            this.definition = definition;
            SagaTopics topics = SagaTopics.of(CONFIG.application(), definition.name());
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "saga-fixture-" + UUID.randomUUID());
            props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            this.driver = new TopologyTestDriver(runtime.inMemoryTopology(), props, START);
            for (Participant<?, ?> p : definition.participants()) {
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
        public <C> Scenario<T, D> thenCommand(Participant<C, ?> participant, String target, C command) {
            Objects.requireNonNull(participant, "participant");
            TestOutputTopic<String, byte[]> topic = commandTopics.get(participant.commandTopic());
            if (topic == null) {
                throw new AssertionError("no step of saga " + definition.name() + " sends to " + participant.name());
            }
            if (topic.isEmpty()) {
                throw new AssertionError("expected the saga to send " + command + " to " + participant.name() + ", but it sent nothing there; "
                        + describe());
            }
            TestRecord<String, byte[]> record = topic.readRecord();
            C actual = participant.decodeCommand(record.headers(), record.value());
            assertThat(actual).as("the command saga %s sent to %s", definition.name(), participant.name()).isEqualTo(command);
            assertThat(record.key()).as("the target (record key) of %s", command).isEqualTo(target);
            String commandId = new String(record.headers().lastHeader(CommandHeaders.COMMAND_ID).value(), StandardCharsets.UTF_8);
            String step = SagaCommandId.parse(commandId).filter(id -> id.saga().equals(definition.name())).map(SagaCommandId::step)
                    .orElse("");
            Checked check = new Checked(participant.commandTopic(), commandId, step, actual);
            checked.add(check);
            lastCommand.put(check.topic(), check);
            lastCommandOfStep.put(step, check);
            waiting.put(step, check);
            return this;
        }

        @Override
        public Scenario<T, D> thenNoCommand() {
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
            Objects.requireNonNull(participant, "participant");
            List<String> inFlight = inFlight();
            List<Checked> candidates = waiting.values().stream()
                    .filter(c -> c.topic().equals(participant.commandTopic()) && inFlight.contains(c.step())).toList();
            if (candidates.size() > 1) {
                throw new IllegalStateException(candidates.size() + " commands to " + participant.name() + " wait for a reply ("
                        + String.join(", ", candidates.stream().map(c -> c.command() + " of step '" + c.step() + "'").toList())
                        + "); say which one this reply answers with replyTo(participant, command, reply)");
            }
            Checked command = candidates.isEmpty() ? lastCommand.get(participant.commandTopic()) : candidates.get(0);
            if (command == null) {
                throw new IllegalStateException("no command to " + participant.name() + " to reply to; check it first with thenCommand(...)");
            }
            return answer(participant, command, reply);
        }

        @Override
        public <C, R> Scenario<T, D> replyTo(Participant<C, R> participant, C command, R reply) {
            Objects.requireNonNull(participant, "participant");
            Objects.requireNonNull(command, "command");
            for (int i = checked.size() - 1; i >= 0; i--) {
                Checked c = checked.get(i);
                if (c.topic().equals(participant.commandTopic()) && command.equals(c.command())) {
                    return answer(participant, c, reply);
                }
            }
            throw new IllegalStateException("no command " + command + " to " + participant.name() + " was checked with thenCommand(...); "
                    + "checked there: " + checked.stream().filter(c -> c.topic().equals(participant.commandTopic())).map(Checked::command).toList());
        }

        @Override
        public <R> Scenario<T, D> reply(String step, Participant<?, R> participant, R reply) {
            Objects.requireNonNull(step, "step");
            Checked command = lastCommandOfStep.get(step);
            if (command == null) {
                throw new IllegalStateException("no command of step '" + step + "' to reply to; check it first with thenCommand(...)"
                        + (definition.stepNames().contains(step) ? "" : " (saga " + definition.name() + " has no such step; its steps are "
                        + definition.stepNames() + ")"));
            }
            return answer(Objects.requireNonNull(participant, "participant"), command, reply);
        }

        private <R> Scenario<T, D> answer(Participant<?, R> participant, Checked command, R reply) {
            waiting.remove(command.step(), command);
            return sendReply(participant, command.commandId(), reply);
        }

        private List<String> inFlight() {
            return stored().map(SagaState::inFlightSteps).orElse(List.of());
        }

        /** Returns the saga as its store holds it, or empty if there is none (yet, or any longer). */
        private Optional<SagaState<D>> stored() {
            return sagaId == null ? Optional.empty() : SagaStore.read(definition, driver.getKeyValueStore(SagaStore.NAME), sagaId);
        }

        @Override
        public Scenario<T, D> thenInFlight(String... steps) {
            assertThat(state().inFlightSteps()).as("the steps saga %s %s waits for; %s", definition.name(), sagaId,
                    describe()).containsExactly(steps);
            return this;
        }

        @Override
        public <R> Scenario<T, D> replyFor(Participant<?, R> participant, String sagaId, String step, R reply) {
            if (!definition.stepNames().contains(step)) {
                throw new IllegalArgumentException("saga " + definition.name() + " has no step '" + step + "'; its steps are "
                        + definition.stepNames());
            }
            return sendReply(Objects.requireNonNull(participant, "participant"), SagaCommandId.of(definition.name(), sagaId, step).value(),
                    reply);
        }

        private <R> Scenario<T, D> sendReply(Participant<?, R> participant, String commandId, R reply) {
            if (!replyTopics.containsKey(participant.replyTopic())) {
                throw new IllegalArgumentException("no step of saga " + definition.name() + " hears from " + participant.name());
            }
            Headers headers = new RecordHeaders();
            headers.add(CommandHeaders.COMMAND_ID, commandId.getBytes(StandardCharsets.UTF_8));
            replyTopics.get(participant.replyTopic()).pipeInput(new TestRecord<>(participant.replyKey(commandId), participant.encodeReply(reply), headers,
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
                Optional<Long> next = stored().flatMap(SagaState::nextDeadline).map(Instant::toEpochMilli);
                if (next.isEmpty() || next.get() > target) {
                    break;
                }
                advanceTo(Math.max(next.get(), now + 1));
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

        @Override
        public Scenario<T, D> thenStatus(SagaStatus status) {
            SagaState<D> state = state();
            if (state.status() != status) {
                throw new AssertionError("expected saga " + definition.name() + " " + sagaId + " to be " + status + " but it is "
                        + state.status() + "; " + describe());
            }
            return this;
        }

        @Override
        public Scenario<T, D> thenState(Consumer<? super SagaState<D>> requirements) {
            Objects.requireNonNull(requirements, "requirements");
            requirements.accept(state());
            return this;
        }

        @Override
        public Scenario<T, D> thenTransitions(SagaTransition... expected) {
            assertThat(transitions()).as("the transitions of saga %s %s", definition.name(), sagaId).containsExactly(expected);
            return this;
        }

        @Override
        public SagaState<D> state() {
            return stored().orElseThrow(() -> new AssertionError("saga " + definition.name() + " " + sagaId
                    + " does not exist; did the trigger start it?"));
        }

        private List<SagaTransition> transitions() {
            while (!logTopic.isEmpty()) {
                TestRecord<String, byte[]> entry = logTopic.readRecord();
                transitions.add(SagaTransition.valueOf(
                        new String(entry.headers().lastHeader(SagaHeaders.TRANSITION).value(), StandardCharsets.UTF_8)));
            }
            return transitions;
        }

        private String describe() {
            String state = stored().map(SagaState::toString).orElse("no such saga");
            return "saga state: " + state + ", transitions: " + transitions();
        }
    }
}
