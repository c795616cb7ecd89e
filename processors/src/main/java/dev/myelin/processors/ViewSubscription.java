package dev.myelin.processors;

/**
 * A live subscription to the committed changes of a view, made by
 * {@link RunningProjection#subscribe(Object, java.util.function.Consumer)} and its siblings; closing it
 * unsubscribes.
 *
 * <p>How it works: the subscription reads the view store's changelog topic with
 * {@code isolation.level=read_committed}, so it sees a change only once the projection's
 * exactly-once transaction that wrote it has committed; a change whose transaction aborted is never
 * delivered. Changes arrive in the order the projection committed them for each key; updates of one
 * key within one commit interval may reach the changelog merged into the last (Kafka Streams' record
 * cache), so a subscriber sees every committed value, not every intermediate one. A subscription
 * delivers the changes committed after it was made; query the view for the value before.
 *
 * <p>Each subscription has its own bounded buffer and its own delivery thread. A slow subscriber never
 * slows the projection or another subscriber: when its buffer is full, the oldest undelivered change is
 * dropped, {@link #dropped()} counts it, and the next change delivered says how many were dropped just
 * before it ({@link ViewChange#missedBefore()}), so the subscriber can query the view to catch up. An
 * exception thrown by the listener is logged and the subscription goes on.
 */
public interface ViewSubscription extends AutoCloseable {

    /** How many changes a subscription buffers by default before it drops the oldest. */
    int DEFAULT_BUFFER = 1024;

    /**
     * Returns how many changes were delivered to the listener so far.
     *
     * @return the count
     */
    long delivered();

    /**
     * Returns how many changes were dropped so far because the buffer was full.
     *
     * @return the count
     */
    long dropped();

    /**
     * Returns whether the subscription still delivers: false once closed, or once its projection closed.
     *
     * @return whether it is open
     */
    boolean isOpen();

    /** Stops delivering and drops what is buffered; idempotent, and may be called from the listener. */
    @Override
    void close();
}
