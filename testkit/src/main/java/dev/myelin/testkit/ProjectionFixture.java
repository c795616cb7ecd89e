package dev.myelin.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.test.TestRecord;

import dev.myelin.processors.DeadLetter;
import dev.myelin.processors.Projection;
import dev.myelin.processors.ViewEntry;
import dev.myelin.schemas.EventMetadata;

/**
 * Tests a {@link Projection} without a broker: given events on its source topics, then this view for
 * a key, these published views, these dead letters. It runs the projection's real Kafka Streams
 * topology on a {@link TopologyTestDriver}, with its serdes (use an {@code InMemorySchemaRegistry} for
 * Avro ones), in milliseconds.
 *
 * <pre>{@code
 * ProjectionFixture.of(balances)
 *         .given("acc-1", new Deposited(10L), new Deposited(5L))
 *         .given("acc-2", new Deposited(7L))
 *         .givenUndecodable("acc-1", new byte[] {1, 2, 3})
 *         .given("acc-1", new Withdrawn(3L))
 *         .thenView("acc-1", new Balance(12L))
 *         .thenView("acc-2", view -> assertThat(view.getAmount()).isEqualTo(7L))
 *         .thenNoView("acc-3")
 *         .thenDeadLetters(letters -> assertThat(letters).singleElement()
 *                 .extracting(DeadLetter::reason).isEqualTo(DeadLetter.Reason.UNDECODABLE));
 * }</pre>
 *
 * <p>Each given event gets metadata as the event store would write it: the aggregate id given, the
 * next sequence of that aggregate (from 1), its class's simple name as type, and a timestamp one
 * second after the previous event's, from 2026-01-01T00:00:00Z. Events are projected at the first
 * {@code then} call; after that only {@code then} calls are offered. A projection with the fail-fast
 * policy that stops on a given event must be expected with {@link Then#thenStopped} first.
 */
public final class ProjectionFixture {

    private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

    private ProjectionFixture() {
    }

    /**
     * Starts a test of {@code projection}.
     *
     * @param projection the projection under test, made by {@code Projection.named(...)...build()}
     * @param <K>        the view key type
     * @param <V>        the view type
     * @return the given stage
     * @throws NullPointerException if {@code projection} is null
     */
    public static <K, V> Given<K, V> of(Projection<K, V> projection) {
        return new Run<>(Objects.requireNonNull(projection, "projection"));
    }

    /**
     * The first stage: the events on the source topics, in the order they arrive. It offers the
     * {@code then} calls too, to check a projection before or without events.
     *
     * @param <K> the view key type
     * @param <V> the view type
     */
    public interface Given<K, V> extends Then<K, V> {

        /**
         * Appends events of one aggregate to the projection's first source topic.
         *
         * @param aggregateId the aggregate the events belong to
         * @param events      the events, of the projection's event type
         * @return this stage
         * @throws NullPointerException     if an argument or event is null
         * @throws IllegalArgumentException if an event cannot be serialized by the projection's event serde
         */
        Given<K, V> given(String aggregateId, Object... events);

        /**
         * Appends events of one aggregate to one of the projection's source topics.
         *
         * @param topic       a source topic of the projection
         * @param aggregateId the aggregate the events belong to
         * @param events      the events
         * @return this stage
         * @throws NullPointerException     if an argument or event is null
         * @throws IllegalArgumentException if {@code topic} is not a source topic, or an event cannot be serialized
         */
        Given<K, V> givenOn(String topic, String aggregateId, Object... events);

        /**
         * Appends one event with exactly the metadata given, to the first source topic.
         *
         * @param metadata the event's metadata headers
         * @param event    the event
         * @return this stage
         * @throws NullPointerException     if an argument is null
         * @throws IllegalArgumentException if the event cannot be serialized
         */
        Given<K, V> givenEvent(EventMetadata metadata, Object event);

        /**
         * Appends a record of the aggregate whose value is {@code value} as it stands: corrupt bytes,
         * bytes of an unknown schema, and so on. It carries valid metadata headers.
         *
         * @param aggregateId the aggregate the record claims to belong to
         * @param value       the record's value bytes
         * @return this stage
         * @throws NullPointerException if an argument is null
         */
        Given<K, V> givenUndecodable(String aggregateId, byte[] value);
    }

