/**
 * Projections: views folded from events, exactly once, with Kafka Streams.
 *
 * <p>A {@link dev.myelin.processors.Projection} names its source events topics, how its view is keyed,
 * its initial view and one {@link dev.myelin.processors.EventHandler} per event type.
 * {@link dev.myelin.processors.RunningProjection#start} runs it as its own Kafka Streams application
 * with {@code processing.guarantee=exactly_once_v2}: a view update, its published copy, any dead letter
 * and the input offset commit in one transaction, so after any crash every event counts once.
 *
 * <h2>A complete projection</h2>
 * <pre>{@code
 * // in an application (module application): bank.account.events carries Avro AccountOpened, Deposited, Withdrawn...
 * try (Myelin bank = Myelin.application("bank").bootstrapServers("kafka:9092").schemaRegistry(registryUrl)
 *         .property(ProjectionConfig.QUERY_ENDPOINT, "balances-1.internal:7070")   // lets get(key) reach other instances
 *         .property(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, 1)                   // any Streams property passes through
 *         .build()) {
 *     Projection<String, Balance> balances = Projection.named("account-balances")
 *             .from(bank.events(Account.TYPE))                          // keyed by aggregate id
 *             .initially(() -> new Balance(0L, 0), bank.avro(Balance.class))
 *             .on(Deposited.class, (b, e, m) -> new Balance(b.getAmount() + e.getAmount(), m.sequence()))
 *             .on(Withdrawn.class, (b, e, m) -> new Balance(b.getAmount() - e.getAmount(), m.sequence()))
 *             .publishTo("bank.account-balances")                       // optional compacted copy
 *             .build();
 *     RunningProjection<String, Balance> running = bank.projection(balances);   // application id bank.account-balances.v1
 *     Balance ada = running.awaitView("acc-1", b -> b.getAmount() > 0, Duration.ofSeconds(5));
 *     Optional<Balance> now = running.query().get("acc-1");                     // wherever acc-1 lives
 *     List<DeadLetter> poison = running.deadLetters(Duration.ofSeconds(5));
 *     ProjectionLag lag = running.lag();
 * }
 *
 * // or alone, with a configuration and serdes of its own
 * Projection<String, Balance> alone = Projection.named("account-balances")
 *         .from("bank.account.events", events)
 *         .initially(() -> new Balance(0L, 0), AvroSerdes.specific(Balance.class, registry))
 *         ...
 *         .build();
 * ProjectionConfig config = ProjectionConfig.builder()
 *         .bootstrapServers("kafka:9092")
 *         .application("bank")
 *         .property(StreamsConfig.STATE_DIR_CONFIG, "/var/lib/bank")
 *         .build();
 * try (RunningProjection<String, Balance> running = RunningProjection.start(alone, config)) {
 *     running.awaitRunning(Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * <h2>Keys other than the aggregate id</h2>
 * <pre>{@code
 * Projection<String, Totals> byCurrency = Projection.named("totals-by-currency")
 *         .from("bank.account.events", events)
 *         .keyedBy((event, metadata) -> currencyOf(event), Serdes.String())  // through a repartition topic
 *         .initially(Totals::zero, totalsSerde)
 *         .on(Deposited.class, Totals::add)
 *         .build();
 * }</pre>
 *
 * <h2>Poison events</h2>
 * An event that cannot be decoded (corrupt bytes, unknown schema, missing metadata headers), whose
 * handler still throws after its {@link dev.myelin.eventstore.RetryPolicy retries}, or whose view key
 * or view cannot be read, serialized or stored (a serde throws, a view larger than
 * {@code max.request.size}) is written to the projection's dead-letter topic ({@code <application>.<name>.dead-letters}
 * unless set; kept 30 days unless {@link dev.myelin.processors.ProjectionConfig#DEAD_LETTER_RETENTION_MS}
 * says otherwise) with its original key, value and headers plus {@code myelin.dead-letter.*} headers
 * (reason, error class, message, stack trace, source topic, partition and offset, projection, attempts,
 * time), and the projection goes on. {@link dev.myelin.processors.ErrorPolicy#FAIL_FAST} stops it
 * instead. Once the cause is fixed, {@link dev.myelin.processors.RunningProjection#redrive} feeds
 * chosen dead letters back in, and {@link dev.myelin.processors.RunningProjection#skip} sets them aside;
 * each action is recorded on the dead-letter topic with who did it and when, as an event store does for
 * its commands, so {@link dev.myelin.processors.DeadLetter#status()} and
 * {@link dev.myelin.processors.DeadLetter#actions()} outlive every process.
 *
 * <h2>Live views</h2>
 * {@link dev.myelin.processors.RunningProjection#subscribe(Object, java.util.function.Consumer)} (one key),
 * {@code subscribeAll} and {@code subscribe(keys, buffer, listener)} (a key predicate, such as a range)
 * push each committed change of a view to a listener as a {@link dev.myelin.processors.ViewChange}: read
 * from the view store's changelog with {@code read_committed}, so a change an aborted transaction wrote is
 * never delivered. Each subscription has a bounded buffer and its own thread; a slow listener loses the
 * oldest changes ({@link dev.myelin.processors.ViewChange#missedBefore()} says how many), never slowing the
 * projection. Close the {@link dev.myelin.processors.ViewSubscription} to unsubscribe.
 * <pre>{@code
 * try (ViewSubscription live = balances.subscribe("acc-1", change -> push(change.view()))) { ... }
 * }</pre>
 *
 * <h2>Faults that pass</h2>
 * An unavailable schema registry is not the event's fault. The projection waits for it, up to a few
 * seconds per event, then holds the event's partition: nothing after it is committed, it is read again
 * until the registry answers, and nothing is skipped or dead-lettered. The log names the held partition
 * at WARN once (and once a minute while it lasts), and {@link dev.myelin.processors.RunningProjection#health()}
 * reports it as {@link dev.myelin.eventstore.Health.Degraded}. A stream thread that dies anyway is
 * replaced; one record never shuts a projection down.
 *
 * <h2>Rebuilding</h2>
 * Each version is its own application. Start {@code version(2)} next to version 1: it replays from
 * offset zero into new stores while version 1 serves;
 * {@link dev.myelin.processors.SwitchableViewQuery#switchWhenCaughtUp} logs its progress and moves
 * readers to it at lag 0; {@code destroy()} then removes version 1's store, changelog and consumer
 * group.
 * <pre>{@code
 * SwitchableViewQuery<String, Balance> readers = SwitchableViewQuery.of(v1);
 * RunningProjection<String, Balance> v2 = RunningProjection.start(definition.version(2).build(), config);
 * readers.switchWhenCaughtUp(v2, Duration.ofHours(1), Duration.ofSeconds(30));
 * v1.destroy();
 * }</pre>
 *
 * <h2>Testing</h2>
 * {@code dev.myelin.testkit.ProjectionFixture} runs a projection on Kafka's TopologyTestDriver, with
 * no broker: {@code ProjectionFixture.of(balances).given("acc-1", new Deposited(10L)).thenView("acc-1", ...)}.
 *
 * <h2>Health and meters</h2>
 * A projection's {@code health()} is {@code CatchingUp} (live, not ready) until it has folded what
 * its sources held when first seen running. With {@link dev.myelin.processors.ProjectionConfig.Builder#meterRegistry}
 * it shows these meters, tagged {@code application} and {@code projection}, beside Kafka Streams' own
 * metrics:
 * <table>
 * <caption>Projection meters</caption>
 * <tr><th>Name</th><th>Type</th><th>What</th></tr>
 * <tr><td>{@code myelin.projection.events.folded}</td><td>counter</td><td>events folded into the view</td></tr>
 * <tr><td>{@code myelin.projection.dead.letters}</td><td>counter</td><td>events dead-lettered</td></tr>
 * <tr><td>{@code myelin.dead.letters}</td><td>counter</td><td>the same, tagged with the dead-letter {@code topic}, as every runtime counts them</td></tr>
 * <tr><td>{@code myelin.projection.lag}</td><td>gauge</td><td>records on the sources not folded yet (NaN when the cluster cannot tell)</td></tr>
 * <tr><td>{@code myelin.projection.lag.time}</td><td>gauge</td><td>seconds: while records wait, how old the newest event folded on this
 *     instance is; 0 when none wait (an event after a quiet spell shows the spell until folded, a commit interval or so)</td></tr>
 * <tr><td>{@code myelin.projection.rebuild.progress}</td><td>gauge</td><td>0 to 1: the share of the events left at start that are folded;
 *     1 once caught up</td></tr>
 * </table>
 *
 * <h2>Spans</h2>
 * With {@link dev.myelin.processors.ProjectionConfig.Builder#openTelemetry} each fold is a consumer
 * span {@code process <events topic>} ({@code messaging.system=kafka}, {@code messaging.destination.name},
 * {@code messaging.operation.type=process}), a child of the event's {@code traceparent}: the span that
 * appended the event. Events carry it on the topic, so the folds of a rebuilt version and of a
 * re-driven dead letter are children of that span too.
 */
package dev.myelin.processors;
