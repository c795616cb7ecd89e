package dev.myelin.sagas;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

import dev.myelin.eventstore.EventSource;

import dev.myelin.sagas.internal.DefinitionBuilder;

/**
 * A saga: the event that starts it, how its id and typed data come from that event, and its steps
 * in order. Each call returns a stage that offers only the legal next calls, so a definition reads
 * as the business story and an incomplete one does not compile.
 *
 * <pre>{@code
 * SagaDefinition<OrderPlaced, PlaceOrderData> placeOrder = SagaDefinition.named("place-order", OrderPlaced.class)
 *         .from("shop.order.events", avro)
 *         .sagaId(OrderPlaced::getOrderId)
 *         .data(PlaceOrderData.class, e -> new PlaceOrderData(e.getOrderId(), e.getCustomerId(), e.getSku(), e.getQuantity(), e.getTotal()))
 *         .step("reserve-credit")
 *             .invoke(customers, PlaceOrderData::getCustomerId, d -> new ReserveCredit(d.getOrderId(), d.getTotal()))
 *             .compensate(d -> new ReleaseCredit(d.getOrderId()))
 *         .step("reserve-stock")
 *             .invoke(stock, PlaceOrderData::getSku, d -> new ReserveStock(d.getOrderId(), d.getQuantity()))
 *             .compensate(d -> new ReleaseStock(d.getOrderId()))
 *             .timeout(Duration.ofSeconds(5))
 *             .retry(RetryPolicy.attempts(3).backoff(Duration.ofMillis(200)))   // dev.myelin.eventstore.RetryPolicy
 *         .step("approve")
 *             .invoke(orders, PlaceOrderData::getOrderId, d -> new ApproveOrder(d.getOrderId()))
 *         .build();
 * }</pre>
 *
 * <p>If a step fails (its participant answers with a failure, or it times out after its last
 * attempt), the compensations of the steps that succeeded run in reverse order; steps without a
 * compensation (read-only or pivot steps) are skipped. A step that timed out counts as one that may
 * have succeeded: its command may be queued at the participant and run later, so its own
 * compensation runs first, then the others'. The last step can have a compensation only if it has
 * a timeout: nothing after it can fail, so a timeout is the one way its compensation runs.
 *
 * <p>Steps that do not depend on each other can run at the same time with
 * {@link StepsStage#inParallel inParallel(...)}, and a saga can be given a time limit with
 * {@link FirstStepStage#completeWithin completeWithin(...)}. Definitions are immutable and
 * thread-safe as long as the functions they hold are pure.
 *
 * @param <T> the trigger event type
 * @param <D> the saga data type
 */
public interface SagaDefinition<T, D> {

    /**
     * Starts a definition. The name is part of topic names and of the Kafka Streams application id
     * ({@code <application>.saga.<name>.log}), so it is lower-case letters, digits and dashes.
     *
     * @param name        the saga's name, such as {@code place-order}
     * @param triggerType the class of the event that starts a saga; other events on the trigger topic are skipped
     * @param <T>         the trigger event type
     * @return the stage that takes the trigger topic
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code name} is not lower-case letters, digits and dashes
     */
    static <T> SourceStage<T> named(String name, Class<T> triggerType) {
        return DefinitionBuilder.start(name, triggerType);
    }

    /**
     * Returns the saga's name.
     *
     * @return the name
     */
    String name();

    /**
     * Returns the class of the event that starts a saga.
     *
     * @return the trigger type
     */
    Class<T> triggerType();

    /**
     * Returns the topic trigger events are read from.
     *
     * @return the topic
     */
    String triggerTopic();

    /**
     * Returns how trigger events are read from {@link #triggerTopic()}, for tests that publish them.
     *
     * @return the serde given to {@code from(...)}
     */
    Serde<? super T> triggerSerde();

    /**
     * Returns the id of the saga {@code trigger} starts.
     *
     * @param trigger a trigger event
     * @return the saga id
     * @throws NullPointerException     if {@code trigger} is null
     * @throws IllegalArgumentException if the definition's {@code sagaId} function returns null or a blank id
     */
    String sagaId(T trigger);

    /**
     * Returns the participants the steps send to, each once, in the order the steps first name them.
     *
     * @return the participants; immutable
     */
    List<Participant<?, ?>> participants();

    /**
     * Returns the names of the steps, in order.
     *
     * @return the step names; immutable
     */
    List<String> stepNames();

