package dev.myelin.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongFunction;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsConfig;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.eventstore.CommandGateway;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.eventstore.SendOptions;
import dev.myelin.examples.bank.Account;
import dev.myelin.examples.bank.AccountState;
import dev.myelin.examples.bank.Bank;
import dev.myelin.examples.bank.Deposit;
import dev.myelin.examples.bank.OpenAccount;
import dev.myelin.schemas.InMemorySchemaRegistry;

/**
 * The bank workload through Myelin's write path: commands sent through a {@link CommandGateway},
 * decided by the exactly-once command processor, answered on the results topic.
 */
final class MyelinCommands implements AutoCloseable {

    private static final int IN_FLIGHT = 2_000;

    private final EventStore<AccountState, SpecificRecord, SpecificRecord> store;
    private final CommandGateway<SpecificRecord, SpecificRecord> gateway;
    private final int aggregates;
    /** Each account's version as last answered, so a checked command can name what it expects. */
    private final AtomicLongArray versions;

    /** Starts a bank application with {@code aggregates} open accounts. */
    MyelinCommands(EmbeddedKafkaCluster kafka, int aggregates, int partitions, int commitIntervalMs, Path stateDir) throws Exception {
        this.aggregates = aggregates;
        this.versions = new AtomicLongArray(aggregates);
        MyelinConfig config = configFor("bench-" + Long.toString(System.nanoTime() % 1_000_000, 36), kafka)
                .partitions(partitions)
                .property(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs)
                .build();
        // The registry is consulted once per record type and then cached, so the in-memory one
        // costs the same as a remote registry after the first command of each type.
        Serde<SpecificRecord> avro = Bank.avro(new InMemorySchemaRegistry());
        Path directory = Files.createDirectories(stateDir.resolve(config.application()));
        store = EventStore.builder(Account.TYPE, config).commandSerde(avro).eventSerde(avro).stateDirectory(directory).start();
        gateway = store.gateway();
        pipeline(aggregates, IN_FLIGHT, i -> gateway.send(accountId(i), new OpenAccount("owner-" + i))
                .thenAccept(result -> remember((int) i, result)));
    }

    /**
     * Returns a configuration builder for {@code kafka}: replication 1 on one broker, Myelin's
     * defaults for a three-broker cluster (replication 3, {@code min.insync.replicas} 2) on more.
     */
    static MyelinConfig.Builder configFor(String application, EmbeddedKafkaCluster kafka) {
        MyelinConfig.Builder builder = MyelinConfig.builder(application).bootstrapServers(kafka.bootstrapServers());
        return kafka.brokerIds().size() == 1 ? builder.singleBrokerDevMode() : builder;
    }

    /**
     * Sends {@code commands} deposits round-robin over the accounts, at most {@value #IN_FLIGHT}
     * at a time, and returns commands/s.
     *
     * @param checked whether each command carries the expected version (optimistic concurrency)
     */
    Measurement throughput(int commands, boolean checked, Optional<Measurement> baseline) throws Exception {
        AtomicLong conflicts = new AtomicLong();
        // A checked command must wait for its account's previous answer. Round-robin over the accounts with fewer
        // commands than accounts in flight makes that nearly always so already; answers that come out of order (three
        // brokers, commits of uneven length) are waited for, or the command would name a stale version
        int window = checked ? Math.min(IN_FLIGHT, aggregates / 2) : IN_FLIGHT;
        CompletableFuture<?>[] previous = new CompletableFuture<?>[aggregates];
        long started = System.nanoTime();
        pipeline(commands, window, i -> {
            int account = (int) (i % aggregates);
            if (checked && previous[account] != null) {
                previous[account].join();
            }
            SendOptions options = checked ? SendOptions.expectingVersion(versions.get(account)) : SendOptions.defaults();
            CompletableFuture<?> answered = gateway.send(accountId(account), new Deposit(1L), options).thenAccept(result -> {
                if (!remember(account, result)) {
                    conflicts.incrementAndGet();
                }
            });
            previous[account] = answered;
            return answered;
        });
        double perSecond = commands / RawKafka.seconds(started);
        if (conflicts.get() > 0) {
            throw new IllegalStateException(conflicts.get() + " deposits were not accepted");
        }
        return new Measurement("Myelin commands, expected version " + (checked ? "checked" : "unchecked"), "commands/s", perSecond,
                baseline, commands + " deposits over " + aggregates + " accounts, " + window + " in flight");
    }

    /** Sends deposits to random accounts at a fixed rate and returns p50/p99/p999 round trips. */
    List<Measurement> latency(int perSecond, Duration duration, int commitIntervalMs, String load) throws Exception {
        long total = perSecond * duration.toSeconds();
        Latencies latencies = new Latencies((int) total);
        List<CompletableFuture<?>> pending = new ArrayList<>();
        FixedRate.run(perSecond, total, (i, due) -> pending.add(
                gateway.send(accountId(ThreadLocalRandom.current().nextInt(aggregates)), new Deposit(1L))
                        .thenRun(() -> latencies.add(System.nanoTime() - due))));
        // the deposits above did not go through remember(): checked commands after this would be stale
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
        return latencies.percentiles("Myelin command round trip", perSecond + " commands/s (" + load + ") for " + duration.toSeconds()
                + " s, commit.interval.ms=" + commitIntervalMs);
    }

    /** Sends {@code count} deposits to one account, pipelined, and waits for every answer: to grow a long history. */
    void deposits(int account, int count) throws Exception {
        pipeline(count, IN_FLIGHT, i -> gateway.send(accountId(account), new Deposit(1L))
                .thenAccept(result -> remember(account, result)));
    }

    /** Returns the bank's event store, for the read benchmarks. */
    EventStore<AccountState, SpecificRecord, SpecificRecord> store() {
        return store;
    }

    private boolean remember(int account, CommandResult<SpecificRecord> result) {
        if (result instanceof CommandResult.Accepted<SpecificRecord> accepted) {
            // unchecked commands to one account may be answered out of order: keep the newest
            versions.accumulateAndGet(account, accepted.newVersion(), Math::max);
            return true;
        }
        return false;
    }

    @Override
    public void close() {
        store.close();
    }

    static String accountId(long i) {
        return "acc-" + i;
    }

    /** Sends {@code count} commands keeping at most {@code inFlight} unanswered, and waits for all. */
    static void pipeline(long count, int inFlight, LongFunction<CompletableFuture<?>> send) throws Exception {
        Semaphore window = new Semaphore(inFlight);
        List<Throwable> failures = new ArrayList<>();
        for (long i = 0; i < count; i++) {
            window.acquire();
            send.apply(i).whenComplete((result, error) -> {
                if (error != null) {
                    synchronized (failures) {
                        failures.add(error);
                    }
                }
                window.release();
            });
        }
        if (!window.tryAcquire(inFlight, 5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("commands still unanswered after 5 minutes");
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException(failures.size() + " commands failed, first: " + failures.get(0), failures.get(0));
        }
    }
}
