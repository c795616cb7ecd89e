package dev.myelin.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.eventstore.AggregateState;
import dev.myelin.eventstore.CommandGateway;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.CommandTimeoutException;
import dev.myelin.eventstore.SendOptions;
import dev.myelin.examples.bank.Account;
import dev.myelin.examples.bank.AccountState;
import dev.myelin.examples.bank.Deposit;
import dev.myelin.examples.bank.OpenAccount;
import dev.myelin.examples.bank.Withdraw;
import dev.myelin.schemas.EventMetadata;

/**
 * The bank workload of the fault tests: threads send random deposits and withdrawals to a few
 * accounts, each with the version the thread last saw and its own command id. A conflict is retried
 * with the same id and a fresh version; a timeout or a send error is retried with the same id and the
 * same version, which is only safe because the processor answers a known id with its first result.
 * That retry is exactly what a fault exercises, so every attempt is counted.
 *
 * <p>{@link #verify} then holds the log to account: every accepted command has exactly one event, at
 * the sequence its result named; nothing else is on the events topic; every account's history is
 * 1..n without gaps or repeats, never negative, and folds to the state the processor holds.
 */
final class BankWorkload {
    private static final Logger log = LoggerFactory.getLogger(BankWorkload.class);
    /** How long one command may keep being retried before the run counts it as lost. */
    private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(120);

    /** The final outcome of one command id, and how many sends it took. */
    record Outcome(String accountId, SpecificRecord command, long signedAmount, boolean accepted, long newVersion, int attempts) {
    }

    private final String runId;
    private final int accounts;
    private final Duration commandTimeout;
    private final Map<String, Long> versions = new ConcurrentHashMap<>();
    private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
    private final Set<String> lost = ConcurrentHashMap.newKeySet();
    private final AtomicLong conflicts = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong sendErrors = new AtomicLong();
    private final AtomicLong acceptedCount = new AtomicLong();
    private final AtomicLong slowestNanos = new AtomicLong();
    private final Map<String, String> errorSamples = new ConcurrentHashMap<>();
    private volatile boolean stopping;
    private ExecutorService pool;
    private final List<Future<?>> workers = new ArrayList<>();
    private long startedNanos;
    private long elapsedMillis;

    BankWorkload(String runId, int accounts, Duration commandTimeout) {
        this.runId = runId;
        this.accounts = accounts;
        this.commandTimeout = commandTimeout;
    }

    static String account(int index) {
        return "acc-" + index;
    }

    /** Opens every account through {@code gateway}, retrying with the same command id until each is accepted. */
    void openAccounts(CommandGateway<SpecificRecord, SpecificRecord> gateway) {
        for (int a = 0; a < accounts; a++) {
            String id = runId + "-open-" + a;
            Outcome outcome = sendUntilAnswered(gateway, account(a), new OpenAccount("owner-" + a), 0, id);
            assertThat(outcome).as("opening %s", account(a)).isNotNull();
            assertThat(outcome.accepted()).as("opening %s", account(a)).isTrue();
            versions.put(account(a), outcome.newVersion());
        }
    }

    /**
     * Opens {@code count} more accounts that no sender touches afterwards, many at a time, to give the
     * processor's stores data; each is an accepted command {@link #verify} accounts for like any other.
     */
    void fill(CommandGateway<SpecificRecord, SpecificRecord> gateway, int count) {
        java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(500);
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String accountId = "fill-" + i;
            String commandId = runId + "-fill-" + i;
            SpecificRecord command = new OpenAccount("filler-" + i);
            window.acquireUninterruptibly();
            sent.add(gateway.send(accountId, command, SendOptions.expectingVersion(0).withCommandId(commandId).withTimeout(GIVE_UP_AFTER))
                    .thenAccept(result -> {
                        assertThat(result).as("opening %s", accountId).isInstanceOf(CommandResult.Accepted.class);
                        long version = ((CommandResult.Accepted<SpecificRecord>) result).newVersion();
                        outcomes.put(commandId, new Outcome(accountId, command, 0, true, version, 1));
                    }).whenComplete((ignored, error) -> window.release()));
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
    }

