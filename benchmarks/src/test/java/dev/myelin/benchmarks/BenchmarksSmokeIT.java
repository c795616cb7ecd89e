package dev.myelin.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Runs every benchmark once at the tiny size so that they cannot rot; the figures themselves
 * mean nothing at this size and are not checked beyond being real numbers.
 */
class BenchmarksSmokeIT {

    @Test
    void everyBenchmarkRunsAndProducesAFigure() throws Exception {
        List<Measurement> results = Benchmarks.run(Benchmarks.Options.parse(new String[] {"--size", "tiny", "--no-write"}));

        // the tiny figures mean little, but the table in the CI log shows each suite ran and what it measured
        System.out.println(Report.table(results));
        assertThat(results).extracting(Measurement::benchmark).contains(
                "raw idempotent producer", "raw Kafka Streams EOS v2 pass-through", "raw Kafka Streams EOS v2 pass-through latency",
                "Myelin projection (account balances)", "Myelin state read, 10 events of history",
                "Myelin state read, 200 events of history", "Myelin place-order sagas (4 steps)",
                MyelinSagas.FIRST, MyelinSagas.LATENCY, "Myelin commands, expected version unchecked, latency suite's configuration");
        // the command round trip at the default commit interval, at a fifth and four fifths of max, each against raw
        assertThat(results).filteredOn(m -> m.benchmark().equals("Myelin command round trip") && m.metric().equals("p99 ms")
                && Goals.DEFAULT_COMMIT.matcher(m.note()).find()).hasSize(2).allSatisfy(m -> assertThat(m.baseline()).isPresent());
        assertThat(Goals.evaluate(results)).allSatisfy(goal -> assertThat(goal.measured()).as(goal.goal()).isPresent());
        assertThat(results).extracting(Measurement::benchmark).anyMatch(name -> name.startsWith("Myelin history read, 10 of "));
        assertThat(results).filteredOn(m -> m.benchmark().startsWith("Myelin projection")).singleElement()
                .satisfies(m -> assertThat(m.baseline()).isPresent());
        // the same suites on three child-JVM brokers, in rows of their own, each Myelin row beside the raw figure of that cluster
        assertThat(results).extracting(Measurement::benchmark).contains(
                "raw idempotent producer" + Benchmarks.ON_THREE_BROKERS, "raw Kafka Streams EOS v2 pass-through" + Benchmarks.ON_THREE_BROKERS,
                "Myelin commands, expected version unchecked" + Benchmarks.ON_THREE_BROKERS,
                "Myelin commands, expected version checked" + Benchmarks.ON_THREE_BROKERS,
                MyelinSagas.FIRST + Benchmarks.ON_THREE_BROKERS, MyelinSagas.BENCHMARK + Benchmarks.ON_THREE_BROKERS,
                MyelinSagas.LATENCY + Benchmarks.ON_THREE_BROKERS);
        assertThat(results).filteredOn(m -> m.benchmark().startsWith("Myelin commands, expected version")
                && m.benchmark().endsWith(Benchmarks.ON_THREE_BROKERS)).hasSize(2)
                .allSatisfy(m -> assertThat(m.baseline()).hasValueSatisfying(raw -> assertThat(raw.benchmark())
                        .isEqualTo("raw Kafka Streams EOS v2 pass-through" + Benchmarks.ON_THREE_BROKERS)));
        assertThat(results).filteredOn(m -> m.metric().equals("lines")).singleElement()
                .satisfies(m -> assertThat(m.benchmark()).endsWith(Benchmarks.ON_THREE_BROKERS))
                .satisfies(m -> assertThat(m.value()).isNotNegative());
        assertThat(results).filteredOn(m -> !m.metric().equals("lines"))
                .allSatisfy(m -> assertThat(m.value()).as(m.benchmark() + " " + m.metric()).isPositive().isFinite());
        assertThat(Report.table(results)).contains("| Myelin place-order sagas (4 steps)" + Benchmarks.ON_THREE_BROKERS + " | sagas/s |");
        assertThat(Report.table(results)).contains("| raw idempotent producer | records/s |");
    }

    @Test
    void theRecoverySuiteKillsRestartsAndMeasuresEachRecovery() throws Exception {
        List<Measurement> results = Benchmarks.run(Benchmarks.Options.parse(new String[] {"--size", "tiny", "--only", "recovery", "--no-write"}));

        System.out.println(Report.table(results));
        assertThat(results).extracting(Measurement::benchmark).containsOnly(Recovery.PREFIX + "command processor restarted in place",
                Recovery.PREFIX + "standby replica takes over", Recovery.PREFIX + "projection restarted in place");
        assertThat(results).extracting(Measurement::metric).contains("s to first accepted command", "s to 80 % of the commands/s before",
                "s to first fold", "s to caught up", "changelog records restored");
        assertThat(results).allSatisfy(m -> assertThat(m.value()).as(m.benchmark() + " " + m.metric()).isNotNegative().isFinite());
        // on Kafka 4.4 a store whose committed offsets reached disk before the kill may legitimately restore nothing, so
        // only the sum is checked: were both counts 0, the restore metric would not be read at all
        assertThat(results).filteredOn(m -> m.benchmark().endsWith("restarted in place") && m.metric().equals("changelog records restored"))
                .hasSize(2).extracting(Measurement::value).satisfies(counts -> assertThat(counts.stream().mapToDouble(Double::doubleValue).sum())
                        .as("records restored by the restarted processor and projection together").isPositive());
    }
}