    /**
     * Renders the saga as a Mermaid state diagram: the steps in order with their participants, a
     * parallel group as a fork and a join, the success path to {@code COMPLETED}, and the
     * compensation path from each step's failure through the compensations of the earlier steps to
     * {@code COMPENSATED} (or {@code FAILED}, when a compensation fails). Compensations are drawn as
     * {@code undo} states. In a parallel group, a step's compensation runs only if the step
     * succeeded or timed out; the diagram draws the group's undo path once, from its last step back.
     *
     * @return the diagram's source, starting with {@code stateDiagram-v2}
     */
    String toMermaid();

    /**
     * The stage that takes the trigger topic.
     *
     * @param <T> the trigger event type
     */
    interface SourceStage<T> {
        /**
         * Sets where trigger events come from and how they are read. The topic may hold other event
         * types too (such as an aggregate's events topic); only instances of the trigger type start sagas.
         *
         * @param topic the topic
         * @param serde its value serde
         * @return the stage that takes the saga id
         * @throws NullPointerException     if an argument is null
         * @throws IllegalArgumentException if {@code topic} is blank
         */
        IdStage<T> from(String topic, Serde<? super T> serde);

        /**
         * Sets where trigger events come from: an events source such as {@code shop.events(Order.TYPE)}
         * from a {@code Myelin} application. The source may hold other event types too; only
         * instances of the trigger type start sagas.
         *
         * @param source the events topic and its serde
         * @return the stage that takes the saga id
         * @throws NullPointerException if {@code source} is null
         */
        default IdStage<T> from(EventSource<? super T> source) {
            Objects.requireNonNull(source, "source");
            return from(source.topic(), source.serde());
        }
    }

    /**
     * The stage that takes the saga id.
     *
     * @param <T> the trigger event type
     */
    interface IdStage<T> {
        /**
         * Sets how a trigger event names its saga. A second trigger with the same saga id is ignored,
         * so re-delivered events start nothing twice.
         *
         * @param sagaId the function; must not return null or a blank id
         * @return the stage that takes the saga data
         * @throws NullPointerException if {@code sagaId} is null
         */
        DataStage<T> sagaId(Function<? super T, String> sagaId);
    }

    /**
     * The stage that takes the saga data.
     *
     * @param <T> the trigger event type
     */
    interface DataStage<T> {
        /**
         * Sets the saga's data, made from the trigger and stored with the saga, and its serde.
         *
         * @param serde how the data is stored
         * @param init  makes the data from the trigger event
         * @param <D>   the data type
         * @return the stage that takes the saga's time limit or its first step
         * @throws NullPointerException if an argument is null
         */
        <D> FirstStepStage<T, D> data(Serde<D> serde, Function<? super T, ? extends D> init);

        /**
         * Sets the saga's data, a generated Avro record stored in Avro's single-object encoding (no
         * schema registry call on the saga's path).
         *
         * @param type the generated Avro class
         * @param init makes the data from the trigger event
         * @param <D>  the data type
         * @return the stage that takes the saga's time limit or its first step
         * @throws NullPointerException if an argument is null
         */
        <D extends SpecificRecord> FirstStepStage<T, D> data(Class<D> type, Function<? super T, ? extends D> init);
    }

    /**
     * The stage after the saga data: the saga's overall time limit, or its first step.
     *
     * @param <T> the trigger event type
     * @param <D> the saga data type
     */
    interface FirstStepStage<T, D> extends StepsStage<T, D> {
        /**
         * Gives the whole saga a time limit: if it has not completed {@code limit} after its trigger
         * arrived, it stops going forward and is undone. The steps in flight at that moment count as
         * steps that timed out (their commands may still run, so they are compensated, and each
         * compensation carries the original's id in {@link SagaHeaders#COMPENSATES}), then the steps
         * that completed are compensated, last first. The saga log says why: a {@code TIMED_OUT} entry
         * and a {@code COMPENSATING} entry naming the limit. A saga that is already compensating is not
         * stopped by its limit: undoing always runs to its end.
         *
         * <p>The limit is measured by the wall clock from the start, including time the runtime was
         * down: it is a business deadline. Like a step's deadline, though, a limit that passed while no
         * instance ran the saga's task does not fire at the restart: the saga gets the longest timeout
         * of its steps (or, if no step has one, the whole limit again) from the restart, so replies that
         * arrived meanwhile are read first. A saga keeps the limit it started with.
         *
         * @param limit the time from the trigger to completion
         * @return the stage that takes the first step
         * @throws NullPointerException     if {@code limit} is null
         * @throws IllegalArgumentException if {@code limit} is not positive
         */
        StepsStage<T, D> completeWithin(Duration limit);
    }

