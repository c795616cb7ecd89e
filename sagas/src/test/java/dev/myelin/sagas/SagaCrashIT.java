package dev.myelin.sagas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.sagas.shop.AddStock;
import dev.myelin.sagas.shop.CustomerState;
import dev.myelin.sagas.shop.OpenCustomer;
import dev.myelin.sagas.shop.OrderState;
import dev.myelin.sagas.shop.PlaceOrder;
import dev.myelin.sagas.shop.Shop;
import dev.myelin.sagas.shop.StockState;

/**
 * Kills the saga runtime's JVM with SIGKILL three times in one run, each time after a random number of
 * sagas have ended, and starts it again on the same state directory: every saga still ends exactly
 * once (one final transition on the read_committed log), and no participant applied a saga's command
 * twice (each aggregate's version counts exactly the events the sagas that ended should have caused).
 *
 * <p>The kill moments come from a seed that is logged; {@code -Dmyelin.crash.seed=<seed>} replays them.
 */
@MyelinKafka(brokers = 1, shared = true)
class SagaCrashIT {
    private static final Logger log = LoggerFactory.getLogger(SagaCrashIT.class);
    private static final Serde<SpecificRecord> SERDE = Shop.singleObject();
    private static final int KILLS = 3;
    /** 40 orders a second: a batch takes 3.75 s to place, longer than a look at the saga log takes, so a kill finds sagas in flight. */
    private static final Duration ORDER_PACE = Duration.ofMillis(25);

    static MyelinConfig config(String bootstrapServers, String application) {
        return MyelinConfig.builder(application).bootstrapServers(bootstrapServers).singleBrokerDevMode().partitions(2)
                .property("commit.interval.ms", 20)
                // a killed member must leave the group quickly for the restarted one to take over its tasks
                .property("session.timeout.ms", 6_000)
                .property("heartbeat.interval.ms", 1_000)
                .build();
    }

