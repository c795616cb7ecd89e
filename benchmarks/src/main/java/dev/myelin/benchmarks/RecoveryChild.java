package dev.myelin.benchmarks;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsConfig;

import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.EventSource;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.examples.bank.Account;
import dev.myelin.examples.bank.AccountBalance;
import dev.myelin.examples.bank.AccountOpened;
import dev.myelin.examples.bank.AccountState;
import dev.myelin.examples.bank.Bank;
import dev.myelin.examples.bank.Deposit;
import dev.myelin.examples.bank.Deposited;
import dev.myelin.examples.bank.OpenAccount;
import dev.myelin.examples.bank.Withdraw;
import dev.myelin.examples.bank.Withdrawn;
import dev.myelin.processors.ProjectionConfig;
import dev.myelin.processors.RunningProjection;
import dev.myelin.schemas.AvroSerdes;
import dev.myelin.schemas.InMemorySchemaRegistry;

/**
 * The bank's command processor or its balance projection as its own process, for the recovery
 * benchmark to SIGKILL and start again on the same state directory. Prints {@value #RUNNING} with the
 * wall-clock millisecond it reached RUNNING, then every 100 ms the records its restore consumers have
 * read since the JVM started, as {@value #RESTORED}.
 *
 * <pre>
 * RecoveryChild processor  BOOTSTRAP APPLICATION STATE_DIR INSTANCE_ID STANDBYS SESSION_TIMEOUT_MS HEARTBEAT_MS TRANSACTIONAL_STORES
 *                          WRITE_BUFFER_BYTES GROUP_PROTOCOL
 * RecoveryChild projection BOOTSTRAP APPLICATION STATE_DIR INSTANCE_ID TRANSACTIONAL_STORES WRITE_BUFFER_BYTES GROUP_PROTOCOL
 * </pre>
 *
 * <p>A {@code WRITE_BUFFER_BYTES} of 0 leaves Myelin's default.
 * <pre>
 * </pre>
 */
public final class RecoveryChild {

    static final String RUNNING = "RECOVERY-RUNNING";
    static final String RESTORED = "RECOVERY-RESTORED";
    static final String CAUGHT_UP = "RECOVERY-CAUGHT-UP";
    static final String APPLICATION_ID = "RECOVERY-APPLICATION-ID";
    static final int PARTITIONS = 4;

    private RecoveryChild() {
    }

