package dev.myelin.processors;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.Topology;

import dev.myelin.eventstore.EventSource;

import dev.myelin.processors.internal.ProjectionBuilder;

/**
 * A projection: a view, keyed by what the view needs, that folds events from one or more events
 * topics. A projection is a definition (immutable, made once); {@link RunningProjection#start} runs
 * it as its own Kafka Streams application with exactly-once processing, and
 * {@code ProjectionFixture} in the test kit runs it without a broker.
 *
 * <pre>{@code
 * Serde<SpecificRecord> events = AvroSerdes.specific(AvroSerdeConfig.builder(registry).build());
 * Projection<String, Balance> balances = Projection.named("account-balances")
 *         .from("bank.account.events", events)
 *         .initially(() -> new Balance(0L), AvroSerdes.specific(Balance.class, registry))
 *         .on(Deposited.class, (balance, deposited, metadata) -> new Balance(balance.getAmount() + deposited.getAmount()))
 *         .on(Withdrawn.class, (balance, withdrawn, metadata) -> new Balance(balance.getAmount() - withdrawn.getAmount()))
 *         .publishTo("bank.account-balances")
 *         .build();
 * }</pre>
 *
 * <p>Views are keyed by aggregate id unless {@link Keying#keyedBy} says otherwise; then events are
 * routed through a repartition topic so each key's events meet in one place. Events with no handler
 * are skipped; tombstones (erased aggregates) are skipped too. An event that cannot be decoded, or
 * whose handler still throws after its {@link dev.myelin.eventstore.RetryPolicy retries}, goes to the dead-letter topic
 * ({@code <name>.dead-letters} unless set) and the projection goes on, unless its
 * {@link ErrorPolicy} is {@link ErrorPolicy#FAIL_FAST}. Besides its sources a projection reads
 * {@code <name>.redrive}, through which {@link RunningProjection#redrive} feeds dead letters back.
 *
 * @param <K> the view key type
 * @param <V> the view type
 */
public interface Projection<K, V> {

    /**
     * Starts the definition of a projection.
     *
     * @param name the projection's name: letters, digits, {@code .}, {@code _} and {@code -}, at most
     *             200 characters; it names the Kafka Streams application and the dead-letter topic
     * @return the stage that names the source topics
     * @throws NullPointerException     if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is not a legal name
     */
    static Source named(String name) {
        return ProjectionBuilder.named(name);
    }

    /**
     * Returns the projection's name.
     *
     * @return the name
     */
    String name();

    /**
     * Returns the projection's version; a new version is a separate application that rebuilds the
     * view from the start of the events topics.
     *
     * @return the version, 1 or more
     */
    int version();

    /**
     * Returns the events topics the projection reads.
     *
     * @return the topic names, in the order given
     */
    List<String> sourceTopics();

    /**
     * Returns the topic the projection writes its dead letters to: the one given to the builder, or
     * {@code <name>.dead-letters}; a running projection's definition ({@link RunningProjection#projection()})
     * started under an application ({@link ProjectionConfig#APPLICATION}) names
     * {@code <application>.<name>.dead-letters}, as its re-drive topic is {@code <application>.<name>.redrive},
     * so that two applications on one cluster share neither.
     *
     * @return the topic name
     */
    String deadLetterTopic();

    /**
     * Returns the compacted topic each new view value is published to, if any.
     *
     * @return the topic name, or empty
     */
    Optional<String> publishTopic();

    /**
     * Returns the serde of view keys.
     *
     * @return the key serde
     */
    Serde<K> keySerde();

    /**
     * Returns the serde of view values.
     *
     * @return the view serde
     */
    Serde<V> viewSerde();

    /**
     * Returns the serde the projection reads its source events with, for tests that write events.
     *
     * @return the serde given to {@code from(...)}
     */
    Serde<?> eventSerde();

    /**
     * Returns the Kafka Streams topology a {@link ProjectionRuntime} runs for this projection (with
     * the default record size limit), for a {@code TopologyTestDriver}: pipe events into its
     * {@link #sourceTopics()}, read views from the store named {@link #viewStoreName()} and dead
     * letters from {@link #deadLetterTopic()} with {@link DeadLetter#from}.
     *
     * <pre>{@code
     * try (TopologyTestDriver driver = new TopologyTestDriver(balances.topology(), props)) {
     *     // ... pipe events
     *     KeyValueStore<String, Balance> views = driver.getKeyValueStore(balances.viewStoreName());
     * }
     * }</pre>
     *
     * @return a new topology
     */
    Topology topology();