    @Test
    void killingTheRuntimeThreeTimesMidRunLosesNoSagaAndAppliesNoCommandTwice(EmbeddedKafkaCluster kafka, @TempDir Path dir) throws Exception {
        MyelinConfig config = config(kafka.bootstrapServers(), "crash-" + Long.toString(System.nanoTime() % 1_000_000, 36));
        long seed = Long.getLong("myelin.crash.seed", System.nanoTime());
        Random random = new Random(seed);
        log.info("kill moments drawn with seed {} (replay with -Dmyelin.crash.seed={})", seed, seed);
        int orders = 600;
        List<Process> runtimes = new ArrayList<>();
        ExecutorService placer = Executors.newSingleThreadExecutor();
        try (EventStore<CustomerState, SpecificRecord, SpecificRecord> customers = start(Shop.CUSTOMER, config, dir.resolve("customer"));
             EventStore<StockState, SpecificRecord, SpecificRecord> stock = start(Shop.STOCK, config, dir.resolve("stock"));
             EventStore<OrderState, SpecificRecord, SpecificRecord> orderStore = start(Shop.ORDER, config, dir.resolve("order"))) {
            Await.join(customers.gateway().send("c-rich", new OpenCustomer(1_000_000_000L)));
            Await.join(stock.gateway().send("sku-plenty", new AddStock(1_000_000)));

            Path sagaState = dir.resolve("saga");
            runtimes.add(startRuntime(kafka, config, sagaState, dir.resolve("runtime-0.out")));
            try {
                List<CompletableFuture<CommandResult<SpecificRecord>>> placed = Collections.synchronizedList(new ArrayList<>());
                Set<String> failAtStock = ConcurrentHashMap.newKeySet();
                // Orders come in KILLS + 1 batches, each placed at a steady pace, the next one only after the runtime
                // was restarted. On an idle machine a runtime clears hundreds of sagas a second: with every order placed
                // at once, the restarted runtime could finish them all before the next kill, and a kill would find no
                // saga in flight. Paced, a kill lands while orders of its batch are still coming in.
                int stretch = orders / (KILLS + 1);
                List<Future<?>> batches = new ArrayList<>();
                BiConsumer<Integer, Integer> placeOrders = (from, to) -> batches.add(placer.submit(() -> {
                    for (int i = from; i < to; i++) {
                        String orderId = "o-" + i;
                        String sku = i % 5 == 0 ? "sku-none" : "sku-plenty";
                        if (i % 5 == 0) {
                            failAtStock.add(orderId);
                        }
                        placed.add(orderStore.gateway().send(orderId, new PlaceOrder(orderId, "c-rich", sku, 1, 10L)));
                        LockSupport.parkNanos(ORDER_PACE.toNanos()); // load shaping, not a wait for Kafka
                    }
                }));
                // the first runtime's first rebalance takes longer than a batch: one order shows when it serves
                placeOrders.accept(0, 1);
                Await.until(Duration.ofSeconds(120), "the first saga has ended", () -> finals(kafka, config).size() >= 1);
                placeOrders.accept(1, stretch);

                int endedAtPreviousKill = 0;
                for (int kill = 1; kill <= KILLS; kill++) {
                    // the random moment: a number of ended sagas in the middle half of the kill-th batch, so that each kill
                    // has sagas ended before it, and (with the later batches not yet placed) sagas left after it; and at
                    // least one more than at the previous kill, so that every life of the runtime makes progress
                    int target = Math.max(endedAtPreviousKill + 1, kill * stretch - stretch / 4 - random.nextInt(stretch / 2));
                    Process runtime = runtimes.get(runtimes.size() - 1);
                    Await.until(Duration.ofSeconds(120), target + " sagas have ended before kill " + kill,
                            () -> finals(kafka, config).size() >= target);
                    long killedAt = System.nanoTime();
                    runtime.destroyForcibly(); // SIGKILL: no shutdown hook, no clean close, an open transaction left behind
                    assertThat(runtime.waitFor(30, TimeUnit.SECONDS)).as("killed runtime %s ended", runtime.pid()).isTrue();
                    assertThat(runtime.exitValue()).as("exit status of a SIGKILLed JVM (128 + 9)").isEqualTo(137);

                    Map<String, List<String>> atKill = transitions(kafka, config);
                    int started = (int) atKill.values().stream().filter(t -> t.contains("STARTED")).count();
                    int ended = finalsOf(atKill).size();
                    assertThat(ended).as("kill %d: sagas ended since the previous kill", kill).isGreaterThan(endedAtPreviousKill);
                    assertThat(ended).as("kill %d came mid-run: sagas remained", kill).isLessThan(orders);
                    endedAtPreviousKill = ended;

                    runtimes.add(startRuntime(kafka, config, sagaState, dir.resolve("runtime-" + kill + ".out")));
                    placeOrders.accept(kill * stretch, (kill + 1) * stretch);
                    long runningMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
                    Await.until(Duration.ofSeconds(120), "a saga ended after restart " + kill,
                            () -> finals(kafka, config).size() > ended);
                    log.info("kill {} with {} of {} sagas ended (target {}): {} in flight (started, not ended), {} not yet started; "
                                    + "restarted JVM running {} ms after the kill, the next saga ended {} ms after it",
                            kill, ended, orders, target, started - ended, orders - started, runningMillis,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
                }

                for (Future<?> batch : batches) {
                    batch.get(2, TimeUnit.MINUTES);
                }
                placed.forEach(f -> assertThat(Await.join(f)).isInstanceOf(CommandResult.Accepted.class));
                Await.until(Duration.ofSeconds(120), "every saga has ended after the last restart",
                        () -> finals(kafka, config).size() >= orders);

                Map<String, List<String>> finals = finals(kafka, config);
                assertThat(finals).hasSize(orders);
                finals.forEach((sagaId, transitions) -> assertThat(transitions).as("final transitions of %s", sagaId)
                        .containsExactly(failAtStock.contains(sagaId) ? "COMPENSATED" : "COMPLETED"));

                // exactly once on the saga's side: every command it committed, it committed once, although each kill
                // aborted a transaction and the restarted runtime redid its inputs (the aggregates' own idempotence
                // would hide duplicates, so the commands topic itself is counted, read committed)
                Map<String, Integer> sends = new HashMap<>();
                for (ConsumerRecord<String, byte[]> command : kafka.readAll(AggregateTopics.of(config.application(), "customer").commands(),
                        new StringDeserializer(), new ByteArrayDeserializer())) {
                    Header id = command.headers().lastHeader(CommandHeaders.COMMAND_ID);
                    if (id != null) {
                        sends.merge(new String(id.value(), StandardCharsets.UTF_8), 1, Integer::sum);
                    }
                }
                sends.keySet().removeIf(id -> !id.startsWith("saga:"));
                assertThat(sends).as("customer commands per command id").hasSize(orders + failAtStock.size());
                assertThat(sends.values()).as("times each customer command was committed").containsOnly(1);

                int completed = orders - failAtStock.size();
                CustomerState rich = customers.state("c-rich").orElseThrow().state();
                assertThat(rich.getReserved()).isEqualTo(10L * completed);
                assertThat(customers.state("c-rich").orElseThrow().version())
                        .as("opened + one reservation per order + one release per order that failed at stock: nothing applied twice")
                        .isEqualTo(1 + orders + failAtStock.size());
                assertThat(stock.state("sku-plenty").orElseThrow().version())
                        .as("stock added + one reservation per completed order").isEqualTo(1 + completed);
            } finally {
                placer.shutdownNow();
                Process last = runtimes.get(runtimes.size() - 1);
                last.destroy(); // the last one stops politely, its shutdown hook closing the runtime
                last.waitFor(30, TimeUnit.SECONDS);
                for (Process runtime : runtimes) {
                    runtime.destroyForcibly();
                }
            }
        }
    }

    /** Returns each saga's transitions on the log, read committed, in order. */
    private static Map<String, List<String>> transitions(EmbeddedKafkaCluster kafka, MyelinConfig config) {
        Map<String, List<String>> transitions = new HashMap<>();
        for (ConsumerRecord<String, byte[]> entry : kafka.readAll(SagaTopics.of(config.application(), "place-order").log(),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            String transition = new String(entry.headers().lastHeader("myelin.saga.transition").value(), StandardCharsets.UTF_8);
            transitions.computeIfAbsent(entry.key(), k -> new ArrayList<>()).add(transition);
        }
        return transitions;
    }

    /** Returns each saga's final transitions on the log, read committed. */
    private static Map<String, List<String>> finals(EmbeddedKafkaCluster kafka, MyelinConfig config) {
        return finalsOf(transitions(kafka, config));
    }

    /** Keeps the final transitions of the sagas that have one. */
    private static Map<String, List<String>> finalsOf(Map<String, List<String>> transitions) {
        Map<String, List<String>> finals = new HashMap<>();
        transitions.forEach((sagaId, all) -> all.stream()
                .filter(t -> t.equals("COMPLETED") || t.equals("COMPENSATED") || t.equals("FAILED"))
                .forEach(t -> finals.computeIfAbsent(sagaId, k -> new ArrayList<>()).add(t)));
        return finals;
    }

    private static Process startRuntime(EmbeddedKafkaCluster kafka, MyelinConfig config, Path stateDir, Path output) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                SagaRuntimeMain.class.getName(), kafka.bootstrapServers(), config.application(), stateDir.toString())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        Await.until(Duration.ofSeconds(60), "the saga runtime process runs (output in " + output + ")", () -> {
            if (!process.isAlive()) {
                throw new AssertionError("the saga runtime process exited with " + process.exitValue() + ": " + read(output));
            }
            return read(output).contains("RUNNING");
        });
        return process;
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static <S> EventStore<S, SpecificRecord, SpecificRecord> start(AggregateType<S, SpecificRecord, SpecificRecord> type,
                                                                           MyelinConfig config, Path dir) {
        return EventStore.builder(type, config).commandSerde(SERDE).eventSerde(SERDE).stateDirectory(dir).start();
    }
}
