package dev.myelin.eventstore.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the handler registered for a message's class: the one registered for the class itself, else
 * the first registered for a supertype, in registration order. Lookups are cached per class, so a
 * dispatch costs one map read once a class has been seen.
 *
 * @param <H> the handler type
 */
public final class TypeDispatch<H> {
    private final Map<Class<?>, H> registered;
    private final Map<Class<?>, Optional<H>> resolved = new ConcurrentHashMap<>();

    /**
     * Creates the dispatch.
     *
     * @param registered the handlers by the class they were registered for, in registration order
     */
    public TypeDispatch(Map<Class<?>, H> registered) {
        this.registered = new LinkedHashMap<>(registered);
    }

    /**
     * Returns the handler for {@code type}.
     *
     * @param type the message's class
     * @return the handler, or empty when none is registered for it or a supertype
     */
    public Optional<H> find(Class<?> type) {
        return resolved.computeIfAbsent(type, this::resolve);
    }

    private Optional<H> resolve(Class<?> type) {
        H exact = registered.get(type);
        if (exact != null) {
            return Optional.of(exact);
        }
        return registered.entrySet().stream().filter(e -> e.getKey().isAssignableFrom(type)).map(Map.Entry::getValue).findFirst();
    }

    /**
     * Returns the concrete classes a sealed type allows (following sealed subtypes down) that no
     * registered class covers: what a user forgot to handle, known before anything runs. For a type
     * that is not sealed nothing can be known, so the list is empty.
     *
     * @param root the declared message type
     * @return the uncovered concrete classes, by name order of discovery
     */
    public List<Class<?>> uncovered(Class<?> root) {
        List<Class<?>> missing = new ArrayList<>();
        collectUncovered(root, missing);
        return missing;
    }

    private void collectUncovered(Class<?> type, List<Class<?>> missing) {
        if (find(type).isPresent()) {
            return;
        }
        if (type.isSealed()) {
            for (Class<?> sub : type.getPermittedSubclasses()) {
                collectUncovered(sub, missing);
            }
        } else if (type != Object.class && !type.isInterface() && !java.lang.reflect.Modifier.isAbstract(type.getModifiers())) {
            missing.add(type);
        }
    }
}