    /**
     * The last stage: what the events should have led to. Every method returns this stage, so
     * expectations chain.
     *
     * @param <K> the view key type
     * @param <V> the view type
     */
    public interface Then<K, V> {

        /**
         * Verifies that the view of {@code key} {@link Object#equals equals} {@code expected}.
         *
         * @param key      the view key
         * @param expected the expected view
         * @return the then stage
         * @throws AssertionError if there is no view for {@code key} or it differs
         */
        Then<K, V> thenView(K key, V expected);

        /**
         * Verifies the view of {@code key} with assertions.
         *
         * @param key              the view key
         * @param viewRequirements assertions on the view; they fail by throwing
         * @return the then stage
         * @throws AssertionError if there is no view for {@code key} or it fails the requirements
         */
        Then<K, V> thenView(K key, Consumer<? super V> viewRequirements);

        /**
         * Verifies that no event made a view for {@code key}.
         *
         * @param key the view key
         * @return the then stage
         * @throws AssertionError if there is a view for {@code key}
         */
        Then<K, V> thenNoView(K key);

        /**
         * Verifies every view: exactly these keys with these values.
         *
         * @param expected the expected views by key
         * @return the then stage
         * @throws AssertionError if the views differ
         */
        Then<K, V> thenViews(Map<K, V> expected);

        /**
         * Verifies the views written to the publish topic, in order.
         *
         * @param expected the expected key and view of each published record
         * @return the then stage
         * @throws AssertionError if the projection publishes nothing or published other views
         */
        Then<K, V> thenPublished(List<ViewEntry<K, V>> expected);

        /**
         * Verifies that no event was dead-lettered.
         *
         * @return the then stage
         * @throws AssertionError if there are dead letters; the message lists them
         */
        Then<K, V> thenNoDeadLetters();

        /**
         * Verifies the dead letters with assertions.
         *
         * @param requirements assertions on the dead letters, oldest first
         * @return the then stage
         * @throws AssertionError if they fail the requirements
         */
        Then<K, V> thenDeadLetters(Consumer<? super List<DeadLetter>> requirements);

        /**
         * Verifies that the projection stopped on a given event (the fail-fast policy), with assertions on
         * the error. Must be the first {@code then} call when the projection stops; later calls check the
         * views as they were when it stopped.
         *
         * @param requirements assertions on the error that stopped it
         * @return the then stage
         * @throws AssertionError if the projection did not stop, or the error fails the requirements
         */
        Then<K, V> thenStopped(Consumer<? super Throwable> requirements);
    }

    /** One run of the fixture; the stage interfaces are views of it. */
    private static final class Run<K, V> implements Given<K, V> {
        private final Projection<K, V> definition;
        private final List<Input> inputs = new ArrayList<>();
        private final Map<String, Long> sequences = new HashMap<>();
        private Outcome<K, V> outcome;
        private boolean stopAcknowledged;

        Run(Projection<K, V> definition) {
            this.definition = definition;
        }

        private record Input(String topic, String key, byte[] value, Headers headers, String description) {
        }

        private record Outcome<K, V>(Map<K, V> views, List<ViewEntry<K, V>> published, List<DeadLetter> deadLetters,
                                     Throwable stop, String stoppedAt) {
        }

        @Override
        public Given<K, V> given(String aggregateId, Object... events) {
            return givenOn(definition.sourceTopics().get(0), aggregateId, events);
        }

        @Override
        public Given<K, V> givenOn(String topic, String aggregateId, Object... events) {
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(aggregateId, "aggregateId");
            Objects.requireNonNull(events, "events");
            requireNotRun();
            if (!definition.sourceTopics().contains(topic)) {
                throw new IllegalArgumentException(topic + " is not a source topic of projection " + definition.name()
                        + "; its source topics are " + definition.sourceTopics());
            }
            for (Object event : events) {
                Objects.requireNonNull(event, "event");
                add(topic, nextMetadata(aggregateId, event.getClass().getSimpleName()), serialize(topic, event),
                        event.toString());
            }
            return this;
        }

        @Override
        public Given<K, V> givenEvent(EventMetadata metadata, Object event) {
            Objects.requireNonNull(metadata, "metadata");
            Objects.requireNonNull(event, "event");
            requireNotRun();
            String topic = definition.sourceTopics().get(0);
            add(topic, metadata, serialize(topic, event), event.toString());
            return this;
        }

