package dev.myelin.eventstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.api.Test;

class AggregatePartitionerTest {

    @Test
    void anEventGoesToThePartitionTheDefaultPartitionerGivesItsAggregatesCommands() {
        AggregatePartitioner partitioner = new AggregatePartitioner();
        for (int partitions : new int[] {1, 3, 6, 12}) {
            for (int i = 0; i < 2_000; i++) {
                String aggregateId = "acc-" + i + (i % 7 == 0 ? "@weird@id" : "");
                int commandPartition = BuiltInPartitioner.partitionForKey(aggregateId.getBytes(StandardCharsets.UTF_8), partitions);
                assertThat(partitioner.partitions("t", AggregatePartitioner.eventKey(aggregateId, i + 1L), new byte[0], partitions))
                        .hasValue(java.util.Set.of(commandPartition));
            }
        }
    }
}
