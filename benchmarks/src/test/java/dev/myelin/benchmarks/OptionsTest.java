package dev.myelin.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class OptionsTest {

    @Test
    void aFullRunWritesTheDocsByDefault() {
        Benchmarks.Options options = Benchmarks.Options.parse(new String[0]);
        assertThat(options.out()).isEqualTo(Path.of("docs", "benchmarks.md"));
        assertThat(options.suites()).containsExactlyElementsOf(Benchmarks.SUITES);
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
}
