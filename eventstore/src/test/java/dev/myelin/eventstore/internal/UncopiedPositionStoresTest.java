package dev.myelin.eventstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.internals.WithRetentionPeriod;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * The stores that skip the position copy on each put must stay Kafka's stores in all else: they
 * read back what was put, and when offset-vector consistency is on their changelog records still
 * carry the position, as Kafka's own stores' do.
 */
class UncopiedPositionStoresTest {

    @Test
    void storesReadBackWhatWasPutAndTheirChangelogCarriesNoPositionWhileConsistencyIsOff() {
        try (TopologyTestDriver driver = new TopologyTestDriver(topology(), config(false))) {
            send(driver, "k1", "v1");

            assertThat(stored(driver)).containsExactly("v1", "v1");
            for (TestRecord<String, String> change : changes(driver)) {
                assertThat(change.headers().toArray()).isEmpty();
            }
        }
    }

    @Test
    void withConsistencyOnTheChangelogCarriesThePositionLikeKafkasOwnStores() {
        try (TopologyTestDriver driver = new TopologyTestDriver(topology(), config(true))) {
            send(driver, "k1", "v1");

            assertThat(stored(driver)).containsExactly("v1", "v1");
            List<TestRecord<String, String>> changes = changes(driver);
            assertThat(changes).hasSize(2);
            for (TestRecord<String, String> change : changes) {
                // the position names the input partition the store has seen; an empty position would not
                Header position = change.headers().lastHeader("c");
                assertThat(position).as("the position header").isNotNull();
                assertThat(new String(position.value(), StandardCharsets.ISO_8859_1)).contains("commands-in");
            }
        }
    }

    @Test
    void theWindowStoreTellsKafkaItsRetentionSoARestoreSkipsExpiredData() {
        WindowStore<Bytes, byte[]> store = UncopiedPositionStores.persistentWindowStore("windows", Duration.ofHours(2),
                Duration.ofMillis(1), false).get();

        // what Kafka's changelog reader asks before a restore; -1 made it read the whole changelog
        assertThat(WithRetentionPeriod.resolveRetentionPeriod(store)).isEqualTo(Duration.ofHours(2).toMillis());
    }

    private static Topology topology() {
        Topology topology = new Topology();
        topology.addSource("in", new StringDeserializer(), new StringDeserializer(), "commands-in");
        topology.addProcessor("put", () -> new Processor<String, String, Void, Void>() {
            private KeyValueStore<Bytes, byte[]> values;
            private WindowStore<Bytes, byte[]> windows;

            @Override
            public void init(ProcessorContext<Void, Void> context) {
                values = context.getStateStore("values");
                windows = context.getStateStore("windows");
            }

            @Override
            public void process(Record<String, String> record) {
                values.put(Bytes.wrap(record.key().getBytes()), record.value().getBytes());
                windows.put(Bytes.wrap(record.key().getBytes()), record.value().getBytes(), record.timestamp());
            }
        }, "in");
        topology.addStateStore(Stores.keyValueStoreBuilder(UncopiedPositionStores.persistentKeyValueStore("values"),
                Serdes.Bytes(), Serdes.ByteArray()), "put");
        topology.addStateStore(Stores.windowStoreBuilder(UncopiedPositionStores.persistentWindowStore("windows",
                Duration.ofHours(1), Duration.ofMillis(1), false), Serdes.Bytes(), Serdes.ByteArray()), "put");
        return topology;
    }

    private static Properties config(boolean consistency) {
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "uncopied");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        config.put(StreamsConfig.InternalConfig.IQ_CONSISTENCY_OFFSET_VECTOR_ENABLED, consistency);
        return config;
    }

    private static void send(TopologyTestDriver driver, String key, String value) {
        TestInputTopic<String, String> in = driver.createInputTopic("commands-in", new StringSerializer(), new StringSerializer());
        in.pipeInput(key, value, 1_000L);
    }

    private static List<String> stored(TopologyTestDriver driver) {
        KeyValueStore<Bytes, byte[]> values = driver.getKeyValueStore("values");
        WindowStore<Bytes, byte[]> windows = driver.getWindowStore("windows");
        Bytes key = Bytes.wrap("k1".getBytes());
        return List.of(new String(values.get(key)), new String(windows.fetch(key, 1_000L)));
    }

    private static List<TestRecord<String, String>> changes(TopologyTestDriver driver) {
        List<TestRecord<String, String>> changes = new ArrayList<>();
        for (String store : List.of("values", "windows")) {
            changes.addAll(driver.createOutputTopic("uncopied-" + store + "-changelog", new StringDeserializer(), new StringDeserializer())
                    .readRecordsToList());
        }
        return changes;
    }
}
