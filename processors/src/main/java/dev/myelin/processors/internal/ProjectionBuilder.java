package dev.myelin.processors.internal;

import static dev.myelin.schemas.internal.BuilderChecks.requireUnset;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import dev.myelin.eventstore.RetryPolicy;
import dev.myelin.processors.ErrorPolicy;
import dev.myelin.processors.EventHandler;
import dev.myelin.processors.KeyFunction;
import dev.myelin.processors.Projection;

/** The stages of {@link Projection#named}. Each stage checks its arguments at once (STYLE §2). */
public final class ProjectionBuilder {
    /** Three tries, waiting 10 ms then 20 ms: for a lookup that timed out once, not for a bug. */
    static final RetryPolicy DEFAULT_RETRY = RetryPolicy.attempts(3).backoff(Duration.ofMillis(10), Duration.ofMillis(200));

    private ProjectionBuilder() {
    }

    /** Starts a definition; see {@link Projection#named}. */
    public static Projection.Source named(String name) {
        Names.requireName("projection name", name);
        return new Projection.Source() {
            @Override
            public <E> Projection.Keying<E> from(String topic, Serde<E> events) {
                Objects.requireNonNull(topic, "topic");
                return from(List.of(topic), events);
            }

            @Override
            public <E> Projection.Keying<E> from(Collection<String> topics, Serde<E> events) {
                Objects.requireNonNull(topics, "topics");
                Objects.requireNonNull(events, "events");
                if (topics.isEmpty()) {
                    throw new IllegalArgumentException("projection " + name + " needs at least one source topic");
                }
                Set<String> unique = new LinkedHashSet<>();
                for (String topic : topics) {
                    Names.requireName("source topic", topic);
                    if (!unique.add(topic)) {
                        throw new IllegalArgumentException("source topic " + topic + " is named twice in projection " + name);
                    }
                }
                return new Keying<>(name, List.copyOf(unique), events);
            }
        };
    }

    private record Keying<E>(String name, List<String> topics, Serde<E> events) implements Projection.Keying<E> {

        @Override
        public <K> Projection.Initial<K, E> keyedBy(KeyFunction<? super E, ? extends K> key, Serde<K> keySerde) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(keySerde, "keySerde");
            return new Projection.Initial<>() {
                @Override
                public <V> Projection.Handlers<K, E, V> initially(Supplier<? extends V> initial, Serde<V> viewSerde) {
                    return new Handlers<>(Keying.this, key, true, keySerde, initial, viewSerde);
                }
            };
        }

