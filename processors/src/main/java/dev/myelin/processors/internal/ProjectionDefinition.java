package dev.myelin.processors.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.Topology;

import dev.myelin.processors.ErrorPolicy;
import dev.myelin.processors.EventHandler;
import dev.myelin.processors.KeyFunction;
import dev.myelin.processors.Projection;
import dev.myelin.eventstore.RetryPolicy;
import dev.myelin.schemas.EventMetadata;

/**
 * The one implementation of {@link Projection}: an immutable definition that the topology, the
 * runtime and the test kit read through its accessors.
 *
 * @param <K> the key type
 * @param <E> the event type
 * @param <V> the view type
 */
public final class ProjectionDefinition<K, E, V> implements Projection<K, V> {

    /** Cached "no handler" answer, so unhandled types are looked up once. */
    private static final EventHandler<Object, Object> NONE = (v, e, m) -> v;

    private final String name;
    private final int version;
    private final List<String> sourceTopics;
    private final Serde<E> eventSerde;
    private final KeyFunction<? super E, ? extends K> keyFunction;
    private final boolean rekeyed;
    private final Serde<K> keySerde;
    private final Supplier<? extends V> initial;
    private final Serde<V> viewSerde;
    private final Map<Class<?>, EventHandler<V, Object>> handlers;
    private final Map<String, EventHandler<V, Object>> typeHandlers;
    private final String publishTopic;
    /** The dead-letter topic the builder was given, or null for the default one. */
    private final String deadLetterTopic;
    /** The application the projection runs in, which prefixes its own topics; empty when none was named. */
    private final String application;
    private final ErrorPolicy errorPolicy;
    private final RetryPolicy retryPolicy;
    private final Map<Class<?>, EventHandler<V, Object>> resolved = new ConcurrentHashMap<>();

    ProjectionDefinition(String name, int version, List<String> sourceTopics, Serde<E> eventSerde,
                         KeyFunction<? super E, ? extends K> keyFunction, boolean rekeyed, Serde<K> keySerde,
                         Supplier<? extends V> initial, Serde<V> viewSerde,
                         Map<Class<?>, EventHandler<V, Object>> handlers,
                         Map<String, EventHandler<V, Object>> typeHandlers, String publishTopic, String deadLetterTopic,
                         ErrorPolicy errorPolicy, RetryPolicy retryPolicy, String application) {
        this.name = name;
        this.version = version;
        this.sourceTopics = List.copyOf(sourceTopics);
        this.eventSerde = eventSerde;
        this.keyFunction = keyFunction;
        this.rekeyed = rekeyed;
        this.keySerde = keySerde;
        this.initial = initial;
        this.viewSerde = viewSerde;
        this.handlers = new LinkedHashMap<>(handlers);
        this.typeHandlers = Map.copyOf(typeHandlers);
        this.publishTopic = publishTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.errorPolicy = errorPolicy;
        this.retryPolicy = retryPolicy;
        this.application = application;
    }

    /**
     * Returns this definition as it runs in {@code application}: its default dead-letter topic and its
     * re-drive topic carry the application's name first, as every other topic of the application does,
     * so that two applications (or two runs of a demo) on one cluster do not share them. A dead-letter
     * topic the builder was given is kept as it is.
     *
     * @param application the application's name, or empty for none
     * @return the definition in that application
     */
    public ProjectionDefinition<K, E, V> inApplication(String application) {
        if (application.equals(this.application)) {
            return this;
        }
        return new ProjectionDefinition<>(name, version, sourceTopics, eventSerde, keyFunction, rekeyed, keySerde, initial,
                viewSerde, handlers, typeHandlers, publishTopic, deadLetterTopic, errorPolicy, retryPolicy, application);
    }

    /**
     * Returns this definition under another version: the same handlers and topics, and its own
     * application id and view store, so that starting it rebuilds the view from the start of the
     * sources beside the version running now (what a console's rebuild starts).
     *
     * @param version the version, 1 or more
     * @return the definition under that version
     * @throws IllegalArgumentException if {@code version} is less than 1
     */
    public ProjectionDefinition<K, E, V> withVersion(int version) {
        if (version < 1) {
            throw new IllegalArgumentException("version must be 1 or more: " + version);
        }
        return new ProjectionDefinition<>(name, version, sourceTopics, eventSerde, keyFunction, rekeyed, keySerde, initial,
                viewSerde, handlers, typeHandlers, publishTopic, deadLetterTopic, errorPolicy, retryPolicy, application);
    }