    /**
     * Returns the name of the store that holds the views in {@link #topology()}, keyed by view key.
     *
     * @return the store name
     */
    String viewStoreName();

    /**
     * The first stage: where the events come from.
     */
    interface Source {

        /**
         * Reads events from one topic.
         *
         * @param topic  the events topic, e.g. {@code bank.account.events}
         * @param events the serde of the topic's record values
         * @param <E>    the common type of the events
         * @return the keying stage
         * @throws NullPointerException     if an argument is null
         * @throws IllegalArgumentException if {@code topic} is not a legal topic name
         */
        <E> Keying<E> from(String topic, Serde<E> events);

        /**
         * Reads events from several topics with one serde.
         *
         * @param topics the events topics, at least one, no duplicates
         * @param events the serde of the topics' record values
         * @param <E>    the common type of the events
         * @return the keying stage
         * @throws NullPointerException     if an argument or topic is null
         * @throws IllegalArgumentException if {@code topics} is empty, holds a duplicate or an illegal name
         */
        <E> Keying<E> from(Collection<String> topics, Serde<E> events);

        /**
         * Reads events from one or more events sources, such as {@code bank.events(Account.TYPE)}
         * from a {@code Myelin} application. The sources must share one serde (as the event stores
         * of one application do), since one serde reads them all.
         *
         * @param first the first source
         * @param more  further sources, with the same serde as {@code first}
         * @param <E>   the common type of the events
         * @return the keying stage
         * @throws NullPointerException     if a source is null
         * @throws IllegalArgumentException if the sources' serdes differ, or a topic is named twice
         */
        default <E> Keying<E> from(EventSource<E> first, EventSource<?>... more) {
            Objects.requireNonNull(first, "first");
            List<String> topics = new ArrayList<>();
            topics.add(first.topic());
            for (EventSource<?> source : Objects.requireNonNull(more, "more")) {
                Objects.requireNonNull(source, "source");
                if (source.serde() != first.serde()) {
                    throw new IllegalArgumentException("events sources " + first.topic() + " and " + source.topic()
                            + " have different serdes; one serde reads every source of a projection");
                }
                topics.add(source.topic());
            }
            return from(topics, first.serde());
        }
    }

    /**
     * The stage that chooses the view key: by aggregate id (go straight to {@link #initially}) or by
     * {@link #keyedBy}.
     *
     * @param <E> the event type
     */
    interface Keying<E> {

        /**
         * Keys the view by a function of each event; events are re-keyed through a repartition topic.
         *
         * @param key      the key function, pure
         * @param keySerde the serde of the view keys
         * @param <K>      the key type
         * @return the initial-view stage
         * @throws NullPointerException if an argument is null
         */
        <K> Initial<K, E> keyedBy(KeyFunction<? super E, ? extends K> key, Serde<K> keySerde);

        /**
         * Keys the view by aggregate id and sets the view of a key no event has touched yet.
         *
         * @param initial   makes the initial view; called for each new key, never returns null
         * @param viewSerde the serde of view values
         * @param <V>       the view type
         * @return the handlers stage
         * @throws NullPointerException if an argument is null
         */
        <V> Handlers<String, E, V> initially(Supplier<? extends V> initial, Serde<V> viewSerde);
    }

    /**
     * The stage that sets the initial view of a re-keyed projection.
     *
     * @param <K> the key type
     * @param <E> the event type
     */
    interface Initial<K, E> {

        /**
         * Sets the view of a key no event has touched yet.
         *
         * @param initial   makes the initial view; called for each new key, never returns null
         * @param viewSerde the serde of view values
         * @param <V>       the view type
         * @return the handlers stage
         * @throws NullPointerException if an argument is null
         */
        <V> Handlers<K, E, V> initially(Supplier<? extends V> initial, Serde<V> viewSerde);
    }

    /**
     * The last stage: one handler per event type, then options, then {@link #build()}. The builder
     * stays usable after {@code build()}.
     *
     * @param <K> the key type
     * @param <E> the event type
     * @param <V> the view type
     */
    interface Handlers<K, E, V> {