        @Override
        public Given<K, V> givenUndecodable(String aggregateId, byte[] value) {
            Objects.requireNonNull(aggregateId, "aggregateId");
            Objects.requireNonNull(value, "value");
            requireNotRun();
            add(definition.sourceTopics().get(0), nextMetadata(aggregateId, "Undecodable"), value.clone(),
                    "undecodable record of " + aggregateId);
            return this;
        }

        private void add(String topic, EventMetadata metadata, byte[] value, String description) {
            inputs.add(new Input(topic, metadata.aggregateId() + "@" + metadata.sequence(), value,
                    metadata.writeTo(new RecordHeaders()), description));
        }

        private EventMetadata nextMetadata(String aggregateId, String type) {
            long sequence = sequences.merge(aggregateId, 1L, Long::sum);
            String eventId = UUID.randomUUID().toString();
            return new EventMetadata(eventId, type, aggregateId, sequence, EPOCH.plusSeconds(inputs.size()),
                    "command-" + eventId, "correlation-" + aggregateId, "command-" + eventId);
        }

        @SuppressWarnings("unchecked")
        private byte[] serialize(String topic, Object event) {
            try {
                return ((Serializer<Object>) definition.eventSerde().serializer()).serialize(topic, event);
            } catch (ClassCastException e) {
                throw new IllegalArgumentException("projection " + definition.name() + "'s event serde cannot write "
                        + event.getClass().getName() + "; give events of the type its serde reads", e);
            }
        }

        private void requireNotRun() {
            if (outcome != null) {
                throw new IllegalStateException("the events were already projected at the first then call; "
                        + "give every event before the first then");
            }
        }

        // ---- then ----

        private Outcome<K, V> outcome(boolean stopExpected) {
            if (outcome == null) {
                outcome = project();
            }
            if (outcome.stop() != null && !stopExpected && !stopAcknowledged) {
                throw new AssertionError("projection " + definition.name() + " stopped at " + outcome.stoppedAt() + ": "
                        + outcome.stop() + "; expect that with thenStopped(...) first", outcome.stop());
            }
            return outcome;
        }

        private Outcome<K, V> project() {
            Path stateDir;
            try {
                stateDir = Files.createTempDirectory("myelin-projection-fixture");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "fixture." + definition.name() + ".v" + definition.version());
            props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
            Throwable stop = null;
            String stoppedAt = null;
            try (TopologyTestDriver driver = new TopologyTestDriver(definition.topology(), props, EPOCH)) {
                Map<String, TestInputTopic<String, byte[]>> topics = new HashMap<>();
                for (String topic : definition.sourceTopics()) {
                    topics.put(topic, driver.createInputTopic(topic, new org.apache.kafka.common.serialization.StringSerializer(),
                            new ByteArraySerializer(), EPOCH, Duration.ofSeconds(1)));
                }
                for (int i = 0; i < inputs.size() && stop == null; i++) {
                    Input input = inputs.get(i);
                    try {
                        topics.get(input.topic()).pipeInput(new TestRecord<>(input.key(), input.value(), input.headers()));
                    } catch (RuntimeException e) {
                        stop = rootProjectionError(e);
                        stoppedAt = "given event #" + (i + 1) + " (" + input.description() + ")";
                    }
                }
                Map<K, V> views = new LinkedHashMap<>();
                try (KeyValueIterator<K, V> all = driver.<K, V>getKeyValueStore(definition.viewStoreName()).all()) {
                    all.forEachRemaining(entry -> views.put(entry.key, entry.value));
                }
                List<ViewEntry<K, V>> published = definition.publishTopic()
                        .map(topic -> driver.createOutputTopic(topic, definition.keySerde().deserializer(),
                                definition.viewSerde().deserializer()).readKeyValuesToList().stream()
                                .map(kv -> new ViewEntry<>(kv.key, kv.value)).toList())
                        .orElse(List.of());
                List<DeadLetter> deadLetters = driver.createOutputTopic(definition.deadLetterTopic(),
                                new ByteArrayDeserializer(), new ByteArrayDeserializer()).readRecordsToList().stream()
                        .map(r -> DeadLetter.from(new ConsumerRecord<>(definition.deadLetterTopic(), 0, 0L, r.timestamp(),
                                TimestampType.CREATE_TIME, -1, -1, r.key(), r.value(), r.headers(), Optional.empty())))
                        .toList();
                return new Outcome<>(views, published, deadLetters, stop, stoppedAt);
            } finally {
                delete(stateDir);
            }
        }

