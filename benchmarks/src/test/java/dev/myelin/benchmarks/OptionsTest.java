package dev.myelin.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

class OptionsTest {

    @Test
    void aFullRunWritesTheDocsByDefault() {
        Benchmarks.Options options = Benchmarks.Options.parse(new String[0]);
        assertThat(options.out()).isEqualTo(Path.of("docs", "benchmarks.md"));
        assertThat(options.suites()).containsExactlyElementsOf(Benchmarks.SUITES.subList(0, Benchmarks.SUITES.size() - 1));
    }

    @Test
    void withoutADatabaseTheAxonSuiteIsSkippedWhenAllRunAndRefusedWhenNamed() {
        Benchmarks.Options all = Benchmarks.Options.parse(new String[] {"--size", "tiny"});
        assertThat(all.suites()).doesNotContain("axon").contains("raw", "commands", "sagas");
        assertThat(all.axonJdbc()).isNull();
        assertThat(all.skipped()).contains("axon: skipped").contains("--axon-jdbc");

        assertThatThrownBy(() -> Benchmarks.Options.parse(new String[] {"--only", "commands,axon"}))
                .hasMessageContaining("the axon suite needs a PostgreSQL database")
                .hasMessageContaining("benchmarks/run.sh");
        assertThatThrownBy(() -> Benchmarks.Options.parse(new String[] {"--axon-jdbc"}))
                .hasMessageContaining("--axon-jdbc needs a value");
    }

    @Test
    void theSagasRunAtMyelinsDefaultCommitIntervalsUnlessTold() {
        assertThat(Benchmarks.Options.parse(new String[0]).sagaCommitIntervalMs()).isEmpty();
        assertThat(Benchmarks.Options.parse(new String[] {"--saga-commit-interval-ms", "50"}).sagaCommitIntervalMs()).hasValue(50);
        assertThatThrownBy(() -> Benchmarks.Options.parse(new String[] {"--saga-commit-interval-ms", "0"}))
                .hasMessageContaining("--saga-commit-interval-ms must be a positive count");
    }

    @Test
    void aDatabaseRunsTheAxonSuite() {
        String url = "jdbc:postgresql://127.0.0.1:5433/bench?user=postgres";
        Benchmarks.Options all = Benchmarks.Options.parse(new String[] {"--axon-jdbc", url, "--no-write"});
        assertThat(all.suites()).containsExactlyElementsOf(Benchmarks.SUITES);
        assertThat(all.axonJdbc()).isEqualTo(url);
        assertThat(all.skipped()).isNull();

        Benchmarks.Options only = Benchmarks.Options.parse(new String[] {"--only", "commands,axon", "--axon-jdbc", url});
        assertThat(only.suites()).containsExactly("commands", "axon");
        assertThat(only.axonJdbc()).isEqualTo(url);
    }

    @Test
    void theRecoverySuiteRunsOnlyWhenNamedAndItsSizeIsAFlag() {
        assertThat(Benchmarks.Options.parse(new String[0]).suites()).doesNotContain("recovery");
        assertThat(Benchmarks.Options.parse(new String[0]).sizes().recoveryAggregates()).isEqualTo(1_000_000);
        assertThat(Benchmarks.Options.parse(new String[] {"--size", "tiny"}).sizes().recoveryAggregates()).isEqualTo(2_000);

        Benchmarks.Options recovery = Benchmarks.Options.parse(new String[] {"--only", "recovery", "--recovery-aggregates", "20_000"});
        assertThat(recovery.suites()).containsExactly("recovery");
        assertThat(recovery.sizes().recoveryAggregates()).isEqualTo(20_000);
        assertThat(recovery.sizes().records()).isEqualTo(Benchmarks.Sizes.of("full").records());

        assertThatThrownBy(() -> Benchmarks.Options.parse(new String[] {"--recovery-aggregates", "0"}))
                .hasMessageContaining("--recovery-aggregates must be a positive count, not '0'");
        assertThatThrownBy(() -> Benchmarks.Options.parse(new String[] {"--recovery-aggregates", "many"}))
                .hasMessageContaining("not 'many'");
    }

    @Test
    void aTinyRunWritesNothingUnlessAsked() {
        assertThat(Benchmarks.Options.parse(new String[] {"--size", "tiny"}).out()).isNull();
    }

    @Test
    void unknownSuitesSizesAndOptionsAreNamed() {
        assertThatThrownBy(() -> Benchmarks.Options.parse(new String[] {"--only", "raw,bogus"}))
                .hasMessageContaining("unknown suite 'bogus'");
        assertThatThrownBy(() -> Benchmarks.Options.parse(new String[] {"--size", "huge"}))
                .hasMessageContaining("--size must be tiny or full, not 'huge'");
        assertThatThrownBy(() -> Benchmarks.Options.parse(new String[] {"--fast"}))
                .hasMessageContaining("unknown option '--fast'");
        assertThatThrownBy(() -> Benchmarks.Options.parse(new String[] {"--out"}))
                .hasMessageContaining("--out needs a value");
    }

    @Test
    void aRunMeasuresOnOneBrokerThenOnThreeChildBrokersUnlessToldOne() {
        assertThat(Benchmarks.Options.parse(new String[0]).clusters()).containsExactly("one", "child3");
        assertThat(Benchmarks.Options.parse(new String[] {"--cluster", "both"}).clusters()).containsExactly("one", "child3");
        assertThat(Benchmarks.Options.parse(new String[] {"--cluster", "child3"}).clusters()).containsExactly("child3");
        assertThat(Benchmarks.Options.parse(new String[] {"--cluster", "one"}).clusters()).containsExactly("one");
        assertThatThrownBy(() -> Benchmarks.Options.parse(new String[] {"--cluster", "three"}))
                .hasMessage("--cluster must be one, child3 or both, not 'three'");
        assertThat(Benchmarks.Sizes.of("full").threeBrokerRecords()).isLessThan(Benchmarks.Sizes.of("full").records());
        assertThat(Benchmarks.Options.parse(new String[0]).threeBrokerProperties()).isEmpty();
        assertThat(Benchmarks.Options.parse(new String[] {"--three-broker-property", "add.partitions.to.txn.retry.backoff.max.ms=5000",
                "--three-broker-property", "num.io.threads=4"}).threeBrokerProperties())
                .containsExactly(Map.entry("add.partitions.to.txn.retry.backoff.max.ms", "5000"), Map.entry("num.io.threads", "4"));
        assertThatThrownBy(() -> Benchmarks.Options.parse(new String[] {"--three-broker-property", "=5"}))
                .hasMessage("--three-broker-property must be NAME=VALUE, not '=5'");
    }
}
