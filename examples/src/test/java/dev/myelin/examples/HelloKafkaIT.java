package dev.myelin.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.myelin.embedded.EmbeddedKafkaCluster;

class HelloKafkaIT {

    @Test
    void writesOneRecordTransactionallyAndReadsItBack() throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        HelloKafka.run(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        String output = buffer.toString(StandardCharsets.UTF_8);

        assertThat(output)
                .contains("Started a real Kafka " + EmbeddedKafkaCluster.kafkaVersion() + " broker")
                .contains("Wrote 'Hello, Myelin' in a committed transaction to partition 0 at offset 0")
                .contains("Read back (read_committed): key=greeting-1@1 value='Hello, Myelin' offset=0")
                .contains("Stopped the broker");
    }
}
