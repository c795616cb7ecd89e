package dev.myelin.processors;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Predicate;

import dev.myelin.eventstore.Health;
import dev.myelin.processors.internal.ProjectionEngine;

/**
 * A projection running as its own Kafka Streams application ({@code exactly_once_v2}, application id
 * {@code <application>.<name>.v<version>}). Several projections can run in one JVM; each is started and
 * closed on its own, so one can be rebuilt (started under a new version) while another serves.
 *
 * <pre>{@code
 * try (RunningProjection<String, Balance> balances = RunningProjection.start(projection, config)) {   // returns running
 *     Optional<Balance> ada = balances.query().get("acc-1");
 *     List<DeadLetter> poison = balances.deadLetters(Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * @param <K> the view key type
 * @param <V> the view type
 */
public interface RunningProjection<K, V> extends AutoCloseable {

    /**
     * Starts {@code projection}: checks that its source topics exist, creates its dead-letter,
     * re-drive and publish topics when missing, starts its Kafka Streams application and returns
     * once it runs (within 60 seconds), as {@code EventStore} and {@code SagaRuntime} do, or once it
     * holds a partition for a transient fault such as a schema registry outage (it resumes by itself;
     * {@link #health()} names the hold). The view
     * may still be catching up: {@link #awaitCaughtUp} and {@link #awaitView} wait for that.
     *
     * @param projection the projection
     * @param config     how to run it
     * @param <K>        the view key type
     * @param <V>        the view type
     * @return the running projection
     * @throws MyelinProjectionException if a source topic is missing, the cluster cannot be reached, or the
     *                                   projection does not run within 60 seconds (it is then closed)
     */
    static <K, V> RunningProjection<K, V> start(Projection<K, V> projection, ProjectionConfig config) {
        return ProjectionEngine.start(projection, Objects.requireNonNull(config, "config").settings());
    }

    /**
     * Returns the projection's definition.
     *
     * @return the projection
     */
    Projection<K, V> projection();

    /**
     * Returns the Kafka Streams application id, which is also its consumer group id.
     *
     * @return the application id
     */
    String applicationId();

    /**
     * Returns the view. With a query endpoint configured ({@link ProjectionConfig#QUERY_ENDPOINT}),
     * {@code get(key)} asks whichever instance owns the key; scans and counts read this instance's
     * local store only.
     *
     * @return the query
     */
    ViewQuery<K, V> query();

