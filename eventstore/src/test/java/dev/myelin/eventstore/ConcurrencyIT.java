package dev.myelin.eventstore;

import static dev.myelin.embedded.Await.join;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.bank.Account;
import dev.myelin.eventstore.bank.AccountState;
import dev.myelin.eventstore.bank.Deposit;
import dev.myelin.eventstore.bank.Deposited;
import dev.myelin.eventstore.bank.OpenAccount;
import dev.myelin.eventstore.bank.Withdraw;
import dev.myelin.eventstore.bank.Withdrawn;
import dev.myelin.schemas.EventMetadata;

/**
 * Many writers, few aggregates: 8 threads on each of 2 gateways send 20,000 random deposits and
 * withdrawals over 200 accounts, each with the version the thread last saw, retrying (same command
 * id) on conflict. Afterwards the books must balance exactly.
 */
@MyelinKafka(brokers = 1, shared = true, brokerProperties = {"log.cleaner.backoff.ms=100"})
class ConcurrencyIT {
    private static final Logger log = LoggerFactory.getLogger(ConcurrencyIT.class);
    private static final int ACCOUNTS = 200;
    private static final int COMMANDS = 20_000;
    private static final int THREADS_PER_GATEWAY = 8;

    @Test
    void concurrentWritersNeverOverdrawAndEveryAcceptedCommandCountsExactlyOnce(EmbeddedKafkaCluster kafka, @TempDir Path dir)
            throws Exception {
        MyelinConfig config = BankApp.config(kafka, BankApp.newApplicationName()).partitions(4).build();
        try (EventStore<AccountState, SpecificRecord, SpecificRecord> store = BankApp.start(config, dir);
             CommandGateway<SpecificRecord, SpecificRecord> second = BankApp.gateway(config)) {
            List<CommandGateway<SpecificRecord, SpecificRecord>> gateways = List.of(store.gateway(), second);
            Map<String, Long> versions = new ConcurrentHashMap<>();
            List<java.util.concurrent.CompletableFuture<CommandResult<SpecificRecord>>> opens = new ArrayList<>();
            for (int a = 0; a < ACCOUNTS; a++) {
                opens.add(store.gateway().send(account(a), new OpenAccount("owner-" + a)));
            }
            for (int a = 0; a < ACCOUNTS; a++) {
                assertThat(join(opens.get(a))).isInstanceOf(CommandResult.Accepted.class);
                versions.put(account(a), 1L);
            }

            Map<String, Long> accepted = new ConcurrentHashMap<>();   // command id -> signed amount
            Set<String> rejected = ConcurrentHashMap.newKeySet();
            AtomicLong conflicts = new AtomicLong();
            int threads = THREADS_PER_GATEWAY * gateways.size();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            long started = System.nanoTime();
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                CommandGateway<SpecificRecord, SpecificRecord> gateway = gateways.get(t % gateways.size());
                int thread = t;
                workers.add(pool.submit(() -> {
                    SplittableRandom random = new SplittableRandom(thread);
                    for (int i = 0; i < COMMANDS / threads; i++) {
                        String accountId = account(random.nextInt(ACCOUNTS));
                        long amount = 1 + random.nextInt(100);
                        boolean deposit = random.nextInt(100) < 55;
                        SpecificRecord command = deposit ? new Deposit(amount) : new Withdraw(amount);
                        String commandId = "t" + thread + "-" + i;
                        while (true) {
                            long expected = versions.get(accountId);
                            CommandResult<SpecificRecord> result = join(gateway.send(accountId, command,
                                    SendOptions.expectingVersion(expected).withCommandId(commandId)));
                            if (result instanceof CommandResult.Conflict<SpecificRecord> conflict) {
                                conflicts.incrementAndGet();
                                versions.merge(accountId, conflict.actual(), Math::max);
                                continue;
                            }
                            if (result instanceof CommandResult.Accepted<SpecificRecord> ok) {
                                versions.merge(accountId, ok.newVersion(), Math::max);
                                accepted.put(commandId, deposit ? amount : -amount);
                            } else {
                                rejected.add(commandId);
                            }
                            break;
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(10, TimeUnit.MINUTES);
            }
            pool.shutdown();
            log.info("{} commands in {} ms: {} accepted, {} rejected, {} conflicts retried", COMMANDS,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), accepted.size(), rejected.size(), conflicts.get());

            assertThat(accepted.size() + rejected.size()).isEqualTo(COMMANDS);
            assertThat(rejected).as("some withdrawals must have been refused, or the overdraft rule was never tested").isNotEmpty();

            long balances = 0;
            for (int a = 0; a < ACCOUNTS; a++) {
                String accountId = account(a);
                AggregateState<AccountState> state = store.state(accountId).orElseThrow();
                List<RecordedEvent<SpecificRecord>> history = store.history(accountId);
                AccountState folded = Account.TYPE.initialState();
                for (RecordedEvent<SpecificRecord> event : history) {
                    folded = Account.TYPE.evolve(folded, event.event());
                    assertThat(folded.getBalance()).as("balance of %s after event %s", accountId, event.sequence()).isNotNegative();
                }
                assertThat(state.state()).isEqualTo(folded);
                assertThat(state.version()).isEqualTo(history.size());
                assertThat(history).extracting(RecordedEvent::sequence)
                        .containsExactly(java.util.stream.LongStream.rangeClosed(1, history.size()).boxed().toArray(Long[]::new));
                balances += state.state().getBalance();
            }
            assertThat(balances).isEqualTo(accepted.values().stream().mapToLong(Long::longValue).sum());

            Map<String, Integer> eventsPerCommand = new HashMap<>();
            long amountOnTopic = 0;
            List<ConsumerRecord<String, byte[]>> events = kafka.readAll(store.topics().events(), new StringDeserializer(),
                    new ByteArrayDeserializer());
            for (ConsumerRecord<String, byte[]> record : events) {
                eventsPerCommand.merge(EventMetadata.readFrom(record.headers()).commandId(), 1, Integer::sum);
                SpecificRecord event = BankApp.AVRO.deserializer().deserialize(store.topics().events(), record.value());
                amountOnTopic += event instanceof Deposited d ? d.getAmount() : event instanceof Withdrawn w ? -w.getAmount() : 0;
            }
            for (String commandId : accepted.keySet()) {
                assertThat(eventsPerCommand.get(commandId)).as("events of accepted command %s", commandId).isEqualTo(1);
            }
            for (String commandId : rejected) {
                assertThat(eventsPerCommand).as("events of rejected command %s", commandId).doesNotContainKey(commandId);
            }
            assertThat(events).hasSize(ACCOUNTS + accepted.size());
            assertThat(amountOnTopic).isEqualTo(balances);
        }
    }

    private static String account(int index) {
        return "acc-" + index;
    }
}