    /**
     * The stage that takes the next step, or the next group of steps that run at the same time.
     *
     * @param <T> the trigger event type
     * @param <D> the saga data type
     */
    interface StepsStage<T, D> {
        /**
         * Starts the next step.
         *
         * @param name the step's name, unique in this saga: lower-case letters, digits and dashes (it is
         *             part of the ids of the commands the step sends)
         * @return the stage that takes the step's command
         * @throws NullPointerException     if {@code name} is null
         * @throws IllegalArgumentException if {@code name} is not lower-case letters, digits and dashes
         */
        InvokeStage<T, D> step(String name);

        /**
         * Adds steps that run at the same time (a fork) and go on to the next stage when all of them
         * succeeded (a join):
         *
         * <pre>{@code
         * .inParallel(both -> both
         *         .step("reserve-credit")
         *             .invoke(customers, PlaceOrderData::getCustomerId, d -> new ReserveCredit(d.getOrderId(), d.getTotal()))
         *             .compensate(d -> new ReleaseCredit(d.getOrderId()))
         *         .step("reserve-stock")
         *             .invoke(stock, PlaceOrderData::getSku, d -> new ReserveStock(d.getOrderId(), d.getQuantity()))
         *             .compensate(d -> new ReleaseStock(d.getOrderId()))
         *             .timeout(Duration.ofSeconds(5)))
         * .step("approve")
         * }</pre>
         *
         * <p>The saga sends every step's command at once. Each step keeps its own timeout, retries and
         * attempts, exactly as a step on its own would. Its {@code onSuccess} sees the data as the steps
         * that answered before it left it, so steps of one group should update different parts of the data.
         *
         * <p>When one of them fails (its participant says no, or it times out after its last attempt),
         * the saga is decided: it will be undone, and says so at once with a {@code COMPENSATING} log
         * entry. It sends no more retries, and waits for each step still in flight to answer or to reach
         * the deadline of the attempt it is on; then it compensates, last first, every step of the group
         * that succeeded or timed out (a step that timed out may still run late, so it is undone like a
         * timed-out step on its own, its compensation carrying the {@link SagaHeaders#COMPENSATES}
         * header), then the steps before the group. A step that succeeds after the decision is
         * compensated with the others; a step that answers no needs no undo. Waiting, rather than
         * undoing the steps in flight at once, means an undo never overtakes its original at a
         * participant that answers; the wait is bounded by the steps' timeouts (and by
         * {@link FirstStepStage#completeWithin}).
         *
         * @param steps adds the group's steps with {@code step(...)}, two or more, all while this call runs
         * @return the stage that takes the next step, the next group, or {@code build()}
         * @throws NullPointerException if {@code steps} is null
         */
        NextStage<T, D> inParallel(Consumer<? super ParallelSteps<D>> steps);
    }

    /**
     * The stage after a step or a group of steps: the next one, or {@code build()}.
     *
     * @param <T> the trigger event type
     * @param <D> the saga data type
     */
    interface NextStage<T, D> extends StepsStage<T, D> {
        /**
         * Checks the definition and returns it; the builder stays usable.
         *
         * @return the definition
         * @throws InvalidSagaDefinitionException if two steps share a name, the last step has a
         *                                        compensation but no timeout, a step has no way to
         *                                        tell success from failure, a step retries without
         *                                        a timeout, a step mixes {@code onReply} with
         *                                        {@code successWhen}, {@code onSuccess} or
         *                                        {@code onEvent}, a step reads events with
         *                                        {@code onEvent} from a service, or a parallel group
         *                                        has fewer than two steps or a step without
         *                                        {@code invoke(...)}
         */
        SagaDefinition<T, D> build();
    }

    /**
     * The stage that takes a step's command.
     *
     * @param <T> the trigger event type
     * @param <D> the saga data type
     */
    interface InvokeStage<T, D> {
        /**
         * Sets what the step does: send {@code command} to {@code participant}, keyed by
         * {@code target} (for an aggregate, its id).
         *
         * @param participant who gets the command
         * @param target      the command record's key, from the saga data
         * @param command     the command, from the saga data
         * @param <C>         the participant's command type
         * @param <R>         the participant's reply type
         * @return the stage that takes the step's options, the next step, or {@code build()}
         * @throws NullPointerException     if an argument is null
         * @throws IllegalArgumentException if {@code participant} was not made by {@link Participant}
         */
        <C, R> StepStage<T, D, C, R> invoke(Participant<C, R> participant, Function<? super D, String> target,
                                            Function<? super D, ? extends C> command);
    }

