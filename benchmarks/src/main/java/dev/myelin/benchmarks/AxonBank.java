package dev.myelin.benchmarks;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import org.axonframework.commandhandling.AsynchronousCommandBus;
import org.axonframework.commandhandling.CommandBus;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.commandhandling.SimpleCommandBus;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.commandhandling.gateway.DefaultCommandGateway;
import org.axonframework.common.Registration;
import org.axonframework.common.caching.Cache;
import org.axonframework.common.caching.WeakReferenceCache;
import org.axonframework.disruptor.commandhandling.DisruptorCommandBus;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.eventsourcing.EventSourcingRepository;
import org.axonframework.eventsourcing.GenericAggregateFactory;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.jdbc.JdbcEventStorageEngine;
import org.axonframework.eventsourcing.eventstore.jdbc.PostgresEventTableFactory;
import org.axonframework.modelling.command.AggregateAnnotationCommandHandler;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.modelling.command.Repository;
import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.axonframework.modelling.command.TargetAggregateVersion;
import org.axonframework.serialization.Serializer;
import org.axonframework.serialization.json.JacksonSerializer;

/**
 * The bank workload of {@link MyelinCommands} on the Axon Framework 4, its peer: an event-sourced
 * {@link Account} aggregate on Axon's JDBC event store in PostgreSQL, events serialized as JSON by
 * Jackson, driven by closed-loop clients: each client thread sends a command and waits for its
 * answer before it sends the next, the way a web application's request threads use Axon.
 *
 * <p>A {@link Setup} picks the command bus ({@link SimpleCommandBus}, which runs the command on the
 * client's thread; {@link AsynchronousCommandBus}, which hands it to a thread pool; or the
 * {@link DisruptorCommandBus}), whether the repository keeps aggregates in a cache (else each
 * command rebuilds its aggregate from its events), and the number of clients. Each command's events
 * are stored and committed in one database transaction of its own.
 */
final class AxonBank implements AutoCloseable {

    /** The Disruptor bus's threads storing events, each one transaction at a time: more than cores, as commits wait on the WAL. */
    static final int PUBLISHER_THREADS = 8;
    /** The Disruptor bus's command handler threads: cheap next to a commit. */
    static final int INVOKER_THREADS = 1;

    /** Which command bus carries the commands. */
    enum Bus {
        SIMPLE("SimpleCommandBus"), ASYNCHRONOUS("AsynchronousCommandBus"), DISRUPTOR("DisruptorCommandBus");

        final String className;

        Bus(String className) {
            this.className = className;
        }
    }

    /**
     * One configuration of Axon.
     *
     * @param bus     the command bus
     * @param cached  whether the repository caches aggregates (the Disruptor bus always keeps its own)
     * @param clients closed-loop client threads
     */
    record Setup(Bus bus, boolean cached, int clients) {

        /** What the figures' notes say about it. */
        String describe() {
            String repository = switch (bus) {
                case DISRUPTOR -> "the bus's own aggregate cache (WeakReferenceCache), " + INVOKER_THREADS + " invoker, "
                        + PUBLISHER_THREADS + " publisher threads";
                default -> cached ? "caching repository (every aggregate kept in memory)" : "no cache (each command loads its aggregate's events)";
            };
            return String.format(Locale.ROOT, "%s, %s, %d closed-loop clients", bus.className, repository, clients);
        }
    }

    /** The setups the axon suite tries: the buses and client counts an Axon user would pick, with and without a cache. */
    static List<Setup> setups() {
        List<Setup> setups = new ArrayList<>();
        for (Bus bus : List.of(Bus.SIMPLE, Bus.ASYNCHRONOUS)) {
            for (boolean cached : List.of(false, true)) {
                for (int clients : List.of(8, 32)) {
                    setups.add(new Setup(bus, cached, clients));
                }
            }
        }
        // the suite's setup before: kept to show it is not Axon's best on this workload
        setups.add(new Setup(Bus.DISRUPTOR, true, 32));
        return setups;
    }

    private final Setup setup;
    private final HikariDataSource dataSource;
    private final EmbeddedEventStore eventStore;
    private final CommandBus bus;
    private final CommandGateway gateway;
    private final int aggregates;
    /** Accounts are named per instance, so that each setup starts with fresh accounts in the shared database. */
    private final String run = Long.toString(System.nanoTime() % 1_000_000, 36);
    /** Each account's version (sequence number of its last event): what a checked deposit expects. */
    private final AtomicLongArray versions;

