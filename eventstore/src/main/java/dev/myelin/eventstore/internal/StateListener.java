package dev.myelin.eventstore.internal;

/**
 * Told by the command processor about every state it writes, so a read cache in the same JVM can be
 * written through instead of expiring blindly.
 *
 * @param <S> the state type
 */
public interface StateListener<S> {
    /** A listener that ignores everything. */
    @SuppressWarnings("rawtypes")
    StateListener NONE = new StateListener() {
        @Override
        public void updated(String aggregateId, long version, Object state) {
        }

        @Override
        public void removed(String aggregateId) {
        }
    };

    /**
     * Returns the listener that ignores everything.
     *
     * @param <S> the state type
     * @return the listener
     */
    @SuppressWarnings("unchecked")
    static <S> StateListener<S> none() {
        return NONE;
    }

    /**
     * Called after the processor wrote a new state.
     *
     * @param aggregateId the aggregate
     * @param version     its new version
     * @param state       its new state
     */
    void updated(String aggregateId, long version, S state);

    /**
     * Called after the processor erased an aggregate.
     *
     * @param aggregateId the aggregate
     */
    void removed(String aggregateId);
}