    /**
     * Waits until the view of {@code key} exists and satisfies {@code condition}, asking the view
     * every few milliseconds: how a test or a demo waits for an effect to show (views follow their
     * events by a commit interval or more). While the view is unavailable (the projection starts or
     * rebalances) it keeps asking.
     *
     * <pre>{@code
     * AccountBalance ada = balances.awaitView("acc-1", view -> view.getBalance() == 100L, Duration.ofSeconds(30));
     * }</pre>
     *
     * @param key       the view key
     * @param condition what the view must satisfy
     * @param timeout   how long to wait
     * @return the first view seen that satisfies {@code condition}
     * @throws MyelinProjectionException naming the key and the last view seen, if none satisfied it in time
     */
    default V awaitView(K key, Predicate<? super V> condition, Duration timeout) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(condition, "condition");
        long deadline = System.nanoTime() + timeout.toNanos();
        Optional<V> last = Optional.empty();
        RuntimeException lastFailure = null;
        long pause = 1;
        while (true) {
            try {
                last = query().get(key);
                lastFailure = null;
                if (last.isPresent() && condition.test(last.get())) {
                    return last.get();
                }
            } catch (ViewUnavailableException e) {
                lastFailure = e;
            }
            if (System.nanoTime() - deadline > 0) {
                MyelinProjectionException timedOut = new MyelinProjectionException("the view of " + key + " in "
                        + projection().name() + " did not satisfy the condition within " + timeout + "; last seen: "
                        + last.map(String::valueOf).orElse("no view") + (lastFailure == null ? "" : " (the view was unavailable)"));
                if (lastFailure != null) {
                    timedOut.addSuppressed(lastFailure);
                }
                throw timedOut;
            }
            // a short, growing pause between reads: views move by commit intervals of a few to a hundred ms
            LockSupport.parkNanos(Duration.ofMillis(pause).toNanos());
            pause = Math.min(pause * 2, 50);
        }
    }

    /**
     * Returns the state of the projection.
     *
     * @return the state
     */
    ProjectionState state();

    /**
     * Returns the error that stopped the projection, if one did.
     *
     * @return the error, or empty
     */
    Optional<Throwable> failure();

    /**
     * Returns how the projection is doing, for a health check: {@link Health.Running running};
     * {@link Health.CatchingUp catching up} (live, not ready) until it has folded every event its
     * sources held when it was first seen running (asked of the cluster at each call until then);
     * {@link Health.Degraded degraded} while a partition is held because the schema registry is
     * unavailable (the reason names the partition, the event and the cause; it resumes by itself), while
     * it starts or rebalances, or for a minute after a stream thread was replaced; {@link Health.Failed
     * failed} if it stopped without being closed, as the fail-fast policy stops it.
     *
     * <pre>{@code
     * if (balances.health() instanceof Health.Degraded d) {
     *     log.warn("balances degraded since {}: {}", d.since(), d.reason());
     * }
     * }</pre>
     *
     * @return the health
     */
    Health health();

    /**
     * Waits until the projection is {@link ProjectionState#RUNNING}: {@link #start} returns a running
     * projection, so this is for later, such as after a rebalance.
     *
     * @param timeout how long to wait
     * @throws MyelinProjectionException if it failed, stopped, or did not run within {@code timeout}
     */
    void awaitRunning(Duration timeout);

    /**
     * Returns how far the projection is behind its source topics.
     *
     * @return the lag per source partition
     * @throws MyelinProjectionException if the cluster cannot be asked
     */
    ProjectionLag lag();

    /**
     * Waits until the projection has processed (and committed) every event committed to its source
     * topics when the call began, and for a re-keyed projection the records those events became in
     * its repartition topic, logging how many are left and the events per second at
     * {@code progressInterval}: how a rebuild shows its progress, and how a caller knows when to
     * switch queries to a new version. Events that arrive during the wait are not waited for, so
     * the call returns on a topic that never stands still; {@link #lag()} is the live figure.
     *
     * @param timeout          how long to wait
     * @param progressInterval how often to log progress at INFO
     * @throws MyelinProjectionException if the projection failed or is still behind after {@code timeout}
     */
    void awaitCaughtUp(Duration timeout, Duration progressInterval);

    /**
     * Reads every dead letter this projection has written, oldest first, from the start of the
     * dead-letter topic to its current end.
     *
     * @param timeout how long to read for at most
     * @return the dead letters of this projection
     * @throws MyelinProjectionException if the topic cannot be read to its end within {@code timeout}
     */
    List<DeadLetter> deadLetters(Duration timeout);

    /**
     * Feeds dead letters back into the projection once their cause is fixed (a handler that now copes,
     * an upcaster for an unreadable schema): the original events of the dead letters {@code which}
     * accepts are written to the projection's re-drive topic {@code <application>.<name>.redrive} ({@code <name>.redrive} without an application), which it reads
     * besides its sources. A re-driven event is folded after the events that followed it on the events
     * topic. Every call re-drives every dead letter that matches, so choose them so that none is
     * re-driven twice, by {@link DeadLetter#failedAt()} or {@link DeadLetter#origin()}, or use
     * {@link #redrive(Predicate, String, Duration)}, which re-drives pending letters only. Each call is
     * recorded on the dead-letter topic as an action by {@code application}. Should a re-driven event
     * fail again, its new dead letter names the same origin.
     *
     * <pre>{@code
     * Instant fixedAt = ...; // when the fixed handler was deployed
     * running.redrive(letter -> letter.failedAt().isBefore(fixedAt), Duration.ofSeconds(30));
     * }</pre>
     *
     * @param which    chooses the dead letters to re-drive
     * @param timeout  how long to read the dead letters and write them back, at most
     * @return how many dead letters were re-driven
     * @throws MyelinProjectionException if the dead letters cannot be read or written back in time
     */
    int redrive(Predicate<? super DeadLetter> which, Duration timeout);

    /**
     * Feeds the {@link dev.myelin.eventstore.DeadLetterStatus#PENDING pending} dead letters {@code which}
     * accepts back into the projection, as {@link #redrive(Predicate, Duration)} does, and records a
     * {@code REDRIVE} action naming {@code by} on the dead-letter topic, both in one transaction: a letter
     * redriven is no longer pending, so a second call does not send it again, and who did what outlives
     * every process ({@link DeadLetter#actions()}). As an event store's
     * {@code EventStore.redrive} does for commands.
     *
     * <pre>{@code
     * balances.redrive(letter -> letter.errorMessage().contains("refunds"), "ops@example.com", Duration.ofSeconds(30));
     * }</pre>
     *
     * @param which   chooses among the pending dead letters
     * @param by      who redrives, for the audit
     * @param timeout how long to read the dead letters and write them back, at most
     * @return how many dead letters were re-driven
     * @throws IllegalArgumentException  if {@code by} is blank
     * @throws MyelinProjectionException if the dead letters cannot be read or written back in time
     */
    int redrive(Predicate<? super DeadLetter> which, String by, Duration timeout);

    /**
     * Records the {@link dev.myelin.eventstore.DeadLetterStatus#PENDING pending} dead letters {@code which}
     * accepts as needing nothing more: a {@code SKIP} action naming {@code by} on the dead-letter topic.
     *
     * @param which   chooses among the pending dead letters
     * @param by      who skips, for the audit
     * @param timeout how long to read the dead letters and record the action, at most
     * @return how many dead letters were skipped
     * @throws IllegalArgumentException  if {@code by} is blank
     * @throws MyelinProjectionException if the dead letters cannot be read or the action written in time
     */
    int skip(Predicate<? super DeadLetter> which, String by, Duration timeout);

    /**
     * Subscribes to the committed changes of the view of {@code key}: {@code listener} receives each
     * value the projection commits for the key from now on, on the subscription's own thread, with a
     * buffer of {@value ViewSubscription#DEFAULT_BUFFER} changes (see {@link ViewSubscription} for what
     * a slow listener loses). The changes of every instance of the projection are seen, not only this
     * one's.
     *
     * <pre>{@code
     * Optional<Balance> now = balances.query().get("acc-1");         // the value before
     * try (ViewSubscription live = balances.subscribe("acc-1", change -> push(change.view()))) {
     *     ...
     * }
     * }</pre>
     *
     * @param key      the view key
     * @param listener receives the changes
     * @return the subscription; close it to unsubscribe
     * @throws MyelinProjectionException if the projection is closed or its changelog cannot be read
     */
    default ViewSubscription subscribe(K key, Consumer<? super ViewChange<K, V>> listener) {
        Objects.requireNonNull(key, "key");
        return subscribe(key::equals, ViewSubscription.DEFAULT_BUFFER, listener);
    }

    /**
     * Subscribes to the committed changes of every key of the view; as {@link #subscribe(Object, Consumer)}.
     *
     * @param listener receives the changes
     * @return the subscription; close it to unsubscribe
     * @throws MyelinProjectionException if the projection is closed or its changelog cannot be read
     */
    default ViewSubscription subscribeAll(Consumer<? super ViewChange<K, V>> listener) {
        return subscribe(key -> true, ViewSubscription.DEFAULT_BUFFER, listener);
    }

    /**
     * Subscribes to the committed changes of the keys {@code keys} accepts, such as a key range
     * ({@code k -> k.compareTo("a") >= 0 && k.compareTo("n") < 0}), with a buffer of {@code buffer}
     * changes; as {@link #subscribe(Object, Consumer)}. {@code keys} runs on the subscriptions' reading
     * thread for every change of the view: keep it cheap.
     *
     * @param keys     chooses the keys
     * @param buffer   how many undelivered changes to hold before dropping the oldest, at least 1
     * @param listener receives the changes
     * @return the subscription; close it to unsubscribe
     * @throws IllegalArgumentException  if {@code buffer} is less than 1
     * @throws MyelinProjectionException if the projection is closed or its changelog cannot be read
     */
    ViewSubscription subscribe(Predicate<? super K> keys, int buffer, Consumer<? super ViewChange<K, V>> listener);

    /** Stops the projection, waiting up to the configured close timeout; its store stays on disk. */
    @Override
    void close();

    /**
     * Stops the projection and deletes its state for good: the local store, the changelog and
     * repartition topics and the consumer group of its application id. For the old version once a
     * rebuilt one serves; starting this version again replays from offset zero. The dead-letter and
     * publish topics are kept: other versions and other services may use them.
     *
     * @throws MyelinProjectionException if the topics or the group cannot be deleted
     */
    void destroy();
}
