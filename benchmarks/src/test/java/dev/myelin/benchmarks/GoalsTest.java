package dev.myelin.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class GoalsTest {

    @Test
    void eachGoalTakesTheFigureOfItsOwnRowAndSaysMetOrByHowMuchItMissed() {
        Measurement raw = Measurement.of("raw Kafka Streams EOS v2 pass-through latency", "p50 ms", 4, "x");
        List<Measurement> results = List.of(
                // the interval 50 must not pass for the default 5, nor four fifths of max for one fifth
                Measurement.of("Myelin command round trip", "p50 ms", 1, "500 commands/s (20 % of max) for 15 s, commit.interval.ms=50"),
                Measurement.of("Myelin command round trip", "p50 ms", 2, "2000 commands/s (80 % of max) for 15 s, commit.interval.ms=5"),
                Measurement.of("Myelin command round trip", "p50 ms", 10, "500 commands/s (20 % of max) for 15 s, commit.interval.ms=5")
                        .against(raw),
                Measurement.of("Myelin commands, expected version unchecked", "commands/s", 600, "x")
                        .against(Measurement.of("raw Kafka Streams EOS v2 pass-through", "records/s", 1_000, "x")),
                Measurement.of(MyelinSagas.FIRST, "s", 1.5, "x"));

        List<Goals.Goal> goals = Goals.evaluate(results);

        assertThat(goals.get(0).measured()).hasValueSatisfying(m -> assertThat(m.value()).isEqualTo(10));
        assertThat(goals.get(0).verdict()).isEqualTo("missed: 10.00 ms, 2.0× above the target");
        assertThat(goals.get(2).verdict()).isEqualTo("met");
        assertThat(goals.get(3).verdict()).startsWith("not measured");
        assertThat(goals).filteredOn(goal -> goal.goal().startsWith("first saga")).singleElement()
                .satisfies(goal -> assertThat(goal.met()).isTrue());
        assertThat(Goals.table(goals)).contains("| 10.00 ms | 2.50× (raw 4.00) | missed: 10.00 ms, 2.0× above the target |");
    }
}
