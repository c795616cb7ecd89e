package dev.myelin.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.EmbeddedSchemaRegistry;

/**
 * A production-like cluster for running the shop demo (or anything else) against by hand: three
 * brokers in child JVMs (replication 3, {@code min.insync.replicas} 2, Kafka's broker defaults)
 * and a schema registry, until a stop file appears. Then it counts the brokers' ERROR lines naming
 * {@code OutOfOrderSequenceException}, keeps a copy of their logs and stops everything.
 *
 * <pre>
 * java -cp ... dev.myelin.benchmarks.ThreeBrokerCluster DIR [broker.property=value ...]
 * </pre>
 *
 * <p>It writes {@code DIR/cluster.properties} ({@code bootstrap.servers}, {@code registry.url}) once
 * everything serves, and stops when {@code DIR/stop} exists, leaving the brokers' logs in
 * {@code DIR/node-N.log} and the count in {@code DIR/summary.txt}.
 *
 * <p>How issue 17's OutOfOrderSequenceException / CONCURRENT_TRANSACTIONS finding was measured: this
 * class from the benchmarks' test class path, then the shop demo against it with a log configuration
 * that shows the producer's {@code Sender} warnings (the demo's own silences them), counting
 * {@code Error: CONCURRENT_TRANSACTIONS} lines in the demo's output and the count above; once with
 * Kafka's broker defaults, once with {@code add.partitions.to.txn.retry.backoff.max.ms=5000}.
 */
public final class ThreeBrokerCluster {

    private ThreeBrokerCluster() {
    }

    /**
     * Runs the cluster.
     *
     * @param args the folder for its files, then broker properties as {@code name=value}
     */
    public static void main(String[] args) throws Exception {
        Path dir = Files.createDirectories(Path.of(args[0]));
        EmbeddedKafkaCluster.Builder builder = EmbeddedKafkaCluster.builder().brokers(3).inChildProcesses();
        List<String> overrides = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String[] property = args[i].split("=", 2);
            builder.brokerProperty(property[0], property[1]);
            overrides.add(args[i]);
        }
        try (EmbeddedKafkaCluster kafka = builder.start(); EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start()) {
            Files.writeString(dir.resolve("cluster.properties"), "bootstrap.servers=" + kafka.bootstrapServers()
                    + "\nregistry.url=" + registry.url() + "\nbroker.overrides=" + String.join(" ", overrides) + "\n");
            System.out.println("3 brokers at " + kafka.bootstrapServers() + ", registry at " + registry.url() + "; touch " + dir.resolve("stop"));
            Path stop = dir.resolve("stop");
            while (!Files.exists(stop)) {
                TimeUnit.MILLISECONDS.sleep(200); // a hand-run tool waiting for its operator, not a test waiting for Kafka
            }
            long errors = Benchmarks.errorLines(kafka, Benchmarks.OUT_OF_ORDER_SEQUENCE);
            for (int broker : kafka.brokerIds()) {
                Files.copy(kafka.brokerLog(broker).orElseThrow(), dir.resolve("node-" + broker + ".log"), StandardCopyOption.REPLACE_EXISTING);
            }
            String summary = "broker ERROR lines with " + Benchmarks.OUT_OF_ORDER_SEQUENCE + ": " + errors + "\n";
            Files.writeString(dir.resolve("summary.txt"), summary);
            System.out.print(summary);
        }
    }
}