    /** Starts {@code threads} senders, thread {@code t} using {@code gateways.get(t % size)}, until {@link #stop()}. */
    void start(List<CommandGateway<SpecificRecord, SpecificRecord>> gateways, int threads) {
        pool = Executors.newFixedThreadPool(threads);
        startedNanos = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            CommandGateway<SpecificRecord, SpecificRecord> gateway = gateways.get(t % gateways.size());
            int thread = t;
            workers.add(pool.submit(() -> {
                SplittableRandom random = new SplittableRandom(31L * thread + runId.hashCode());
                for (int i = 0; !stopping; i++) {
                    String accountId = account(random.nextInt(accounts));
                    long amount = 1 + random.nextInt(100);
                    boolean deposit = random.nextInt(100) < 55;
                    String commandId = runId + "-t" + thread + "-" + i;
                    sendUntilAnswered(gateway, accountId, deposit ? new Deposit(amount) : new Withdraw(amount),
                            deposit ? amount : -amount, commandId);
                }
                return null;
            }));
        }
    }

    /** Lets the senders finish their current command and waits for them. */
    void stop() throws Exception {
        stopping = true;
        for (Future<?> worker : workers) {
            worker.get(GIVE_UP_AFTER.toSeconds() + 60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
        log.info("workload {}: {} commands in {} ms ({} accepted), {} conflicts, {} timeouts, {} send errors retried; "
                        + "slowest command {} ms; lost: {}; error samples: {}", runId, outcomes.size(), elapsedMillis, acceptedCount.get(),
                conflicts.get(), timeouts.get(), sendErrors.get(), slowestMillis(), lost.size(), errorSamples.values());
    }

    long accepted() {
        return acceptedCount.get();
    }

    int answered() {
        return outcomes.size();
    }

    long timeouts() {
        return timeouts.get();
    }

    long sendErrors() {
        return sendErrors.get();
    }

    long conflicts() {
        return conflicts.get();
    }

    /** Returns the longest time from a command's first send to its outcome, retries included. */
    long slowestMillis() {
        return TimeUnit.NANOSECONDS.toMillis(slowestNanos.get());
    }

    long elapsedMillis() {
        return elapsedMillis;
    }

    /** Returns the commands that needed more than one send although no conflict was involved. */
    List<String> retriedAfterAFault() {
        return outcomes.entrySet().stream().filter(e -> e.getValue().attempts() > 1).map(Map.Entry::getKey).toList();
    }

    /** Returns the final outcome of a command id. */
    Outcome outcome(String commandId) {
        return outcomes.get(commandId);
    }

    private Outcome sendUntilAnswered(CommandGateway<SpecificRecord, SpecificRecord> gateway, String accountId, SpecificRecord command,
                                      long signedAmount, String commandId) {
        long began = System.nanoTime();
        long giveUp = began + GIVE_UP_AFTER.toNanos();
        int attempts = 0;
        while (System.nanoTime() < giveUp) {
            attempts++;
            long expected = versions.getOrDefault(accountId, 0L);
            CompletableFuture<CommandResult<SpecificRecord>> future;
            try {
                future = gateway.send(accountId, command,
                        SendOptions.expectingVersion(expected).withCommandId(commandId).withTimeout(commandTimeout));
            } catch (IllegalStateException e) {
                // the gateway of an instance that is being restarted is closed: a client would retry elsewhere or later
                sendErrors.incrementAndGet();
                errorSamples.putIfAbsent("closed", e.toString());
                pause();
                continue;
            }
            CommandResult<SpecificRecord> result;
            try {
                result = future.get(commandTimeout.toMillis() + 10_000, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof CommandTimeoutException timeout) {
                    // the caller learns which command to resend: the message names it and says how to retry safely
                    assertThat(timeout.commandId()).isEqualTo(commandId);
                    assertThat(timeout.getMessage()).contains(commandId, "same command id");
                    timeouts.incrementAndGet();
                    errorSamples.putIfAbsent("timeout", timeout.getMessage());
                } else {
                    sendErrors.incrementAndGet();
                    errorSamples.putIfAbsent(e.getCause().getClass().getSimpleName(), String.valueOf(e.getCause()));
                    pause();
                }
                continue;
            } catch (TimeoutException e) {
                throw new AssertionError("the gateway's own timeout of " + commandTimeout + " did not fire for " + commandId, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            if (result instanceof CommandResult.Conflict<SpecificRecord> conflict) {
                conflicts.incrementAndGet();
                versions.merge(accountId, conflict.actual(), Math::max);
                attempts--; // a conflict is the business rule at work, not a fault
                continue;
            }
            Outcome outcome;
            if (result instanceof CommandResult.Accepted<SpecificRecord> ok) {
                versions.merge(accountId, ok.newVersion(), Math::max);
                outcome = new Outcome(accountId, command, signedAmount, true, ok.newVersion(), attempts);
                acceptedCount.incrementAndGet();
            } else {
                outcome = new Outcome(accountId, command, signedAmount, false, -1, attempts);
            }
            slowestNanos.accumulateAndGet(System.nanoTime() - began, Math::max);
            Outcome earlier = outcomes.putIfAbsent(commandId, outcome);
            assertThat(earlier).as("a second outcome for %s", commandId).isNull();
            return outcome;
        }
        lost.add(commandId);
        return null;
    }

    /**
     * Sends each command again with its own id and checks that the answer is the one its caller got
     * first: the same new version for an accepted command, a rejection for a rejected one.
     */
    void resendAndExpectOriginalResults(CommandGateway<SpecificRecord, SpecificRecord> gateway, List<String> commandIds) {
        for (String commandId : commandIds) {
            Outcome first = outcomes.get(commandId);
            CommandResult<SpecificRecord> again = gateway.send(first.accountId(), first.command(),
                    SendOptions.defaults().withCommandId(commandId).withTimeout(Duration.ofSeconds(30))).join();
            if (first.accepted()) {
                assertThat(again).as("resent %s", commandId).isInstanceOf(CommandResult.Accepted.class);
                assertThat(((CommandResult.Accepted<SpecificRecord>) again).newVersion()).as("version named by resent %s", commandId)
                        .isEqualTo(first.newVersion());
            } else {
                assertThat(again).as("resent %s", commandId).isInstanceOf(CommandResult.Rejected.class);
            }
        }
    }

    /**
     * Sends a deposit whose timeout expires at once, so its caller sees the timeout for sure; runs
     * {@code meanwhile} (the fault); then resends the same id twice and checks both answers are one
     * acceptance with one version. The command joins the workload's outcomes, so {@link #verify}
     * checks it has exactly one event.
     *
     * @return the version the retries named
     */
    long timeoutThenRetry(CommandGateway<SpecificRecord, SpecificRecord> gateway, String accountId, String commandId,
                          Runnable meanwhile) throws Exception {
        SpecificRecord deposit = new Deposit(1L);
        CompletableFuture<CommandResult<SpecificRecord>> first = gateway.send(accountId, deposit,
                SendOptions.defaults().withCommandId(commandId).withTimeout(Duration.ofNanos(1)));
        try {
            first.get(30, TimeUnit.SECONDS);
            throw new AssertionError("a result arrived within 1 ns for " + commandId);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(CommandTimeoutException.class)
                    .hasMessageContaining(commandId).hasMessageContaining("resend it with the same command id");
            timeouts.incrementAndGet();
        }
        meanwhile.run();
        SendOptions retry = SendOptions.defaults().withCommandId(commandId).withTimeout(Duration.ofSeconds(30));
        CommandResult<SpecificRecord> second = gateway.send(accountId, deposit, retry).get(60, TimeUnit.SECONDS);
        CommandResult<SpecificRecord> third = gateway.send(accountId, deposit, retry).get(60, TimeUnit.SECONDS);
        assertThat(second).as("retry of %s", commandId).isInstanceOf(CommandResult.Accepted.class);
        long version = ((CommandResult.Accepted<SpecificRecord>) second).newVersion();
        assertThat(third).as("second retry of %s", commandId).isInstanceOf(CommandResult.Accepted.class);
        assertThat(((CommandResult.Accepted<SpecificRecord>) third).newVersion()).as("version named by each retry of %s", commandId)
                .isEqualTo(version);
        versions.merge(accountId, version, Math::max);
        acceptedCount.incrementAndGet();
        assertThat(outcomes.putIfAbsent(commandId, new Outcome(accountId, deposit, 1L, true, version, 3))).isNull();
        return version;
    }

    private static void pause() {
        // a bounded back-off between retries of a failed send, not a wait for Kafka to reach a state
        LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
    }

    /** The figures {@link #verify} found, for the report. */
    record Figures(int eventsOnTopic, long acceptedCommands, long balanceTotal) {
    }

    /**
     * Checks the events topic and the processor's states against what the callers were told.
     *
     * @param state returns the processor's current state of an account
     */
    Figures verify(EmbeddedKafkaCluster kafka, String eventsTopic, Serde<SpecificRecord> avro,
                   Function<String, Optional<AggregateState<AccountState>>> state) {
        assertThat(lost).as("commands that never got a result within " + GIVE_UP_AFTER).isEmpty();
        List<ConsumerRecord<String, byte[]>> records = kafka.readAll(eventsTopic, new StringDeserializer(), new ByteArrayDeserializer(),
                Duration.ofSeconds(90));
        Map<String, List<EventMetadata>> byCommand = new HashMap<>();
        Map<String, TreeMap<Long, SpecificRecord>> byAccount = new HashMap<>();
        Set<String> eventIds = new HashSet<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            EventMetadata metadata = EventMetadata.readFrom(record.headers());
            assertThat(eventIds.add(metadata.eventId())).as("event id %s appears once", metadata.eventId()).isTrue();
            byCommand.computeIfAbsent(metadata.commandId(), k -> new ArrayList<>()).add(metadata);
            SpecificRecord event = avro.deserializer().deserialize(eventsTopic, record.value());
            SpecificRecord before = byAccount.computeIfAbsent(metadata.aggregateId(), k -> new TreeMap<>()).put(metadata.sequence(), event);
            assertThat(before).as("%s has one event at sequence %s", metadata.aggregateId(), metadata.sequence()).isNull();
        }

        long expectedTotal = 0;
        int acceptedCommands = 0;
        for (Map.Entry<String, Outcome> entry : outcomes.entrySet()) {
            Outcome outcome = entry.getValue();
            List<EventMetadata> events = byCommand.getOrDefault(entry.getKey(), List.of());
            if (outcome.accepted()) {
                acceptedCommands++;
                expectedTotal += outcome.signedAmount();
                assertThat(events).as("events of accepted command %s", entry.getKey()).hasSize(1);
                assertThat(events.get(0).sequence()).as("sequence of the event of %s", entry.getKey()).isEqualTo(outcome.newVersion());
                assertThat(events.get(0).aggregateId()).isEqualTo(outcome.accountId());
            } else {
                assertThat(events).as("events of rejected command %s", entry.getKey()).isEmpty();
            }
        }
        assertThat(byCommand.keySet()).as("commands with events on the topic that no caller saw accepted")
                .isSubsetOf(outcomes.keySet());
        assertThat(records).as("every event on the topic belongs to an accepted command").hasSize(acceptedCommands);

        long balances = 0;
        for (int a = 0; a < accounts; a++) {
            String accountId = account(a);
            TreeMap<Long, SpecificRecord> history = byAccount.getOrDefault(accountId, new TreeMap<>());
            assertThat(history.keySet()).as("sequences of %s", accountId)
                    .containsExactly(java.util.stream.LongStream.rangeClosed(1, history.size()).boxed().toArray(Long[]::new));
            AccountState folded = Account.TYPE.initialState();
            for (Map.Entry<Long, SpecificRecord> event : history.entrySet()) {
                folded = Account.TYPE.evolve(folded, event.getValue());
                assertThat(folded.getBalance()).as("balance of %s after event %s", accountId, event.getKey()).isNotNegative();
            }
            AggregateState<AccountState> held = state.apply(accountId).orElseThrow();
            assertThat(held.state()).as("the processor's state of %s equals the fold of its history", accountId).isEqualTo(folded);
            assertThat(held.version()).as("version of %s", accountId).isEqualTo(history.size());
            balances += folded.getBalance();
        }
        assertThat(balances).as("sum of balances equals the sum of accepted amounts").isEqualTo(expectedTotal);
        return new Figures(records.size(), acceptedCommands, balances);
    }
}