    /**
     * Runs the processor or the projection until the process ends.
     *
     * @param args see the class comment
     */
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "processor" -> processor(args[1], args[2], Path.of(args[3]), args[4], Integer.parseInt(args[5]),
                    Integer.parseInt(args[6]), Integer.parseInt(args[7]), Boolean.parseBoolean(args[8]),
                    tuning(Long.parseLong(args[9]), args[10]));
            case "projection" -> projection(args[1], args[2], Path.of(args[3]), args[4], Boolean.parseBoolean(args[5]),
                    tuning(Long.parseLong(args[6]), args[7]));
            default -> throw new IllegalArgumentException("the first argument must be processor or projection, not " + args[0]);
        }
    }

    private static void processor(String bootstrap, String application, Path stateDir, String instanceId, int standbys,
                                  int sessionTimeoutMs, int heartbeatMs, boolean transactionalStores, Map<String, Object> tuning)
            throws InterruptedException {
        MyelinConfig.Builder config = config(bootstrap, application)
                // static membership, as a supervisor that restarts the same instance would use: the new process
                // takes the killed one's place at once instead of waiting out its session timeout
                .property("group.instance.id", instanceId)
                .property(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, standbys)
                .property("session.timeout.ms", sessionTimeoutMs)
                .property("heartbeat.interval.ms", heartbeatMs);
        transactionalStores(transactionalStores).forEach(setting -> config.property(setting[0], setting[1]));
        tuning.forEach(config::property);
        Serde<SpecificRecord> avro = avro();
        startReporter();
        EventStore<AccountState, SpecificRecord, SpecificRecord> store = EventStore.builder(Account.TYPE, config.build())
                .commandSerde(avro).eventSerde(avro).stateDirectory(stateDir).start();
        Runtime.getRuntime().addShutdownHook(new Thread(store::close, "close-event-store"));
        announce(RUNNING + " " + System.currentTimeMillis());
        new CountDownLatch(1).await();
    }

    private static void projection(String bootstrap, String application, Path stateDir, String instanceId,
                                   boolean transactionalStores, Map<String, Object> tuning) throws InterruptedException {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        Serde<SpecificRecord> avro = avro(registry);
        Serde<AccountBalance> views = AvroSerdes.specific(AccountBalance.class, registry);
        // the restarted process reads views the killed one wrote: their schema must get the same id here
        views.serializer().serialize("warm-up", new AccountBalance("warm-up", 0L, 0));
        ProjectionConfig.Builder config = ProjectionConfig.builder()
                .bootstrapServers(bootstrap)
                .application(application)
                .property(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString())
                .property("group.instance.id", instanceId);
        transactionalStores(transactionalStores).forEach(setting -> config.property(setting[0], setting[1]));
        tuning.forEach(config::property);
        RunningProjection<String, AccountBalance> running = RunningProjection.start(Bank.balances(EventSource.of(AggregateTopics.of(application, "account"), avro), views),
                config.build());
        Runtime.getRuntime().addShutdownHook(new Thread(running::close, "close-projection"));
        announce(APPLICATION_ID + " " + running.applicationId());
        startReporter();
        running.awaitRunning(Duration.ofMinutes(20));
        announce(RUNNING + " " + System.currentTimeMillis());
        awaitFolded(bootstrap, AggregateTopics.of(application, "account").events(), running.applicationId());
        announce(CAUGHT_UP + " " + System.currentTimeMillis());
        new CountDownLatch(1).await();
    }

    /**
     * Waits until the projection's committed offsets reach the events topic's end as it is now:
     * every event written before this call is folded, with the benchmark's own admin client (the
     * same rule as RunningProjection.awaitCaughtUp, kept here so the child reports the moment itself).
     */
    private static void awaitFolded(String bootstrap, String topic, String group) throws InterruptedException {
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                ends.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            Map<TopicPartition, Long> targets = new HashMap<>();
            admin.listOffsets(ends).all().get(1, TimeUnit.MINUTES).forEach((partition, info) -> targets.put(partition, info.offset()));
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                        .get(1, TimeUnit.MINUTES);
                if (targets.entrySet().stream().allMatch(target -> committed.get(target.getKey()) != null
                        && committed.get(target.getKey()).offset() >= target.getValue())) {
                    return;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the offsets of " + topic + " and " + group + ": " + e.getMessage(), e);
        }
    }

    /** The bank application as the benchmark runs it: one embedded broker, four partitions. */
    static MyelinConfig.Builder config(String bootstrap, String application) {
        return MyelinConfig.builder(application).bootstrapServers(bootstrap).singleBrokerDevMode().partitions(PARTITIONS);
    }

    /** The write buffer size (0: Myelin's default) and the group protocol, as properties every runtime takes. */
    private static Map<String, Object> tuning(long writeBufferBytes, String groupProtocol) {
        Map<String, Object> tuning = new HashMap<>();
        if (writeBufferBytes > 0) {
            tuning.put(MyelinConfig.ROCKSDB_WRITE_BUFFER_BYTES, writeBufferBytes);
        }
        tuning.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, groupProtocol);
        return tuning;
    }

    /**
     * Kafka 4.4's transactional state stores (KIP-892) with interactive queries reading committed
     * data only, as Myelin is to set by default on 4.4.
     */
    static List<String[]> transactionalStores(boolean on) {
        return on ? List.of(new String[] {"enable.transactional.statestores", "true"},
                new String[] {"default.interactive.query.isolation.level", "READ_COMMITTED"}) : List.of();
    }

    /**
     * Returns the bank serde over a fresh in-memory registry into which every bank schema has been
     * registered in one fixed order, so the benchmark and its child JVMs agree on the ids.
     */
    static Serde<SpecificRecord> avro() {
        return avro(new InMemorySchemaRegistry());
    }

    private static Serde<SpecificRecord> avro(InMemorySchemaRegistry registry) {
        Serde<SpecificRecord> serde = Bank.avro(registry);
        for (SpecificRecord record : List.<SpecificRecord>of(new OpenAccount("warm-up"), new Deposit(1L), new Withdraw(1L),
                new AccountOpened("warm-up"), new Deposited(1L), new Withdrawn(1L))) {
            serde.serializer().serialize("warm-up", record);
        }
        return serde;
    }

    /** Prints how many records the restore consumers have read whenever it changes, until the process ends. */
    private static void startReporter() {
        Thread reporter = new Thread(() -> {
            long reported = -1;
            while (!Thread.currentThread().isInterrupted()) {
                long restored = restoredRecords();
                if (restored != reported) {
                    announce(RESTORED + " " + restored);
                    reported = restored;
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
        }, "report-restored");
        reporter.setDaemon(true);
        reporter.start();
    }

    /**
     * Counts the records Kafka Streams' restore consumers have read (active restoration and standby
     * updates alike) from the consumers' own metric: the event store starts its Kafka Streams
     * instance itself and offers no hook for a {@code StateRestoreListener}, and the metric counts
     * the same records.
     */
    static long restoredRecords() {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        long total = 0;
        try {
            for (ObjectName name : server.queryNames(new ObjectName("kafka.consumer:type=consumer-fetch-manager-metrics,client-id=*"), null)) {
                if (name.getKeyProperty("client-id").endsWith("-restore-consumer")) {
                    Object value = server.getAttribute(name, "records-consumed-total");
                    total += ((Number) value).longValue();
                }
            }
        } catch (JMException e) {
            throw new IllegalStateException("cannot read the restore consumers' metrics: " + e.getMessage(), e);
        }
        return total;
    }

    private static void announce(String line) {
        System.out.println(line);
        System.out.flush();
    }

}
