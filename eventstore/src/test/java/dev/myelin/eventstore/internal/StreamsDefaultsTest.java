package dev.myelin.eventstore.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import dev.myelin.eventstore.MyelinConfig;

class StreamsDefaultsTest {

    static {
        RocksDB.loadLibrary();
    }

    @Test
    void myelinsRocksDBSetterIsTheDefaultAndSetsFourMiBWriteBuffers() {
        Map<String, Object> properties = new HashMap<>();
        StreamsDefaults.applyTo(properties);
        assertThat(properties).containsEntry(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedReplayRocksDB.class)
                .containsEntry(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, true);
        try (Options options = new Options()) {
            new BoundedReplayRocksDB().setConfig("store", options, properties);
            assertThat(options.writeBufferSize()).isEqualTo(4L * 1024 * 1024);
        }
    }

    @Test
    void theProcessingExceptionHandlerCoversGlobalStoresAlsoWhereTheAssignorReadsItSoKafkaStreamsHasNothingToWarnAbout() {
        Map<String, Object> properties = new HashMap<>();
        StreamsDefaults.applyTo(properties);

        assertThat(properties).containsEntry("processing.exception.handler.global.enabled", true)
                .containsEntry("main.consumer.processing.exception.handler.global.enabled", true);
        Map<String, Object> own = new HashMap<>(Map.of("processing.exception.handler.global.enabled", false));
        StreamsDefaults.applyTo(own);
        assertThat(own).containsEntry("processing.exception.handler.global.enabled", false);
    }

    @Test
    void theWriteBufferKeySetsTheSize() {
        Map<String, Object> properties = new HashMap<>(Map.of(MyelinConfig.ROCKSDB_WRITE_BUFFER_BYTES, 65_536L));
        StreamsDefaults.applyTo(properties);
        try (Options options = new Options()) {
            new BoundedReplayRocksDB().setConfig("store", options, properties);
            assertThat(options.writeBufferSize()).isEqualTo(65_536L);
        }
    }

    @Test
    void aUsersOwnSetterStays() {
        Map<String, Object> properties = new HashMap<>(Map.of(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, "com.example.MySetter"));
        StreamsDefaults.applyTo(properties);
        assertThat(properties).containsEntry(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, "com.example.MySetter");
    }

    @Test
    void aWriteBufferBelowRocksDBsSmallestIsRefusedAtStartAndInTheConfig() {
        assertThatThrownBy(() -> StreamsDefaults.applyTo(new HashMap<>(Map.of(MyelinConfig.ROCKSDB_WRITE_BUFFER_BYTES, "1000"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 65536");
        assertThatThrownBy(() -> MyelinConfig.builder("app").property(MyelinConfig.ROCKSDB_WRITE_BUFFER_BYTES, 1000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 65536");
        MyelinConfig config = MyelinConfig.builder("app").bootstrapServers("localhost:9092")
                .property(MyelinConfig.ROCKSDB_WRITE_BUFFER_BYTES, "2097152").build();
        assertThat(config.properties()).containsEntry(MyelinConfig.ROCKSDB_WRITE_BUFFER_BYTES, 2_097_152L);
    }
}