    /** Returns what the projection's own topics start with: {@code <application>.}, or nothing. */
    private String topicPrefix() {
        return application.isEmpty() ? "" : application + ".";
    }

    /**
     * Returns the definition behind a projection.
     *
     * @param projection a projection made by {@link Projection#named}
     * @param <K>        the key type
     * @param <V>        the view type
     * @return its definition
     * @throws IllegalArgumentException if {@code projection} was not made by {@code Projection.named}
     */
    public static <K, V> ProjectionDefinition<K, ?, V> of(Projection<K, V> projection) {
        Objects.requireNonNull(projection, "projection");
        if (projection instanceof ProjectionDefinition<K, ?, V> definition) {
            return definition;
        }
        throw new IllegalArgumentException("projections must be made with Projection.named(...)...build(), not "
                + projection.getClass().getName());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int version() {
        return version;
    }

    @Override
    public List<String> sourceTopics() {
        return sourceTopics;
    }

    @Override
    public String deadLetterTopic() {
        return deadLetterTopic != null ? deadLetterTopic : topicPrefix() + name + ".dead-letters";
    }

    @Override
    public Optional<String> publishTopic() {
        return Optional.ofNullable(publishTopic);
    }

    @Override
    public Serde<K> keySerde() {
        return keySerde;
    }

    @Override
    public Serde<V> viewSerde() {
        return viewSerde;
    }

    /** Returns the topic dead letters are re-driven through, which the projection reads besides its sources. */
    public String redriveTopic() {
        return topicPrefix() + name + ".redrive";
    }

    /** Returns every topic the projection reads: its sources and its re-drive topic. */
    public List<String> inputTopics() {
        List<String> topics = new java.util.ArrayList<>(sourceTopics);
        topics.add(redriveTopic());
        return List.copyOf(topics);
    }

    @Override
    public Serde<E> eventSerde() {
        return eventSerde;
    }

    /** Returns whether the view is keyed by other than aggregate id, so events go through a repartition topic. */
    public boolean rekeyed() {
        return rekeyed;
    }

    @Override
    public String viewStoreName() {
        return storeName();
    }

    @Override
    public Topology topology() {
        return ProjectionTopology.build(this);
    }

    /** Returns the name of the view store. */
    public String storeName() {
        return name + "-view";
    }

    /** Returns the Kafka Streams application id, given the application prefix (may be empty). */
    public String applicationId(String application) {
        return (application.isEmpty() ? "" : application + ".") + name + ".v" + version;
    }

    /** Returns the error policy. */
    public ErrorPolicy errorPolicy() {
        return errorPolicy;
    }

    /** Returns the retry policy. */
    public RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    /** Returns the view key of {@code event}. */
    K keyOf(E event, EventMetadata metadata) {
        K key = keyFunction.keyOf(event, metadata);
        if (key == null) {
            throw new NullPointerException("the key function of projection " + name + " returned null for "
                    + event.getClass().getName() + " (aggregate " + metadata.aggregateId() + "); return a key for every event");
        }
        return key;
    }

    /** Returns a fresh initial view. */
    V initialView() {
        V view = initial.get();
        if (view == null) {
            throw new NullPointerException("the initial view supplier of projection " + name + " returned null");
        }
        return view;
    }

    /**
     * Returns the handler for an event: the one registered for its type name, else the one for its
     * class, else the first registered for a supertype, in registration order.
     */
    Optional<EventHandler<V, Object>> handlerFor(Object event, EventMetadata metadata) {
        EventHandler<V, Object> byType = typeHandlers.get(metadata.eventType());
        return byType != null ? Optional.of(byType) : handlerFor(event.getClass());
    }

    @SuppressWarnings("unchecked")
    private Optional<EventHandler<V, Object>> handlerFor(Class<?> type) {
        EventHandler<V, Object> handler = resolved.computeIfAbsent(type, t -> {
            EventHandler<V, Object> exact = handlers.get(t);
            if (exact != null) {
                return exact;
            }
            for (Map.Entry<Class<?>, EventHandler<V, Object>> entry : handlers.entrySet()) {
                if (entry.getKey().isAssignableFrom(t)) {
                    return entry.getValue();
                }
            }
            return (EventHandler<V, Object>) (EventHandler<?, ?>) NONE;
        });
        return handler == NONE ? Optional.empty() : Optional.of(handler);
    }

    @Override
    public String toString() {
        return "Projection[" + name + " v" + version + " from " + sourceTopics + ", handles "
                + handlers.keySet().stream().map(Class::getSimpleName).toList()
                + (typeHandlers.isEmpty() ? "" : " and types " + typeHandlers.keySet()) + "]";
    }
}
