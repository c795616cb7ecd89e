package dev.myelin.console.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;

import dev.myelin.eventstore.AggregateNotLocalException;
import dev.myelin.eventstore.AggregateState;
import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandDeadLetter;
import dev.myelin.eventstore.DeadLetterAction;
import dev.myelin.eventstore.DeadLetterStatus;
import dev.myelin.eventstore.CommandGateway;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.Health;
import dev.myelin.eventstore.RecordedEvent;
import dev.myelin.eventstore.SendOptions;
import dev.myelin.processors.DeadLetter;
import dev.myelin.processors.Projection;
import dev.myelin.processors.ProjectionLag;
import dev.myelin.processors.ProjectionState;
import dev.myelin.processors.RunningProjection;
import dev.myelin.processors.ViewChange;
import dev.myelin.processors.ViewEntry;
import dev.myelin.processors.ViewQuery;
import dev.myelin.processors.ViewSubscription;
import dev.myelin.sagas.Participant;
import dev.myelin.sagas.SagaDeadLetter;
import dev.myelin.sagas.SagaDefinition;
import dev.myelin.sagas.SagaRuntime;
import dev.myelin.sagas.SagaState;
import dev.myelin.sagas.SagaTopics;
import dev.myelin.schemas.EventMetadata;

/** An application's runtimes in memory: one event store, one projection, one saga, no broker. */
final class FakeRuntimes implements Runtimes {
    final Store store = new Store();
    final Totals totals = new Totals();
    final Saga saga = new Saga();
    final Map<String, List<ConsumerRecord<byte[], byte[]>>> topics = new TreeMap<>();

    @Override
    public String application() {
        return "counting";
    }

    @Override
    public List<EventStore<?, ?, ?>> eventStores() {
        return List.of(store);
    }

    /** Projections started by a rebuild, after {@link #totals}. */
    final List<RunningProjection<?, ?>> started = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Opened to let a started projection's {@code awaitCaughtUp} return. */
    final java.util.concurrent.CountDownLatch caughtUp = new java.util.concurrent.CountDownLatch(1);

    @Override
    public List<RunningProjection<?, ?>> projections() {
        List<RunningProjection<?, ?>> all = new ArrayList<>();
        all.add(totals);
        all.addAll(started);
        return all;
    }

    @Override
    @SuppressWarnings("unchecked")
    public RunningProjection<?, ?> startProjection(Projection<?, ?> projection) {
        Totals next = new Totals((Projection<String, Long>) projection, caughtUp);
        started.add(next);
        return next;
    }

    @Override
    public List<SagaRuntime<?, ?>> sagas() {
        return List.of(saga);
    }

    @Override
    public List<ConsumerRecord<byte[], byte[]>> readTopic(String topic, Duration timeout) {
        return topics.getOrDefault(topic, List.of());
    }

    static final class Store implements EventStore<Long, String, String> {
        final Map<String, List<RecordedEvent<String>>> histories = new TreeMap<>();
        Health health = Health.running();
        String notLocal = "";

        void add(String id, String event) {
            List<RecordedEvent<String>> history = histories.computeIfAbsent(id, k -> new ArrayList<>());
            int sequence = history.size() + 1;
            history.add(new RecordedEvent<>(new EventMetadata("e-" + id + "-" + sequence, "Added", id, sequence,
                    Instant.parse("2026-01-02T03:04:05Z"), "cmd-" + sequence, "corr-" + id, "cmd-" + sequence), event));
        }