    /**
     * Starts Axon as {@code setup} says on the database at {@code jdbcUrl} (user and password may be
     * URL parameters), creating Axon's PostgreSQL tables if they are missing, and opens
     * {@code aggregates} accounts.
     */
    AxonBank(String jdbcUrl, int aggregates, Setup setup) throws Exception {
        this.setup = setup;
        this.aggregates = aggregates;
        this.versions = new AtomicLongArray(aggregates);
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(jdbcUrl);
        pool.setPoolName("axon-bench");
        // a connection per thread that runs commands, and some for aggregates read back after a cache miss
        pool.setMaximumPoolSize((setup.bus() == Bus.DISRUPTOR ? PUBLISHER_THREADS + INVOKER_THREADS : setup.clients()) + 2);
        dataSource = new HikariDataSource(pool);
        UnitOfWorkJdbcTransactions transactions = new UnitOfWorkJdbcTransactions(dataSource);
        Serializer json = JacksonSerializer.defaultSerializer();
        JdbcEventStorageEngine storage = JdbcEventStorageEngine.builder()
                .connectionProvider(transactions)
                .transactionManager(transactions)
                .eventSerializer(json)
                .snapshotSerializer(json)
                .build();
        storage.createSchema(PostgresEventTableFactory.INSTANCE);
        eventStore = EmbeddedEventStore.builder().storageEngine(storage).build();
        Repository<Account> repository;
        switch (setup.bus()) {
            case DISRUPTOR -> {
                DisruptorCommandBus disruptor = DisruptorCommandBus.builder()
                        .transactionManager(transactions)
                        .invokerThreadCount(INVOKER_THREADS)
                        .publisherThreadCount(PUBLISHER_THREADS)
                        .cache(new WeakReferenceCache())
                        .build();
                repository = disruptor.createRepository(eventStore, new GenericAggregateFactory<>(Account.class));
                bus = disruptor;
            }
            case ASYNCHRONOUS -> {
                bus = AsynchronousCommandBus.builder().transactionManager(transactions).build();
                repository = repository(setup.cached());
            }
            default -> {
                bus = SimpleCommandBus.builder().transactionManager(transactions).build();
                repository = repository(setup.cached());
            }
        }
        AggregateAnnotationCommandHandler.<Account>builder().aggregateType(Account.class).repository(repository).build()
                .subscribe(bus);
        gateway = DefaultCommandGateway.builder().commandBus(bus).build();
        // The Disruptor bus may run commands on a new aggregate out of order until its creation is
        // stored (its documented limitation): every account is open before the first deposit.
        closedLoop(aggregates, account -> gateway.send(new OpenAccount(accountId(account), "owner-" + account)));
    }

    private Repository<Account> repository(boolean cached) {
        EventSourcingRepository.Builder<Account> builder = EventSourcingRepository.builder(Account.class).eventStore(eventStore);
        if (cached) {
            builder.cache(new StrongCache());
        }
        return builder.build();
    }

    Setup setup() {
        return setup;
    }

    /**
     * Sends {@code commands} deposits from the setup's closed-loop clients, each client to its own
     * accounts round-robin (so no two commands of one account are ever in flight), and returns commands/s.
     *
     * @param checked whether each deposit names the version it expects, which Axon checks on load
     */
    Measurement throughput(int commands, boolean checked) throws Exception {
        long started = System.nanoTime();
        closedLoop(commands, account -> gateway.send(new Deposit(accountId(account), 1L, checked ? versions.get(account) : null))
                .thenRun(() -> versions.incrementAndGet(account)));
        double perSecond = commands / RawKafka.seconds(started);
        return Measurement.of("Axon commands, expected version " + (checked ? "checked" : "unchecked"), "commands/s", perSecond,
                commands + " deposits over " + aggregates + " accounts, " + description(setup));
    }

    /**
     * Sends deposits to random accounts at a fixed rate for {@code duration}, each run by one of as
     * many threads as the setup has clients, and returns p50/p99/p999 round trips from each deposit's
     * scheduled time.
     */
    List<Measurement> latency(int perSecond, Duration duration, String why) throws Exception {
        long total = perSecond * duration.toSeconds();
        Latencies latencies = new Latencies((int) total);
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        ExecutorService clients = Executors.newFixedThreadPool(setup.clients());
        try {
            FixedRate.run(perSecond, total, (i, due) -> clients.execute(() -> {
                int account = ThreadLocalRandom.current().nextInt(aggregates);
                try {
                    gateway.send(new Deposit(accountId(account), 1L, null)).get();
                    latencies.add(System.nanoTime() - due);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failures.add(e);
                } catch (ExecutionException | RuntimeException e) {
                    failures.add(e);
                }
            }));
        } finally {
            clients.shutdown();
        }
        if (!clients.awaitTermination(2, TimeUnit.MINUTES)) {
            throw new IllegalStateException("Axon deposits still unanswered 2 minutes after the last was sent");
        }
        // a failed deposit is reported with the figures rather than ending the run without any
        String failed = failures.isEmpty() ? "" : ", " + failures.size() + " of " + total + " deposits FAILED, first: "
                + failures.peek().getMessage();
        return latencies.percentiles("Axon command round trip", perSecond + " commands/s (" + why + ") for "
                + duration.toSeconds() + " s, " + description(setup) + failed);
    }