        /** Returns the Myelin error inside Kafka Streams' wrapping, so assertions see what the projection threw. */
        private static Throwable rootProjectionError(Throwable error) {
            for (Throwable t = error; t != null; t = t.getCause()) {
                if (t.getClass().getName().startsWith("dev.myelin.")) {
                    return t;
                }
                if (t.getCause() == t) {
                    break;
                }
            }
            return error;
        }

        private static void delete(Path dir) {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a leftover temp directory is not worth failing a test for
            }
        }

        @Override
        public Then<K, V> thenView(K key, V expected) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(expected, "expected");
            V actual = requireView(key);
            if (!actual.equals(expected)) {
                throw new AssertionError("view of " + key + " in projection " + definition.name() + "\nexpected: " + expected
                        + "\n but was: " + actual);
            }
            return this;
        }

        @Override
        public Then<K, V> thenView(K key, Consumer<? super V> viewRequirements) {
            Objects.requireNonNull(viewRequirements, "viewRequirements");
            viewRequirements.accept(requireView(Objects.requireNonNull(key, "key")));
            return this;
        }

        private V requireView(K key) {
            V actual = outcome(false).views().get(key);
            if (actual == null) {
                throw new AssertionError("projection " + definition.name() + " has no view for " + key + "; its keys are "
                        + outcome.views().keySet() + deadLetterHint());
            }
            return actual;
        }

        @Override
        public Then<K, V> thenNoView(K key) {
            Objects.requireNonNull(key, "key");
            V actual = outcome(false).views().get(key);
            if (actual != null) {
                throw new AssertionError("projection " + definition.name() + " has a view for " + key + ": " + actual);
            }
            return this;
        }

        @Override
        public Then<K, V> thenViews(Map<K, V> expected) {
            Objects.requireNonNull(expected, "expected");
            Map<K, V> actual = outcome(false).views();
            if (!actual.equals(expected)) {
                throw new AssertionError("views of projection " + definition.name() + "\nexpected: " + expected
                        + "\n but was: " + actual + deadLetterHint());
            }
            return this;
        }

        @Override
        public Then<K, V> thenPublished(List<ViewEntry<K, V>> expected) {
            Objects.requireNonNull(expected, "expected");
            if (definition.publishTopic().isEmpty()) {
                throw new AssertionError("projection " + definition.name() + " publishes nothing; give it .publishTo(topic)");
            }
            List<ViewEntry<K, V>> actual = outcome(false).published();
            if (!actual.equals(expected)) {
                throw new AssertionError("published views of projection " + definition.name() + " on "
                        + definition.publishTopic().get() + "\nexpected: " + expected + "\n but was: " + actual);
            }
            return this;
        }

        @Override
        public Then<K, V> thenNoDeadLetters() {
            List<DeadLetter> letters = outcome(false).deadLetters();
            if (!letters.isEmpty()) {
                throw new AssertionError("projection " + definition.name() + " dead-lettered " + letters.size()
                        + " event(s): " + letters);
            }
            return this;
        }

        @Override
        public Then<K, V> thenDeadLetters(Consumer<? super List<DeadLetter>> requirements) {
            Objects.requireNonNull(requirements, "requirements");
            requirements.accept(outcome(false).deadLetters());
            return this;
        }

        @Override
        public Then<K, V> thenStopped(Consumer<? super Throwable> requirements) {
            Objects.requireNonNull(requirements, "requirements");
            Outcome<K, V> result = outcome(true);
            if (result.stop() == null) {
                throw new AssertionError("projection " + definition.name() + " did not stop; it processed every given event"
                        + deadLetterHint());
            }
            stopAcknowledged = true;
            requirements.accept(result.stop());
            return this;
        }

        private String deadLetterHint() {
            return outcome.deadLetters().isEmpty() ? "" : "; dead letters: " + outcome.deadLetters();
        }
    }
}