    /**
     * The stage that takes a step's options, the next step, or finishes the definition. Each option
     * may be set once per step.
     *
     * @param <T> the trigger event type
     * @param <D> the saga data type
     * @param <C> the step's command type
     * @param <R> the step's reply type
     */
    interface StepStage<T, D, C, R> extends NextStage<T, D>, StepOptions<D, C, R, StepStage<T, D, C, R>> {
    }

    /**
     * The steps of a parallel group, as {@link StepsStage#inParallel} hands them to its argument.
     *
     * @param <D> the saga data type
     */
    interface ParallelSteps<D> {
        /**
         * Starts the group's next step.
         *
         * @param name the step's name, unique in this saga (across groups too): lower-case letters,
         *             digits and dashes
         * @return the stage that takes the step's command
         * @throws NullPointerException     if {@code name} is null
         * @throws IllegalArgumentException if {@code name} is not lower-case letters, digits and dashes
         * @throws IllegalStateException    if called after {@code inParallel(...)} returned
         */
        ParallelInvokeStage<D> step(String name);
    }

    /**
     * The stage that takes the command of a step in a parallel group.
     *
     * @param <D> the saga data type
     */
    interface ParallelInvokeStage<D> {
        /**
         * Sets what the step does; see {@link InvokeStage#invoke}.
         *
         * @param participant who gets the command
         * @param target      the command record's key, from the saga data
         * @param command     the command, from the saga data
         * @param <C>         the participant's command type
         * @param <R>         the participant's reply type
         * @return the stage that takes the step's options or the group's next step
         * @throws NullPointerException     if an argument is null
         * @throws IllegalArgumentException if {@code participant} was not made by {@link Participant}
         */
        <C, R> ParallelStepStage<D, C, R> invoke(Participant<C, R> participant, Function<? super D, String> target,
                                                 Function<? super D, ? extends C> command);
    }

    /**
     * The options of a step in a parallel group, or the group's next step.
     *
     * @param <D> the saga data type
     * @param <C> the step's command type
     * @param <R> the step's reply type
     */
    interface ParallelStepStage<D, C, R> extends ParallelSteps<D>, StepOptions<D, C, R, ParallelStepStage<D, C, R>> {
    }

    /**
     * A step's options, each of which may be set once per step.
     *
     * @param <D> the saga data type
     * @param <C> the step's command type
     * @param <R> the step's reply type
     * @param <S> the stage the options return
     */
    interface StepOptions<D, C, R, S> {
        /**
         * Sets which replies are a success; all others are failures. Required for
         * {@link Participant#service service} participants; for aggregates the default is
         * {@code Accepted}.
         *
         * @param success the test
         * @return this stage
         * @throws IllegalStateException if already set for this step
         */
        S successWhen(Predicate<? super R> success);

        /**
         * Sets how a successful reply updates the saga data (by default it leaves the data as it is).
         *
         * @param update the function from the data and the reply to the new data
         * @return this stage
         * @throws IllegalStateException if already set for this step
         */
        S onSuccess(BiFunction<? super D, ? super R, ? extends D> update);

        /**
         * Sets that a reply of type {@code replyType} is a success, and how it updates the saga data; any
         * reply of no type given this way is a failure. Give it once for each reply type that means
         * success. The handler gets the reply as its own type, so no code casts a reply:
         *
         * <pre>{@code
         * .step("charge")
         *     .invoke(payments, PlaceOrderData::getOrderId, d -> new Charge(d.getOrderId(), d.getTotal()))
         *     .onReply(Paid.class, (d, paid) -> d.withPaymentId(paid.getPaymentId()))   // Declined fails the step
         * }</pre>
         *
         * <p>It decides success and updates the data at once, so a step has either {@code onReply} or
         * {@link #successWhen}/{@link #onSuccess}. A reply that is an instance of several types given
         * is handled by the first of them. A failure's reason in the saga log is the reply itself.
         *
         * @param replyType a reply type that means success
         * @param update    the function from the data and the reply to the new data (return the data
         *                  unchanged when the reply changes nothing)
         * @param <X>       the reply type
         * @return this stage
         * @throws NullPointerException  if an argument is null
         * @throws IllegalStateException if {@code replyType} was already given for this step
         */
        <X extends R> S onReply(Class<X> replyType, BiFunction<? super D, ? super X, ? extends D> update);

