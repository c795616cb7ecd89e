package dev.myelin.console.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.myelin.processors.RunningProjection;
import dev.myelin.processors.SwitchableViewQuery;
import dev.myelin.processors.internal.ProjectionDefinition;

/**
 * Rebuilds started from the console: a projection's next version is started beside the one running
 * (its own application id and store, folding its sources from the start), and once it has caught up
 * the console's reads switch to it through a {@link SwitchableViewQuery}, the flow an application uses
 * to move its readers. The version it replaces keeps running until the application stops it: other
 * readers of the application may still hold it.
 */
final class ProjectionRebuilds {
    private static final Logger LOG = LoggerFactory.getLogger(ProjectionRebuilds.class);
    /** How long a new version may take to catch up before the rebuild is reported failed; the old one serves meanwhile. */
    static final Duration CATCH_UP = Duration.ofHours(1);
    private static final Duration PROGRESS = Duration.ofSeconds(30);

    /** Where one rebuild stands. */
    enum Status {
        /** The new version is starting or folding its sources; reads stay on the old one. */
        REBUILDING,
        /** The new version caught up and reads moved to it. */
        SWITCHED,
        /** It could not start, or failed, or did not catch up in time; reads stay on the old one. */
        FAILED
    }

    /** One rebuild, as the page shows it. */
    static final class Rebuild {
        final int from;
        final int version;
        final String by;
        final Instant startedAt = Instant.now();
        volatile Status status = Status.REBUILDING;
        volatile String error = "";
        volatile Instant endedAt;

        Rebuild(int from, int version, String by) {
            this.from = from;
            this.version = version;
            this.by = by;
        }

        void into(ObjectNode node) {
            node.put("from", from);
            node.put("version", version);
            node.put("status", status.name());
            node.put("by", by);
            node.put("startedAt", startedAt.toString());
            Instant ended = endedAt;
            if (ended != null) {
                node.put("endedAt", ended.toString());
            }
            if (!error.isEmpty()) {
                node.put("error", error);
            }
        }
    }

    private final Runtimes runtimes;
    private final Duration catchUp;
    private final Map<String, SwitchableViewQuery<?, ?>> switches = new ConcurrentHashMap<>();
    private final Map<String, Rebuild> rebuilds = new ConcurrentHashMap<>();

    ProjectionRebuilds(Runtimes runtimes, Duration catchUp) {
        this.runtimes = runtimes;
        this.catchUp = catchUp;
    }

    /** Returns the version the console reads of {@code name}: the one a rebuild switched to, or the first started. */
    Optional<RunningProjection<?, ?>> current(String name) {
        SwitchableViewQuery<?, ?> switched = switches.get(name);
        if (switched != null) {
            return Optional.of(switched.current());
        }
        return runtimes.projections().stream().filter(p -> p.projection().name().equals(name)).findFirst();
    }

    /** Returns the last rebuild of {@code name}, if any was started here. */
    Optional<Rebuild> last(String name) {
        return Optional.ofNullable(rebuilds.get(name));
    }

    /**
     * Starts the next version of {@code current}'s projection and switches to it once caught up, in the background.
     *
     * @throws ConsoleApi.Refused 409 while a rebuild of it runs, or for a projection not built by {@code Projection.named}
     */
    synchronized Rebuild start(RunningProjection<?, ?> current, String by) {
        String name = current.projection().name();
        Rebuild running = rebuilds.get(name);
        if (running != null && running.status == Status.REBUILDING) {
            throw new ConsoleApi.Refused(409, "projection " + name + " is rebuilding as version " + running.version + " already");
        }
        if (!(current.projection() instanceof ProjectionDefinition<?, ?, ?> definition)) {
            throw new ConsoleApi.Refused(409, "projection " + name + " was not built by Projection.named; it cannot be rebuilt from here");
        }
        int next = runtimes.projections().stream().filter(p -> p.projection().name().equals(name))
                .mapToInt(p -> p.projection().version()).max().orElse(current.projection().version()) + 1;
        Rebuild rebuild = new Rebuild(current.projection().version(), next, by);
        rebuilds.put(name, rebuild);
        switches.computeIfAbsent(name, k -> SwitchableViewQuery.of(current));
        Thread thread = new Thread(() -> run(name, definition.withVersion(next), rebuild), "myelin-console-rebuild-" + name + "-v" + next);
        thread.setDaemon(true);
        thread.start();
        LOG.info("console: rebuilding projection {} as version {} (reads stay on version {} until it has caught up), by {}", name, next,
                rebuild.from, by);
        return rebuild;
    }

    private void run(String name, ProjectionDefinition<?, ?, ?> next, Rebuild rebuild) {
        try {
            RunningProjection<?, ?> started = runtimes.startProjection(next);
            switchWhenCaughtUp(switches.get(name), started);
            rebuild.status = Status.SWITCHED;
            LOG.info("console: projection {} version {} has caught up; the console reads it now", name, rebuild.version);
        } catch (RuntimeException e) {
            rebuild.error = ValueJson.describe(e);
            rebuild.status = Status.FAILED;
            LOG.warn("console: the rebuild of projection {} as version {} failed; reads stay on the version before: {}", name,
                    rebuild.version, rebuild.error);
        } finally {
            rebuild.endedAt = Instant.now();
        }
    }

    @SuppressWarnings("unchecked")
    private <K, V> void switchWhenCaughtUp(SwitchableViewQuery<K, V> reads, RunningProjection<?, ?> next) {
        // the same projection's next version: the same key and view types
        reads.switchWhenCaughtUp((RunningProjection<K, V>) next, catchUp, PROGRESS);
    }
}
