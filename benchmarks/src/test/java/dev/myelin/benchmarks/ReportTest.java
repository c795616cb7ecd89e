package dev.myelin.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    private static final String RESTART = Recovery.PREFIX + "command processor restarted in place";

    @Test
    void theRecoverySectionKeepsEveryKafkaVersionsColumnAcrossRuns(@TempDir Path dir) throws Exception {
        Path doc = dir.resolve("benchmarks.md");
        Report.write(doc, "benchmarks/run.sh", List.of(Measurement.of("raw idempotent producer", "records/s", 30_000, "x")), List.of());

        Report.writeRecovery(doc, "4.3.1", "KAFKA_VERSION=4.3.1 benchmarks/run.sh --only recovery", "1,000,000 accounts",
                List.of(Measurement.of(RESTART, "s to first accepted command", 41.5, "SIGKILL"),
                        Measurement.of(RESTART, "changelog records restored", 2_000_000, "SIGKILL")), List.of("a note"));
        Report.writeRecovery(doc, "4.4.0", "KAFKA_VERSION=4.4.0 benchmarks/run.sh --only recovery", "800,000 accounts",
                List.of(Measurement.of(RESTART, "s to first accepted command", 2.25, "SIGKILL"),
                        Measurement.of(RESTART, "tasks rebuilt from scratch", 0, "SIGKILL")), List.of("a note"));
        // a run of the other suites rewrites the main table and must leave the section alone
        Report.write(doc, "benchmarks/run.sh", List.of(Measurement.of("raw idempotent producer", "records/s", 31_000, "x")), List.of());

        String text = Files.readString(doc, StandardCharsets.UTF_8);
        assertThat(text).contains("| raw idempotent producer | records/s | 31,000 |").doesNotContain("30,000");
        assertThat(text).containsOnlyOnce(Report.RECOVERY_BEGIN).containsOnlyOnce(Report.RECOVERY_END).containsOnlyOnce("## Recovery after SIGKILL");
        assertThat(text).contains("| benchmark | metric | Kafka 4.3.1 | Kafka 4.4.0 | how |");
        assertThat(text).contains("| " + RESTART + " | s to first accepted command | 41.50 | 2.25 | SIGKILL |");
        // 4.4.0 measured no restore count this time: its cell is empty, 4.3.1's stays
        assertThat(text).contains("| " + RESTART + " | changelog records restored | 2,000,000 |  | SIGKILL |");
        assertThat(text).contains("| " + RESTART + " | tasks rebuilt from scratch |  | 0 | SIGKILL |");
        assertThat(text).contains("- run on Kafka 4.3.1 (").contains("`KAFKA_VERSION=4.3.1 benchmarks/run.sh --only recovery`; 1,000,000 accounts")
                .contains("- run on Kafka 4.4.0 (").contains("800,000 accounts");
        assertThat(text.indexOf("- run on Kafka 4.3.1")).isLessThan(text.indexOf("- run on Kafka 4.4.0"));
        assertThat(text).containsOnlyOnce("- a note");

        // running 4.4.0 again replaces its column only
        Report.writeRecovery(doc, "4.4.0", "KAFKA_VERSION=4.4.0 benchmarks/run.sh --only recovery", "1,000,000 accounts",
                List.of(Measurement.of(RESTART, "s to first accepted command", 3.5, "SIGKILL")), List.of("a note"));
        text = Files.readString(doc, StandardCharsets.UTF_8);
        assertThat(text).contains("| " + RESTART + " | s to first accepted command | 41.50 | 3.50 | SIGKILL |")
                .doesNotContain("800,000 accounts").containsOnlyOnce("- run on Kafka 4.4.0 (");
    }
}
