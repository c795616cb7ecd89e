package dev.myelin.processors;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.avro.Schema;

import dev.myelin.schemas.CompatibilityLevel;
import dev.myelin.schemas.CompatibilityResult;
import dev.myelin.schemas.RegisteredSchema;
import dev.myelin.schemas.SchemaRegistry;
import dev.myelin.schemas.SchemaRegistryUnavailableException;

/**
 * A schema registry that can be taken away and brought back: while down, every call throws
 * {@link SchemaRegistryUnavailableException}, as the HTTP client does after its retries; it can also
 * come back by itself after a number of refused calls, as a restarted registry does.
 */
final class FlakyRegistry implements SchemaRegistry {

    private final SchemaRegistry registry;
    private volatile boolean down;
    private final AtomicInteger refusalsLeft = new AtomicInteger(-1);
    private final AtomicInteger refused = new AtomicInteger();
    /** Schema ids and (subject, schema) pairs answered before: a real client's cache, used by {@link #downExceptCached()}. */
    private final java.util.Set<Object> answered = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile boolean cacheAnswers;

    FlakyRegistry(SchemaRegistry registry) {
        this.registry = registry;
    }

    /** Refuses every call until {@link #up()}. */
    void down() {
        refusalsLeft.set(-1);
        cacheAnswers = false;
        down = true;
    }

    /**
     * Refuses, until {@link #up()}, only what a caching client would have to ask the registry: the
     * ids and schemas it answered before keep working, as the HTTP client's cache keeps them.
     */
    void downExceptCached() {
        refusalsLeft.set(-1);
        cacheAnswers = true;
        down = true;
    }

    /** Runs {@code call} unless the registry is down and {@code key} was never answered; remembers it when answered. */
    private <T> T cached(Object key, java.util.function.Supplier<T> call) {
        if (!(cacheAnswers && down && answered.contains(key))) {
            check();
        }
        T answer = call.get();
        answered.add(key);
        return answer;
    }

    /** Refuses the next {@code calls} calls, then answers again. */
    void downFor(int calls) {
        refusalsLeft.set(calls);
        down = true;
    }

    void up() {
        down = false;
    }

    /** Returns how many calls were refused. */
    int refused() {
        return refused.get();
    }

    private void check() {
        if (!down) {
            return;
        }
        if (refusalsLeft.get() == 0) {
            down = false;
            return;
        }
        refusalsLeft.decrementAndGet();
        refused.incrementAndGet();
        throw new SchemaRegistryUnavailableException("schema registry http://registry.test could not be reached after"
                + " 4 attempts", 0, 0, "", new java.net.ConnectException("Connection refused"));
    }

    @Override
    public int register(String subject, Schema schema) {
        return cached(List.of("register", subject, schema), () -> registry.register(subject, schema));
    }

    @Override
    public Optional<RegisteredSchema> lookup(String subject, Schema schema) {
        return cached(List.of("lookup", subject, schema), () -> registry.lookup(subject, schema));
    }

    @Override
    public Schema schemaById(int id) {
        return cached(id, () -> registry.schemaById(id));
    }

    @Override
    public List<String> subjects() {
        check();
        return registry.subjects();
    }

    @Override
    public List<Integer> versions(String subject) {
        check();
        return registry.versions(subject);
    }

    @Override
    public RegisteredSchema version(String subject, int version) {
        check();
        return registry.version(subject, version);
    }

    @Override
    public RegisteredSchema latest(String subject) {
        check();
        return registry.latest(subject);
    }

    @Override
    public CompatibilityResult testCompatibility(String subject, Schema schema) {
        check();
        return registry.testCompatibility(subject, schema);
    }

    @Override
    public Optional<CompatibilityLevel> compatibility(String subject) {
        check();
        return registry.compatibility(subject);
    }

    @Override
    public void setCompatibility(String subject, CompatibilityLevel level) {
        check();
        registry.setCompatibility(subject, level);
    }

    @Override
    public CompatibilityLevel globalCompatibility() {
        check();
        return registry.globalCompatibility();
    }

    @Override
    public void setGlobalCompatibility(CompatibilityLevel level) {
        check();
        registry.setGlobalCompatibility(level);
    }
}