        /**
         * Folds events of {@code type} (and its subtypes, when no handler names them) into the view.
         *
         * @param type    the event class
         * @param handler the fold
         * @param <T>     the event class
         * @return this stage
         * @throws NullPointerException  if an argument is null
         * @throws IllegalStateException if {@code type} already has a handler
         */
        <T extends E> Handlers<K, E, V> on(Class<T> type, EventHandler<V, ? super T> handler);

        /**
         * Folds events whose {@code myelin.event-type} header is {@code eventType} into the view: the way
         * to dispatch events read as {@code GenericRecord}, whose class says nothing of their type. A
         * handler by type name is chosen before a handler by class.
         *
         * <pre>{@code
         * .onType("Deposited", (balance, event, metadata) -> balance + (long) event.get("amount"))
         * }</pre>
         *
         * @param eventType the event type name, as the event store writes it
         * @param handler   the fold
         * @return this stage
         * @throws NullPointerException     if an argument is null
         * @throws IllegalArgumentException if {@code eventType} is blank
         * @throws IllegalStateException    if {@code eventType} already has a handler
         */
        Handlers<K, E, V> onType(String eventType, EventHandler<V, ? super E> handler);

        /**
         * Publishes each new view value to a compacted topic, keyed by view key.
         *
         * @param topic the topic; created compacted when missing
         * @return this stage
         * @throws NullPointerException     if {@code topic} is null
         * @throws IllegalArgumentException if {@code topic} is not a legal topic name
         * @throws IllegalStateException    if a publish topic was already set
         */
        Handlers<K, E, V> publishTo(String topic);

        /**
         * Sets the dead-letter topic; the default is {@code <name>.dead-letters}.
         *
         * @param topic the topic; created when missing
         * @return this stage
         * @throws NullPointerException     if {@code topic} is null
         * @throws IllegalArgumentException if {@code topic} is not a legal topic name
         * @throws IllegalStateException    if a dead-letter topic was already set
         */
        Handlers<K, E, V> deadLettersTo(String topic);

        /**
         * Sets the version (default 1). Starting a new version rebuilds the view from offset zero in
         * a new application while the old one keeps serving.
         *
         * @param version the version, 1 or more
         * @return this stage
         * @throws IllegalArgumentException if {@code version} is less than 1
         * @throws IllegalStateException    if the version was already set
         */
        Handlers<K, E, V> version(int version);

        /**
         * Sets what happens to an event that cannot be processed; the default is
         * {@link ErrorPolicy#DEAD_LETTER}.
         *
         * @param policy the policy
         * @return this stage
         * @throws NullPointerException  if {@code policy} is null
         * @throws IllegalStateException if the policy was already set
         */
        Handlers<K, E, V> onError(ErrorPolicy policy);

        /**
         * Sets how a throwing handler is retried; the default is 3 tries, waiting 10 ms then 20 ms
         * ({@code RetryPolicy.attempts(3).backoff(Duration.ofMillis(10), Duration.ofMillis(200))}).
         *
         * <pre>{@code
         * .retry(RetryPolicy.attempts(5).backoff(Duration.ofMillis(100), Duration.ofSeconds(2)))
         * }</pre>
         *
         * <p>A deterministic bug fails every try, so keep the total wait well below
         * {@code max.poll.interval.ms}.
         *
         * @param policy the policy
         * @return this stage
         * @throws NullPointerException  if {@code policy} is null
         * @throws IllegalStateException if the policy was already set
         */
        Handlers<K, E, V> retry(dev.myelin.eventstore.RetryPolicy policy);

        /**
         * Sets how a throwing handler is retried.
         *
         * @param policy the policy
         * @return this stage
         * @throws NullPointerException  if {@code policy} is null
         * @throws IllegalStateException if the policy was already set
         * @deprecated use {@link #retry(dev.myelin.eventstore.RetryPolicy)}, the one retry policy of sagas and projections:
         *             {@code RetryPolicy.of(n, initial, max)} is {@code RetryPolicy.attempts(n).backoff(initial, max)}
         */
        @Deprecated(forRemoval = false)
        @SuppressWarnings("deprecation")
        Handlers<K, E, V> retry(RetryPolicy policy);

        /**
         * Returns the projection.
         *
         * @return the projection
         * @throws IllegalStateException if no handler was given, or the publish or dead-letter topic is
         *                               also a source topic, or they are the same topic, or one of them is
         *                               the re-drive topic {@code <name>.redrive}
         */
        Projection<K, V> build();
    }
}
