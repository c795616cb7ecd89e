package dev.myelin.eventstore;

import java.util.Objects;

import org.apache.kafka.common.serialization.Serde;

/**
 * An events topic together with the serde its events are read with: what a projection folds and
 * what a saga is triggered by. {@code Myelin.events(AggregateType)} gives the one of an aggregate
 * type in an application, so the topic name and the serde are written nowhere in user code.
 *
 * <pre>{@code
 * Projection.named("account-balances").from(bank.events(Account.TYPE))...
 * SagaDefinition.named("place-order", OrderPlaced.class).from(shop.events(Order.TYPE))...
 * }</pre>
 *
 * @param topic the events topic
 * @param serde how its values are read
 * @param <E>   the event type
 */
public record EventSource<E>(String topic, Serde<E> serde) {

    /**
     * Checks the components.
     *
     * @throws NullPointerException     if a component is null
     * @throws IllegalArgumentException if {@code topic} is blank
     */
    public EventSource {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(serde, "serde");
        if (topic.isBlank()) {
            throw new IllegalArgumentException("topic must not be blank");
        }
    }

    /**
     * Returns the events topic of an aggregate type's topics, read with {@code serde}.
     *
     * @param topics the aggregate type's topics
     * @param serde  the serde of its events
     * @param <E>    the event type
     * @return the source
     */
    public static <E> EventSource<E> of(AggregateTopics topics, Serde<E> serde) {
        return new EventSource<>(Objects.requireNonNull(topics, "topics").events(), serde);
    }
}
