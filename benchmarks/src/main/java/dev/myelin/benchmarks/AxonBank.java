package dev.myelin.benchmarks;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.commandhandling.gateway.DefaultCommandGateway;
import org.axonframework.common.caching.WeakReferenceCache;
import org.axonframework.disruptor.commandhandling.DisruptorCommandBus;
import org.axonframework.eventsourcing.EventSourcingHandler;
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
 * {@link Account} aggregate on Axon's JDBC event store in PostgreSQL, commands through the
 * {@link DisruptorCommandBus}, events serialized as JSON by Jackson.
 *
 * <p>The Disruptor bus is the one Axon's reference guide offers for throughput with event-sourced
 * aggregates: one group of threads runs the command handlers against aggregates it keeps in memory,
 * another stores each command's events in a database transaction of its own. The storing threads
 * spend most of their time waiting for PostgreSQL to flush its WAL, so there are more of them than
 * cores ({@value #PUBLISHER_THREADS}); concurrent commits then share a flush.
 */
final class AxonBank implements AutoCloseable {

    /** As many unanswered commands as {@link MyelinCommands} keeps: the Disruptor's ring holds 4,096. */
    private static final int IN_FLIGHT = 2_000;
    /** Threads storing events, each one transaction at a time. */
    static final int PUBLISHER_THREADS = 8;
    /** Command handlers are cheap next to a commit: one thread, and the other core for the rest. */
    static final int INVOKER_THREADS = 1;

    private final HikariDataSource dataSource;
    private final EmbeddedEventStore eventStore;
    private final DisruptorCommandBus bus;
    private final CommandGateway gateway;
    private final int aggregates;
    /** Accounts are named per run, so that a database reused from an earlier run does not clash. */
    private final String run = Long.toString(System.nanoTime() % 1_000_000, 36);
    /** Each account's version (sequence number of its last event): what a checked deposit expects. */
    private final AtomicLongArray versions;

    /**
     * Starts Axon on the database at {@code jdbcUrl} (user and password may be URL parameters),
     * creating Axon's PostgreSQL tables if they are missing, and opens {@code aggregates} accounts.
     */
    AxonBank(String jdbcUrl, int aggregates) throws Exception {
        this.aggregates = aggregates;
        this.versions = new AtomicLongArray(aggregates);
        HikariConfig pool = new HikariConfig();
        pool.setJdbcUrl(jdbcUrl);
        pool.setPoolName("axon-bench");
        // a connection per storing thread, and some for aggregates read back after a cache miss
        pool.setMaximumPoolSize(PUBLISHER_THREADS + INVOKER_THREADS + 2);
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
        bus = DisruptorCommandBus.builder()
                .transactionManager(transactions)
                .invokerThreadCount(INVOKER_THREADS)
                .publisherThreadCount(PUBLISHER_THREADS)
                // behind the bus's own cache of aggregates in use: an account is rebuilt from its
                // events only if the garbage collector took it, as Myelin keeps its state in a local store
                .cache(new WeakReferenceCache())
                .build();
        Repository<Account> repository = bus.createRepository(eventStore, new GenericAggregateFactory<>(Account.class));
        AggregateAnnotationCommandHandler.<Account>builder().aggregateType(Account.class).repository(repository).build()
                .subscribe(bus);
        gateway = DefaultCommandGateway.builder().commandBus(bus).build();
        // The Disruptor bus may run commands on a new aggregate out of order until its creation is
        // stored (its documented limitation): every account is open before the first deposit.
        MyelinCommands.pipeline(aggregates, IN_FLIGHT, i -> gateway.send(new OpenAccount(accountId(i), "owner-" + i)));
    }

    /**
     * Sends {@code commands} deposits round-robin over the accounts, at most {@value #IN_FLIGHT} at a
     * time, and returns commands/s.
     *
     * @param checked whether each deposit names the version it expects, which Axon checks on load
     */
    Measurement throughput(int commands, boolean checked) throws Exception {
        // as in MyelinCommands: a checked deposit must wait for its account's previous answer
        int window = checked ? Math.min(IN_FLIGHT, aggregates / 2) : IN_FLIGHT;
        // The window alone does not keep one deposit per account in flight: Axon's publisher threads
        // answer out of order. So each deposit is sent only once its account's previous one is
        // answered, checked or not: with two deposits of one account in flight, the Disruptor bus can
        // build the second on an aggregate its weak cache has dropped and reloaded without the first,
        // and the store refuses it ("already exists", seen at the tiny size's 10 deposits per account
        // in flight). At the full size round-robin never has two in flight anyway. Only the sending
        // thread touches this array.
        CompletableFuture<?>[] previous = new CompletableFuture<?>[aggregates];
        long started = System.nanoTime();
        MyelinCommands.pipeline(commands, window, i -> {
            int account = (int) (i % aggregates);
            CompletableFuture<?> before = previous[account] == null ? CompletableFuture.completedFuture(null) : previous[account];
            CompletableFuture<?> deposit = before.exceptionally(failed -> null)
                    .thenCompose(answered -> gateway.send(new Deposit(accountId(account), 1L, checked ? versions.get(account) : null)))
                    .thenRun(() -> versions.incrementAndGet(account));
            previous[account] = deposit;
            return deposit;
        });
        double perSecond = commands / RawKafka.seconds(started);
        return Measurement.of("Axon commands, expected version " + (checked ? "checked" : "unchecked"), "commands/s", perSecond,
                commands + " deposits over " + aggregates + " accounts, " + window + " in flight, " + description());
    }

    /** Sends deposits to random accounts at a fixed rate and returns p50/p99/p999 round trips. */
    List<Measurement> latency(int perSecond, Duration duration, String why) throws Exception {
        long total = perSecond * duration.toSeconds();
        Latencies latencies = new Latencies((int) total);
        List<CompletableFuture<?>> pending = new ArrayList<>();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        FixedRate.run(perSecond, total, (i, due) -> {
            int account = ThreadLocalRandom.current().nextInt(aggregates);
            pending.add(gateway.send(new Deposit(accountId(account), 1L, null)).whenComplete((answer, error) -> {
                if (error != null) {
                    failures.add(error);
                    return;
                }
                latencies.add(System.nanoTime() - due);
                versions.incrementAndGet(account);
            }));
        });
        CompletableFuture.allOf(pending.stream().map(f -> f.exceptionally(error -> null)).toArray(CompletableFuture[]::new))
                .get(2, TimeUnit.MINUTES);
        // a failed deposit is reported with the figures rather than ending the run without any
        String failed = failures.isEmpty() ? "" : ", " + failures.size() + " of " + total + " deposits FAILED, first: "
                + failures.peek().getMessage();
        return latencies.percentiles("Axon command round trip", perSecond + " commands/s (" + why + ") for "
                + duration.toSeconds() + " s, " + description() + failed);
    }

    @Override
    public void close() {
        bus.stop();
        eventStore.shutDown();
        dataSource.close();
    }

    /** How Axon was set up, for the table. */
    static String description() {
        return "Axon " + version() + ", DisruptorCommandBus (" + INVOKER_THREADS + " invoker, " + PUBLISHER_THREADS
                + " publisher threads), JDBC event store on PostgreSQL";
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