        @Override
        public <V> Projection.Handlers<String, E, V> initially(Supplier<? extends V> initial, Serde<V> viewSerde) {
            // Events topics are partitioned by aggregate id, so this key needs no repartitioning.
            KeyFunction<E, String> byAggregate = (event, metadata) -> metadata.aggregateId();
            return new Handlers<>(this, byAggregate, false, Serdes.String(), initial, viewSerde);
        }
    }

    private static final class Handlers<K, E, V> implements Projection.Handlers<K, E, V> {
        private final Keying<E> source;
        private final KeyFunction<? super E, ? extends K> keyFunction;
        private final boolean rekeyed;
        private final Serde<K> keySerde;
        private final Supplier<? extends V> initial;
        private final Serde<V> viewSerde;
        private final Map<Class<?>, EventHandler<V, Object>> handlers = new LinkedHashMap<>();
        private final Map<String, EventHandler<V, Object>> typeHandlers = new LinkedHashMap<>();
        private String publishTopic;
        private String deadLetterTopic;
        private int version;
        private ErrorPolicy errorPolicy;
        private RetryPolicy retryPolicy;

        Handlers(Keying<E> source, KeyFunction<? super E, ? extends K> keyFunction, boolean rekeyed, Serde<K> keySerde,
                 Supplier<? extends V> initial, Serde<V> viewSerde) {
            this.source = source;
            this.keyFunction = keyFunction;
            this.rekeyed = rekeyed;
            this.keySerde = keySerde;
            this.initial = Objects.requireNonNull(initial, "initial");
            this.viewSerde = Objects.requireNonNull(viewSerde, "viewSerde");
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T extends E> Projection.Handlers<K, E, V> on(Class<T> type, EventHandler<V, ? super T> handler) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(handler, "handler");
            if (handlers.containsKey(type)) {
                throw new IllegalStateException("projection " + source.name() + " already has a handler for "
                        + type.getName() + "; fold all its cases into one handler");
            }
            // Dispatch is by the event's class, so the handler only ever sees events of type T.
            handlers.put(type, (EventHandler<V, Object>) (EventHandler<V, ?>) handler);
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public Projection.Handlers<K, E, V> onType(String eventType, EventHandler<V, ? super E> handler) {
            Objects.requireNonNull(eventType, "eventType");
            Objects.requireNonNull(handler, "handler");
            if (eventType.isBlank()) {
                throw new IllegalArgumentException("event type must not be blank");
            }
            if (typeHandlers.containsKey(eventType)) {
                throw new IllegalStateException("projection " + source.name() + " already has a handler for event type "
                        + eventType + "; fold all its cases into one handler");
            }
            typeHandlers.put(eventType, (EventHandler<V, Object>) (EventHandler<V, ?>) handler);
            return this;
        }

        @Override
        public Projection.Handlers<K, E, V> publishTo(String topic) {
            requireUnset(publishTopic, "publish topic");
            publishTopic = Names.requireName("publish topic", topic);
            return this;
        }

        @Override
        public Projection.Handlers<K, E, V> deadLettersTo(String topic) {
            requireUnset(deadLetterTopic, "dead-letter topic");
            deadLetterTopic = Names.requireName("dead-letter topic", topic);
            return this;
        }

        @Override
        public Projection.Handlers<K, E, V> version(int version) {
            requireUnset(this.version == 0 ? null : this.version, "version");
            if (version < 1) {
                throw new IllegalArgumentException("version must be 1 or more: " + version);
            }
            this.version = version;
            return this;
        }

        @Override
        public Projection.Handlers<K, E, V> onError(ErrorPolicy policy) {
            requireUnset(errorPolicy, "error policy");
            errorPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        @Override
        public Projection.Handlers<K, E, V> retry(RetryPolicy policy) {
            requireUnset(retryPolicy, "retry policy");
            retryPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        @Override
        @SuppressWarnings("deprecation")
        public Projection.Handlers<K, E, V> retry(dev.myelin.processors.RetryPolicy policy) {
            Objects.requireNonNull(policy, "policy");
            return retry(new RetryPolicy(policy.maxAttempts(), policy.initialBackoff(), policy.maxBackoff()));
        }

        @Override
        public Projection<K, V> build() {
            String name = source.name();
            if (handlers.isEmpty() && typeHandlers.isEmpty()) {
                throw new IllegalStateException("projection " + name
                        + " has no handlers; add one per event type with .on(EventType.class, (view, event, metadata) -> ...)"
                        + " or .onType(\"EventType\", ...)");
            }
            String dlq = deadLetterTopic == null ? name + ".dead-letters" : deadLetterTopic;
            List<String> outputs = new ArrayList<>();
            outputs.add(dlq);
            if (publishTopic != null) {
                outputs.add(publishTopic);
            }
            for (String output : outputs) {
                if (source.topics().contains(output)) {
                    throw new IllegalStateException("projection " + name + " would write to its own source topic "
                            + output + "; choose another publish or dead-letter topic");
                }
            }
            String redrive = name + ".redrive";
            if (source.topics().contains(redrive) || redrive.equals(dlq) || redrive.equals(publishTopic)) {
                throw new IllegalStateException("topic " + redrive + " is projection " + name
                        + "'s re-drive topic; do not use it as a source, publish or dead-letter topic");
            }
            if (dlq.equals(publishTopic)) {
                throw new IllegalStateException("projection " + name + " publishes views and dead letters to the same topic "
                        + dlq + "; give them separate topics");
            }
            return new ProjectionDefinition<>(name, version == 0 ? 1 : version, source.topics(), source.events(),
                    keyFunction, rekeyed, keySerde, initial, viewSerde, handlers, typeHandlers, publishTopic, deadLetterTopic,
                    errorPolicy == null ? ErrorPolicy.DEAD_LETTER : errorPolicy,
                    retryPolicy == null ? DEFAULT_RETRY : retryPolicy, "");
        }
    }
}
