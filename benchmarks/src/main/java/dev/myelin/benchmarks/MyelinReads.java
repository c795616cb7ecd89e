package dev.myelin.benchmarks;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.eventstore.AggregateState;
import dev.myelin.eventstore.EventStore;
import dev.myelin.examples.bank.AccountState;

/**
 * Aggregate reads: {@link EventStore#state} for a short and a long history (they should cost the
 * same, as the state is kept, not replayed), and {@link EventStore#history} of one aggregate
 * compared with what it saves, scanning its partition of the events topic with a consumer.
 */
final class MyelinReads {

    /** Partition scans are slow and steady: a few are enough for a median. */
    private static final int SCANS = 5;
    private static final int SHALLOW_EVENTS = 10;

    private MyelinReads() {
    }

    /**
     * Opens {@code aggregates} accounts on one partition (so that one aggregate's history is among
     * all the others' on the partition a scan reads), gives one account {@code deepEvents} events
     * and another ten, then reads each {@code reads} times.
     */
    static List<Measurement> run(EmbeddedKafkaCluster kafka, int aggregates, int deepEvents, int reads, Path stateDir) throws Exception {
        List<Measurement> results = new ArrayList<>();
        try (MyelinCommands bank = new MyelinCommands(kafka, aggregates, 1, 100, stateDir)) {
            int deep = 0;
            int shallow = 1;
            // each account already holds its AccountOpened event
            bank.deposits(deep, deepEvents - 1);
            bank.deposits(shallow, SHALLOW_EVENTS - 1);
            EventStore<AccountState, ?, ?> store = bank.store();
            int events = aggregates - 2 + deepEvents + SHALLOW_EVENTS;
            for (int account : List.of(shallow, deep)) {
                String id = MyelinCommands.accountId(account);
                long expected = account == deep ? deepEvents : SHALLOW_EVENTS;
                Latencies latencies = new Latencies(reads);
                for (int i = 0; i < reads; i++) {
                    long started = System.nanoTime();
                    AggregateState<AccountState> state = store.state(id).orElseThrow();
                    latencies.add(System.nanoTime() - started);
                    if (state.version() != expected) {
                        throw new IllegalStateException(id + " is at version " + state.version() + ", not " + expected);
                    }
                }
                results.addAll(latencies.micros("Myelin state read, " + expected + " events of history",
                        reads + " reads of one account, " + aggregates + " accounts"));
            }

            String id = MyelinCommands.accountId(shallow);
            Latencies history = new Latencies(reads);
            for (int i = 0; i < reads; i++) {
                long started = System.nanoTime();
                int size = store.history(id).size();
                history.add(System.nanoTime() - started);
                if (size != SHALLOW_EVENTS) {
                    throw new IllegalStateException(id + " has " + size + " events in its history, not " + SHALLOW_EVENTS);
                }
            }
            Measurement scan = partitionScan(kafka, store.topics().events(), id, events);
            Measurement p50 = history.micros("Myelin history read, " + SHALLOW_EVENTS + " of " + events + " events",
                    reads + " reads of one account's history from the local store").get(0);
            results.add(new Measurement(p50.benchmark(), p50.metric(), p50.value(), Optional.of(scan), String.format(Locale.ROOT,
                    "%s; %.0fx faster than scanning the partition", p50.note(), scan.value() / p50.value())));
        }
        return results;
    }

    /**
     * Times what a reader without the history store would do: read the aggregate's partition from
     * the start to its end and keep the records of that aggregate. One consumer does every scan,
     * seeking back to the start, so that connecting and fetching metadata is not counted; the first
     * scan is warm-up. Returns the median of the others.
     */
    private static Measurement partitionScan(EmbeddedKafkaCluster kafka, String topic, String aggregateId, int events) {
        byte[] prefix = (aggregateId + "@").getBytes(StandardCharsets.UTF_8);
        double[] micros = new double[SCANS];
        // A fetch left waiting at the end of the partition by the previous scan would hold the next
        // one back for fetch.max.wait.ms (500 ms by default): timing that, not the scan.
        try (var consumer = RawKafka.committedReader(kafka, topic, Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 0))) {
            Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
            for (int scan = -1; scan < SCANS; scan++) {
                consumer.seekToBeginning(consumer.assignment());
                long started = System.nanoTime();
                int found = 0;
                int read = 0;
                while (ends.entrySet().stream().anyMatch(end -> consumer.position(end.getKey()) < end.getValue())) {
                    for (var record : consumer.poll(Duration.ofMillis(100))) {
                        read++;
                        if (record.key() != null && startsWith(record.key(), prefix)) {
                            found++;
                        }
                    }
                }
                if (scan >= 0) {
                    micros[scan] = (System.nanoTime() - started) / 1e3;
                }
                if (found != SHALLOW_EVENTS || read < events) {
                    throw new IllegalStateException("the scan found " + found + " of " + aggregateId + "'s events among " + read
                            + " records, expected " + SHALLOW_EVENTS + " among at least " + events);
                }
            }
        }
        Arrays.sort(micros);
        return Measurement.of("raw consumer partition scan", "p50 µs", micros[SCANS / 2],
                "read_committed consumer, warm, the whole partition (" + events + " events), median of " + SCANS);
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }
}