        @Override
        public CommandGateway<String, String> gateway() {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<CommandResult<String>> append(String aggregateId, List<? extends String> events, SendOptions options) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<AggregateState<Long>> state(String aggregateId) {
            if (aggregateId.equals(notLocal)) {
                throw new AggregateNotLocalException(aggregateId, 1);
            }
            List<RecordedEvent<String>> history = histories.getOrDefault(aggregateId, List.of());
            return history.isEmpty() ? Optional.empty()
                    : Optional.of(new AggregateState<>(history.stream().mapToLong(e -> Long.parseLong(e.event().substring(6))).sum(),
                            history.size()));
        }

        @Override
        public List<RecordedEvent<String>> history(String aggregateId, long fromSequence) {
            return histories.getOrDefault(aggregateId, List.of()).stream().filter(e -> e.sequence() >= fromSequence).toList();
        }

        @Override
        public CompletableFuture<CommandResult<String>> forget(String aggregateId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Health health() {
            return health;
        }

        @Override
        public AggregateTopics topics() {
            return AggregateTopics.of("counting", "counter");
        }

        final List<CommandDeadLetter> commandDeadLetters = new ArrayList<>();

        @Override
        public List<CommandDeadLetter> deadLetters(Duration timeout) {
            return List.copyOf(commandDeadLetters);
        }

        @Override
        public int redrive(Predicate<? super CommandDeadLetter> which, String by, Duration timeout) {
            return act(DeadLetterStatus.REDRIVEN, which, by);
        }

        @Override
        public int skip(Predicate<? super CommandDeadLetter> which, String by, Duration timeout) {
            return act(DeadLetterStatus.SKIPPED, which, by);
        }

        private int act(DeadLetterStatus status, Predicate<? super CommandDeadLetter> which, String by) {
            return FakeRuntimes.act(commandDeadLetters, CommandDeadLetter::status, which, (l, action) -> new CommandDeadLetter(
                    l.aggregateId(), l.commandId(), l.commandType(), l.correlationId(), l.error(), l.origin(), l.position(), l.failedAt(),
                    l.value(), List.of(action)), new DeadLetterAction(status, by, ACTED_AT));
        }

        @Override
        public void close() {
        }
    }

    static final class Totals implements RunningProjection<String, Long> {
        final Map<String, Long> views = new TreeMap<>();
        final List<DeadLetter> deadLetters = new ArrayList<>();
        final List<DeadLetter> redriven = new ArrayList<>();
        private final Projection<String, Long> projection;
        private final java.util.concurrent.CountDownLatch caughtUp;

        Totals() {
            this(Projection.named("counter-totals")
                    .from("counting.counter.events", Serdes.String())
                    .initially(() -> 0L, Serdes.Long())
                    .on(String.class, (total, added, metadata) -> total + Long.parseLong(added.substring(6)))
                    .build(), new java.util.concurrent.CountDownLatch(0));
        }

        Totals(Projection<String, Long> projection, java.util.concurrent.CountDownLatch caughtUp) {
            this.projection = projection;
            this.caughtUp = caughtUp;
        }

        @Override
        public Projection<String, Long> projection() {
            return projection;
        }

        @Override
        public String applicationId() {
            return "counting.counter-totals.v" + projection.version();
        }

        @Override
        public ViewQuery<String, Long> query() {
            return new ViewQuery<>() {
                @Override
                public Optional<Long> get(String key) {
                    return Optional.ofNullable(views.get(key));
                }

                @Override
                public List<ViewEntry<String, Long>> range(String from, String to) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public List<ViewEntry<String, Long>> all() {
                    throw new UnsupportedOperationException();
                }

                @Override
                public long approximateCount() {
                    return views.size();
                }
            };
        }

        @Override
        public ProjectionState state() {
            return ProjectionState.RUNNING;
        }

        @Override
        public Optional<Throwable> failure() {
            return Optional.empty();
        }

        @Override
        public Health health() {
            return Health.degraded("rebalancing", Instant.parse("2026-01-02T03:04:05Z"));
        }

        @Override
        public void awaitRunning(Duration timeout) {
        }

        @Override
        public ProjectionLag lag() {
            return new ProjectionLag(Map.of(new TopicPartition("counting.counter.events", 0), 3L,
                    new TopicPartition("counting.counter.events", 1), 4L));
        }

        @Override
        public void awaitCaughtUp(Duration timeout, Duration progressInterval) {
            try {
                if (!caughtUp.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    throw new dev.myelin.processors.MyelinProjectionException("version " + projection.version() + " did not catch up");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public List<DeadLetter> deadLetters(Duration timeout) {
            return List.copyOf(deadLetters);
        }

        @Override
        public int redrive(Predicate<? super DeadLetter> which, Duration timeout) {
            List<DeadLetter> chosen = deadLetters.stream().filter(which::test).toList();
            redriven.addAll(chosen);
            return chosen.size();
        }

        @Override
        public int redrive(Predicate<? super DeadLetter> which, String by, Duration timeout) {
            return redrive(which, timeout);
        }

        @Override
        public int skip(Predicate<? super DeadLetter> which, String by, Duration timeout) {
            throw new UnsupportedOperationException();
        }

        @Override
        public ViewSubscription subscribe(Predicate<? super String> keys, int buffer,
                                          java.util.function.Consumer<? super ViewChange<String, Long>> listener) {
            throw new UnsupportedOperationException("the console's live views are tested on a real projection (ConsoleIT)");
        }

        @Override
        public void close() {
        }

        @Override
        public void destroy() {
        }
    }

    static final class Saga implements SagaRuntime<String, String> {
        static final Participant<String, CommandResult<String>> COUNTERS =
                Participant.aggregate(AggregateTopics.of("counting", "counter"), Serdes.String(), Serdes.String());
        final Map<String, SagaState<String>> states = new TreeMap<>();
        private final SagaDefinition<String, String> definition = SagaDefinition.named("double", String.class)
                .from("counting.counter.events", Serdes.String())
                .sagaId(e -> e)
                .data(Serdes.String(), e -> e)
                .step("add-again").invoke(COUNTERS, d -> d, d -> d).compensate(d -> "subtract")
                .step("confirm").invoke(COUNTERS, d -> d, d -> "confirm")
                .build();

        @Override
        public SagaDefinition<String, String> definition() {
            return definition;
        }

        @Override
        public Optional<SagaState<String>> state(String sagaId) {
            return Optional.ofNullable(states.get(sagaId));
        }

        @Override
        public Health health() {
            return Health.failed(new IllegalStateException("stream thread died"));
        }

        @Override
        public SagaTopics topics() {
            return SagaTopics.of("counting", "double");
        }

        final List<SagaDeadLetter> sagaDeadLetters = new ArrayList<>();

        @Override
        public List<SagaDeadLetter> deadLetters(Duration timeout) {
            return List.copyOf(sagaDeadLetters);
        }

        @Override
        public int redrive(Predicate<? super SagaDeadLetter> which, String by, Duration timeout) {
            return act(DeadLetterStatus.REDRIVEN, which, by);
        }

        @Override
        public int skip(Predicate<? super SagaDeadLetter> which, String by, Duration timeout) {
            return act(DeadLetterStatus.SKIPPED, which, by);
        }

        private int act(DeadLetterStatus status, Predicate<? super SagaDeadLetter> which, String by) {
            return FakeRuntimes.act(sagaDeadLetters, SagaDeadLetter::status, which, (l, action) -> new SagaDeadLetter(l.saga(), l.kind(),
                    l.key(), l.sagaId(), l.commandId(), l.reason(), l.error(), l.origin(), l.position(), l.failedAt(), l.value(),
                    List.of(action)), new DeadLetterAction(status, by, ACTED_AT));
        }

        @Override
        public void close() {
        }
    }

    /** When every fake action is recorded. */
    private static final Instant ACTED_AT = Instant.parse("2026-01-02T03:04:06Z");

    /** Records {@code action} on each pending letter {@code which} accepts, as a dead-letter topic does; returns how many. */
    private static <L> int act(List<L> letters, Function<L, DeadLetterStatus> status, Predicate<? super L> which,
                               BiFunction<L, DeadLetterAction, L> withAction, DeadLetterAction action) {
        int count = 0;
        for (int i = 0; i < letters.size(); i++) {
            L letter = letters.get(i);
            if (status.apply(letter) == DeadLetterStatus.PENDING && which.test(letter)) {
                letters.set(i, withAction.apply(letter, action));
                count++;
            }
        }
        return count;
    }
}