    /**
     * Runs {@code count} commands from the setup's client threads, each waiting for its command's
     * answer before sending the next; client {@code c} of {@code n} sends to the accounts {@code a}
     * with {@code a % n == c}, in turn.
     */
    private void closedLoop(int count, IntFunction<CompletableFuture<?>> command) throws Exception {
        int clients = setup.clients();
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                int share = count / clients + (client < count % clients ? 1 : 0);
                done.add(threads.submit(() -> {
                    int account = client;
                    for (int i = 0; i < share; i++) {
                        command.apply(account).get();
                        account += clients;
                        if (account >= aggregates) {
                            account = client;
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> client : done) {
                client.get(10, TimeUnit.MINUTES);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Override
    public void close() {
        if (bus instanceof DisruptorCommandBus disruptor) {
            disruptor.stop();
        } else if (bus instanceof AsynchronousCommandBus asynchronous) {
            asynchronous.shutdown();
        }
        eventStore.shutDown();
        dataSource.close();
    }

    /** How Axon was set up, for the table. */
    static String description(Setup setup) {
        return "Axon " + version() + ", " + setup.describe() + ", JDBC event store on PostgreSQL";
    }

    /** The Axon version on the class path, from its jar's Maven metadata. */
    static String version() {
        try (InputStream in = DisruptorCommandBus.class.getResourceAsStream(
                "/META-INF/maven/org.axonframework/axon-disruptor/pom.properties")) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                return properties.getProperty("version", "4");
            }
        } catch (IOException e) {
            // fall through: the figure is still right without the exact version
        }
        return "4";
    }

    private String accountId(long i) {
        return "acc-" + run + "-" + i;
    }

    /**
     * A cache that keeps every aggregate: what an Axon application gets from a JCache or Ehcache
     * sized for its working set (neither is on the class path here), where Axon's own
     * {@link WeakReferenceCache} loses an aggregate at the first garbage collection after its command.
     */
    private static final class StrongCache implements Cache {
        private final ConcurrentHashMap<Object, Object> entries = new ConcurrentHashMap<>();

        @Override
        @SuppressWarnings("unchecked")
        public <K, V> V get(K key) {
            return (V) entries.get(key);
        }

        @Override
        public void put(Object key, Object value) {
            entries.put(key, value);
        }

        @Override
        public boolean putIfAbsent(Object key, Object value) {
            return entries.putIfAbsent(key, value) == null;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T computeIfAbsent(Object key, Supplier<T> valueSupplier) {
            return (T) entries.computeIfAbsent(key, k -> valueSupplier.get());
        }

        @Override
        public boolean remove(Object key) {
            return entries.remove(key) != null;
        }

        @Override
        public void removeAll() {
            entries.clear();
        }

        @Override
        public boolean containsKey(Object key) {
            return entries.containsKey(key);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <V> void computeIfPresent(Object key, UnaryOperator<V> update) {
            entries.computeIfPresent(key, (k, v) -> update.apply((V) v));
        }

        @Override
        public Registration registerCacheEntryListener(EntryListener listener) {
            // nothing here listens: the repository only reads and writes entries
            return () -> true;
        }
    }

    /**
     * Opens an account.
     *
     * @param accountId the new account's identifier
     * @param owner     its owner
     */
    public record OpenAccount(@TargetAggregateIdentifier String accountId, String owner) {
    }

    /**
     * Deposits {@code amount} into an account.
     *
     * @param accountId       the account
     * @param amount          how much
     * @param expectedVersion the account's version the sender decided on, or null not to check it
     */
    public record Deposit(@TargetAggregateIdentifier String accountId, long amount, @TargetAggregateVersion Long expectedVersion) {
    }

    /**
     * An account was opened.
     *
     * @param accountId the account
     * @param owner     its owner
     */
    public record AccountOpened(String accountId, String owner) {
    }

    /**
     * Money was deposited.
     *
     * @param accountId the account
     * @param amount    how much
     */
    public record Deposited(String accountId, long amount) {
    }

    /**
     * The bank account as an Axon event-sourced aggregate: the same decisions as Myelin's bank
     * example (any deposit is accepted), its state rebuilt from its events.
     */
    public static final class Account {

        @AggregateIdentifier
        private String accountId;
        private long balance;

        /** For Axon, which creates the aggregate empty and then applies its events. */
        Account() {
        }

        /**
         * Opens the account.
         *
         * @param command the command
         */
        @CommandHandler
        Account(OpenAccount command) {
            apply(new AccountOpened(command.accountId(), command.owner()));
        }

        @CommandHandler
        void handle(Deposit command) {
            apply(new Deposited(command.accountId(), command.amount()));
        }

        @EventSourcingHandler
        void on(AccountOpened event) {
            accountId = event.accountId();
        }

        @EventSourcingHandler
        void on(Deposited event) {
            balance += event.amount();
        }
    }
}
