package dev.myelin.spring.boot.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Stream;

import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

import dev.myelin.eventstore.EventStore;
import dev.myelin.spring.boot.MyelinRuntimes;

/**
 * The {@code myelin} health contributor: one indicator per runtime, grouped as {@code event-stores},
 * {@code sagas} and {@code projections}, each read from the runtime's own {@code health()} when the
 * endpoint asks. Running is UP; catching up and degraded are OUT_OF_SERVICE (live, but not ready for
 * traffic: the runtime recovers by itself); failed is DOWN, with its cause. Before the runtimes
 * start and after they stop, {@code lifecycle} is OUT_OF_SERVICE.
 */
public final class RuntimeHealthContributor implements CompositeHealthContributor {

    private static final String LIFECYCLE = "lifecycle";
    private static final String EVENT_STORES = "event-stores";
    private static final String SAGAS = "sagas";
    private static final String PROJECTIONS = "projections";

    private final MyelinRuntimes runtimes;

    /**
     * Creates the contributor.
     *
     * @param runtimes the runtimes whose health it reports
     */
    public RuntimeHealthContributor(MyelinRuntimes runtimes) {
        this.runtimes = Objects.requireNonNull(runtimes, "runtimes");
    }

    /**
     * Returns a runtime's Myelin health as Spring Boot health.
     *
     * @param health the runtime's health
     * @return UP, OUT_OF_SERVICE or DOWN, with the state, reason and since as details
     */
    public static Health toSpring(dev.myelin.eventstore.Health health) {
        Objects.requireNonNull(health, "health");
        if (health instanceof dev.myelin.eventstore.Health.CatchingUp catchingUp) {
            return Health.outOfService().withDetail("state", "catching-up").withDetail("reason", catchingUp.reason())
                    .withDetail("since", catchingUp.since().toString()).build();
        }
        if (health instanceof dev.myelin.eventstore.Health.Degraded degraded) {
            return Health.outOfService().withDetail("state", "degraded").withDetail("reason", degraded.reason())
                    .withDetail("since", degraded.since().toString()).build();
        }
        if (health instanceof dev.myelin.eventstore.Health.Failed failed) {
            return Health.down(failed.cause()).withDetail("state", "failed").build();
        }
        return Health.up().withDetail("state", "running").build();
    }

    @Override
    public HealthContributor getContributor(String name) {
        return stream().filter(entry -> entry.name().equals(name)).findFirst().map(Entry::contributor).orElse(null);
    }

    @Override
    public Stream<Entry> stream() {
        List<Entry> entries = new ArrayList<>();
        boolean running = runtimes.isRunning();
        entries.add(new Entry(LIFECYCLE, (HealthIndicator) () -> running ? Health.up().build()
                : Health.outOfService().withDetail("reason", "Myelin's runtimes are not running (the context has not started, or stopped)").build()));
        group(entries, EVENT_STORES, runtimes.eventStores(), store -> () -> eventStoreHealth(store));
        group(entries, SAGAS, runtimes.sagas(), saga -> () -> toSpring(saga.health()));
        group(entries, PROJECTIONS, runtimes.projections(), projection -> () -> toSpring(projection.health()));
        return entries.stream();
    }

    /** An event store and its gateway: the gateway's trouble (such as a lost result reader) shows too. */
    private static Health eventStoreHealth(EventStore<?, ?, ?> store) {
        Health own = toSpring(store.health());
        Health gateway = toSpring(store.gateway().health());
        Health worse = rank(gateway.getStatus()) > rank(own.getStatus()) ? gateway : own;
        return Health.status(worse.getStatus()).withDetails(own.getDetails()).withDetail("gateway", gateway.getDetails()).build();
    }

    private static int rank(Status status) {
        return Status.DOWN.equals(status) ? 2 : Status.OUT_OF_SERVICE.equals(status) ? 1 : 0;
    }

    private static <V> void group(List<Entry> entries, String name, Map<String, V> members,
            Function<V, HealthIndicator> indicator) {
        if (!members.isEmpty()) {
            entries.add(new Entry(name, CompositeHealthContributor.fromMap(members, indicator)));
        }
    }
}
