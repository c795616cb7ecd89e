package dev.myelin.processors;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * A projection in its own JVM, for {@link ExactlyOnceCrashIT} to kill with SIGKILL. Its events are
 * {@code <amount>} as text and its view is {@code <sum>,<count>} as text, so the two JVMs need no
 * shared schema registry. It exits when its parent's pipe to its stdin closes, so a dying test
 * leaves no orphan.
 */
public final class CrashChild {

    static final String EVENTS = "crash.events";
    static final String VIEWS = "crash.views";
    static final String NAME = "crash-view";

    static final Serde<Long> AMOUNTS = Serdes.serdeFrom(
            (topic, amount) -> Long.toString(amount).getBytes(StandardCharsets.UTF_8),
            (topic, bytes) -> Long.parseLong(new String(bytes, StandardCharsets.UTF_8)));
    static final Serde<String> VIEW = Serdes.String();

    private CrashChild() {
    }

    static Projection<String, String> projection() {
        return Projection.named(NAME)
                .from(EVENTS, AMOUNTS)
                .initially(() -> "0,0", VIEW)
                .on(Long.class, (view, amount, metadata) -> {
                    String[] parts = view.split(",");
                    return (Long.parseLong(parts[0]) + amount) + "," + (Long.parseLong(parts[1]) + 1);
                })
                .publishTo(VIEWS)
                .build();
    }

    /**
     * Runs the projection until killed.
     *
     * @param args bootstrap servers, state directory, processing guarantee
     * @throws IOException if stdin fails
     */
    public static void main(String[] args) throws IOException {
        RunningProjection<String, String> running = RunningProjection.start(projection(), ProjectionConfig.builder()
                .bootstrapServers(args[0])
                .property("state.dir", args[1])
                // a long commit interval leaves much processed but uncommitted work for the kill to cut; not so long
                // that a restarted life (quick on Kafka 4.4: its stores are not wiped) reaches the end of the log
                // before its first commit, which the parent waits for before it kills
                .property("commit.interval.ms", 250)
                // the killed instance never leaves the group: a short session lets the restart rebalance soon
                .property("session.timeout.ms", 6000)
                .property("heartbeat.interval.ms", 1500)
                .property("processing.guarantee", args[2])
                // the at_least_once run shows the test failing, so that weaker guarantee is allowed on purpose
                .property("myelin.unsafe.allow-weaker-guarantees", !"exactly_once_v2".equals(args[2]))
                .build());
        running.awaitRunning(Duration.ofSeconds(60));
        System.out.println("RUNNING");
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for the parent to go away
        }
        running.close();
    }
}
