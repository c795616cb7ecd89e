package dev.myelin.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.CommandGateway;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.eventstore.internal.RestoreLog;
import dev.myelin.examples.bank.AccountState;

/**
 * The command processor dies by SIGKILL three times at random moments while a gateway in this JVM
 * keeps sending, and is started again each time with the same state directory, as a supervisor
 * would. Exactly-once must hold across the kills: the open transaction of the killed process is
 * aborted, the restarted one fences it and redoes the work, and every retried command id is answered
 * with its first result. And no restart rebuilds a store from the start of its changelog: with
 * transactional state stores the killed process's stores are kept, and each replays only what was
 * written since it last flushed (the child flushes every 64 KiB, and the test writes a few thousand
 * accounts before the first kill so that every store has flushed).
 */
@Tag("reliability")
@MyelinKafka(brokers = 3)
class ApplicationCrashIT {
    private static final Logger log = LoggerFactory.getLogger(ApplicationCrashIT.class);
    private static final int KILLS = 3;
    /** Accounts opened before the kills: enough for every store of every partition to flush at 64 KiB. */
    private static final int FILL = 8_000;
    private static final Pattern RESTORING = Pattern.compile(RestoreLog.RESTORING + " store (\\S+) from (\\S+) offsets (\\d+) to (\\d+)");

    private final List<Process> started = new ArrayList<>();

    @Test
    void commandsSurviveThreeSigkillsOfTheProcessorExactlyOnce(EmbeddedKafkaCluster kafka, @TempDir Path dir) throws Exception {
        String application = ReliabilityApp.newApplicationName("crash");
        Serde<SpecificRecord> avro = ReliabilityApp.avro();
        MyelinConfig config = ReliabilityApp.config(kafka.bootstrapServers(), application).build();
        long seed = System.nanoTime();
        Random random = new Random(seed);
        log.info("kill moments drawn with seed {}", seed);
        BankWorkload workload = new BankWorkload("ac", 20, Duration.ofSeconds(8));
        Path stateDirectory = dir.resolve("state");
        List<String> restores = new ArrayList<>();
        try {
            Process child = startChild(kafka, application, stateDirectory, dir.resolve("child-0.log"));
            try (CommandGateway<SpecificRecord, SpecificRecord> gateway = ReliabilityApp.gateway(config, avro)) {
                workload.openAccounts(gateway);
                workload.fill(gateway, FILL);
                workload.start(List.of(gateway), 4);
                try {
                    for (int kill = 1; kill <= KILLS; kill++) {
                        long target = workload.accepted() + 100;
                        Await.until(Duration.ofSeconds(90), "100 more commands accepted before kill " + kill,
                                () -> workload.accepted() >= target);
                        // the random moment: somewhere in the next 0 to 2 s of steady traffic
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(random.nextInt(2_000)));
                        long acceptedAtKill = workload.accepted();
                        long[] killedAt = new long[1];
                        long[] readyMillis = new long[1];
                        Process[] current = {child};
                        String logName = "child-" + kill + ".log";
                        // one caller gives up on its command just before the kill and retries it after the restart
                        workload.timeoutThenRetry(gateway, BankWorkload.account(kill), "ac-probe-" + kill, () -> {
                            killedAt[0] = System.nanoTime();
                            current[0].destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no commit, no leave-group
                            try {
                                assertThat(current[0].waitFor(30, TimeUnit.SECONDS)).as("killed child %s ended", current[0].pid()).isTrue();
                                assertThat(current[0].exitValue()).as("exit status of a SIGKILLed JVM (128 + 9)").isEqualTo(137);
                                current[0] = startChild(kafka, application, stateDirectory, dir.resolve(logName));
                            } catch (IOException | InterruptedException e) {
                                throw new AssertionError("restarting the processor failed", e);
                            }
                            readyMillis[0] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt[0]);
                        });
                        child = current[0];
                        restores.addAll(restoresIn(dir.resolve(logName)));
                        Await.until(Duration.ofSeconds(90), "a command accepted after kill " + kill,
                                () -> workload.accepted() > acceptedAtKill + 5);
                        log.info("kill {}: {} commands accepted before it; new processor ready {} ms after the kill, "
                                        + "serving again {} ms after it", kill, acceptedAtKill, readyMillis[0],
                                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt[0]));
                    }
                } finally {
                    workload.stop();
                }
                child.destroy(); // the last one stops politely, leaving the partitions to the verifier
                assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("last child stopped").isTrue();
            }
            // every store a restarted process restored, it restored from where it had last flushed, not from the start
            assertThat(restores).as("stores restored after the kills (the child's RestoreLog lines)").isNotEmpty();
            assertThat(restores).as("restores after a kill that started at offset 0 (store rebuilt from scratch)")
                    .noneMatch(line -> line.endsWith(" from offset 0"));
            // a fresh instance restores state from the changelogs and must agree with the log
            try (EventStore<AccountState, SpecificRecord, SpecificRecord> verifier = ReliabilityApp.start(config, avro, dir.resolve("verifier"))) {
                BankWorkload.Figures figures = workload.verify(kafka, verifier.topics().events(), avro, verifier::state);
                List<String> retried = workload.retriedAfterAFault();
                assertThat(retried).as("commands resent after a kill").contains("ac-probe-1", "ac-probe-2", "ac-probe-3");
                workload.resendAndExpectOriginalResults(verifier.gateway(), retried);
                log.info("crash: {} kills; {} commands answered in {} ms, {} accepted, {} events on the topic; {} timeouts and {} send "
                                + "errors retried with the same id; {} commands needed more than one send and each answered with "
                                + "its first result when resent; slowest command {} ms", KILLS, workload.answered(), workload.elapsedMillis(),
                        figures.acceptedCommands(), figures.eventsOnTopic(), workload.timeouts(), workload.sendErrors(), retried.size(), workload.slowestMillis());
            }
        } finally {
            for (Process process : started) {
                if (process.isAlive()) {
                    process.destroyForcibly();
                    process.waitFor(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    private Process startChild(EmbeddedKafkaCluster kafka, String application, Path stateDirectory, Path logFile) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), CommandProcessorMain.class.getName(),
                kafka.bootstrapServers(), application, stateDirectory.toString())
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
        Process process = builder.start();
        started.add(process);
        Await.until(Duration.ofSeconds(120), "child " + process.pid() + " printed " + CommandProcessorMain.READY
                + " (log: " + logFile + ")", () -> {
            if (!process.isAlive()) {
                throw new AssertionError("child " + process.pid() + " exited with " + process.exitValue() + "; log: " + tail(logFile));
            }
            return tail(logFile).contains(CommandProcessorMain.READY);
        });
        return process;
    }

    /** The stores the child logging to {@code logFile} restored, as "store at partition from offset N". */
    private static List<String> restoresIn(Path logFile) {
        List<String> restores = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(logFile, StandardCharsets.UTF_8)) {
                Matcher m = RESTORING.matcher(line);
                if (m.find()) {
                    restores.add(m.group(1) + " at " + m.group(2) + " up to " + m.group(4) + " from offset " + m.group(3));
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read " + logFile, e);
        }
        log.info("restores in {}: {}", logFile.getFileName(), restores);
        return restores;
    }

    private static String tail(Path logFile) {
        try {
            String text = Files.readString(logFile, StandardCharsets.UTF_8);
            return text.length() > 4_000 ? text.substring(text.length() - 4_000) : text;
        } catch (IOException e) {
            return "";
        }
    }
}
