package dev.myelin.sagas;

import java.util.Objects;
import java.util.Optional;

import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import dev.myelin.sagas.internal.DefaultSagaDefinition;
import dev.myelin.sagas.internal.SagaStates;

/**
 * The store of a saga topology that holds each saga, for tests that run
 * {@link SagaRuntime.Builder#inMemoryTopology()} in a {@code TopologyTestDriver} and read sagas as
 * {@link SagaRuntime#state} would. Its values are Myelin's own encoding, which may change in any
 * release: read them with {@link #read}.
 *
 * <pre>{@code
 * KeyValueStore<String, byte[]> sagas = driver.getKeyValueStore(SagaStore.NAME);
 * Optional<SagaState<PlaceOrderData>> order = SagaStore.read(placeOrder, sagas, "o-1");
 * }</pre>
 */
public final class SagaStore {
    /** The store's name in the topology. */
    public static final String NAME = "sagas";

    private SagaStore() {
    }

    /**
     * Reads a saga from the store.
     *
     * @param definition the saga's definition, the one the topology was built from
     * @param store      the store named {@link #NAME}
     * @param sagaId     the saga's id
     * @param <D>        the saga data type
     * @return its state, or empty if the store holds no such saga
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code definition} was not built by {@link SagaDefinition#named}
     */
    public static <D> Optional<SagaState<D>> read(SagaDefinition<?, D> definition, ReadOnlyKeyValueStore<String, byte[]> store,
                                                  String sagaId) {
        DefaultSagaDefinition<?, D> model = DefaultSagaDefinition.of(definition);
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(sagaId, "sagaId");
        return Optional.ofNullable(store.get(sagaId)).map(bytes -> SagaStates.decode(model, bytes));
    }
}