        /**
         * Sets how an event of type {@code eventType} in an aggregate participant's {@code Accepted}
         * result updates the saga data: the step's participant accepted the command, and the events it
         * wrote tell the saga what it needs to know (a reservation's id, an assigned number). The
         * function runs once for each such event, in the order the aggregate wrote them; events of
         * types no {@code onEvent} names leave the data as it is.
         *
         * <pre>{@code
         * .step("reserve-credit")
         *     .invoke(customers, PlaceOrderData::getCustomerId, d -> new ReserveCredit(d.getOrderId(), d.getTotal()))
         *     .onEvent(CreditReserved.class, (d, reserved) -> d.withReservationId(reserved.getReservationId()))
         * }</pre>
         *
         * <p>Which results are a success stays the aggregate's default ({@code Accepted}) or what
         * {@link #successWhen} says. A step has either {@code onEvent} or {@link #onSuccess}.
         *
         * @param eventType an event type of the aggregate
         * @param update    the function from the data and the event to the new data
         * @param <X>       the event type
         * @return this stage
         * @throws NullPointerException  if an argument is null
         * @throws IllegalStateException if {@code eventType} was already given for this step
         */
        <X> S onEvent(Class<X> eventType, BiFunction<? super D, ? super X, ? extends D> update);

        /**
         * Sets the command that undoes this step, sent to the same participant and target when a
         * later step (or a step of its parallel group) fails, or when this step times out after its
         * last attempt. It must be safe to apply after the step's command succeeded, and also when
         * that command never ran: after a timeout the saga cannot know which (releasing a reservation
         * that does not exist should be a success that changes nothing).
         *
         * <p>After a timeout the original command may still be waiting at the participant and run
         * after its compensation. To let the participant refuse it then, every compensation record
         * carries the original's command id in the {@link SagaHeaders#COMPENSATES} header
         * ({@code myelin.compensates}); a Myelin aggregate counts that id as seen, so the late
         * original is answered as a duplicate instead of applied. A
         * {@link Participant#service service} must do the same itself, or accept that a late
         * original can land after its undo.
         *
         * @param compensation the compensating command, from the saga data
         * @return this stage
         * @throws IllegalStateException if already set for this step
         */
        S compensate(Function<? super D, ? extends C> compensation);

        /**
         * Sets how long the step (and its compensation) waits for a reply before it times out. By
         * default a step waits forever (the runtime warns about such steps when it starts).
         *
         * <p>The time counts from when the command was sent, by the wall clock of the runtime
         * instance that sent it. A deadline that passes while no instance runs the saga's task (the
         * runtime was down, or the task was moving between instances) does not fire at the restart:
         * the step gets one more full timeout from then, so replies that arrived meanwhile are read
         * first. When the timeout passes without a reply, the command is sent again (see
         * {@link #retry}); after the last attempt the step fails and is compensated.
         *
         * @param timeout the time limit
         * @return this stage
         * @throws IllegalStateException    if already set for this step
         * @throws IllegalArgumentException if {@code timeout} is not positive
         */
        S timeout(Duration timeout);

        /**
         * Sets how often the step's command (and its compensation) is sent when it times out, and
         * how long the step waits after a timeout before sending again: the same wait each time, or
         * a wait that doubles up to a maximum ({@code backoff(initial, max)}); default
         * {@link dev.myelin.eventstore.RetryPolicy#none()}. Every send carries the same command id.
         *
         * <pre>{@code
         * .timeout(Duration.ofSeconds(5))
         * .retry(RetryPolicy.attempts(3).backoff(Duration.ofMillis(200)))
         * }</pre>
         *
         * @param policy the policy
         * @return this stage
         * @throws NullPointerException  if {@code policy} is null
         * @throws IllegalStateException if already set for this step
         */
        S retry(dev.myelin.eventstore.RetryPolicy policy);

        /**
         * Sets how often the step's command (and its compensation) is sent when it times out.
         *
         * @param policy the policy
         * @return this stage
         * @throws IllegalStateException if already set for this step
         * @deprecated use {@link #retry(dev.myelin.eventstore.RetryPolicy)}, the one retry policy of sagas and
         *             projections, which reads the same: {@code RetryPolicy.attempts(3).backoff(Duration.ofMillis(200))}
         */
        @Deprecated(forRemoval = false)
        S retry(RetryPolicy policy);
    }
}
