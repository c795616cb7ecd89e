package dev.myelin.eventstore;

import static dev.myelin.schemas.internal.BuilderChecks.requireState;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.serialization.Serde;

import dev.myelin.eventstore.internal.DefaultCommandGateway;

/**
 * Sends commands to an aggregate type's command processor and completes a future with each result.
 * A gateway is thread-safe and pipelines: many commands may be in flight at once, from many threads.
 * It reads results from the command-results topic with {@code read_committed}, so a result it sees is
 * committed together with its events; it only waits for its own commands.
 *
 * <pre>{@code
 * try (CommandGateway<SpecificRecord, SpecificRecord> gateway = CommandGateway.builder(Account.TYPE, config)
 *         .commandSerde(commands).eventSerde(events).start()) {
 *     CommandResult<SpecificRecord> opened = gateway.send("acc-1", new OpenAccount("ada")).join();
 *     CommandResult<SpecificRecord> withdrawn = gateway.send("acc-1", new Withdraw(10L), SendOptions.expectingVersion(1)).join();
 * }
 * }</pre>
 *
 * @param <C> the command type
 * @param <E> the event type
 */
public interface CommandGateway<C, E> extends AutoCloseable {

    /**
     * Starts building a gateway for {@code type} in the application {@code config} describes.
     *
     * @param type   the aggregate type
     * @param config the application's configuration
     * @param <C>    the command type
     * @param <E>    the event type
     * @return a builder
     */
    static <C, E> Builder<C, E> builder(AggregateType<?, C, E> type, MyelinConfig config) {
        return new Builder<>(type, config);
    }

    /**
     * Sends {@code command} to aggregate {@code aggregateId}, with a generated command id, any
     * expected version and the configured timeout.
     *
     * @param aggregateId the aggregate
     * @param command     the command
     * @return the result; fails with {@link CommandTimeoutException} when it does not arrive in time,
     *         or with a {@link GatewayFailedException} when the gateway stopped reading results for good
     * @throws IllegalStateException if the gateway is closed
     */
    default CompletableFuture<CommandResult<E>> send(String aggregateId, C command) {
        return send(aggregateId, command, SendOptions.defaults());
    }

    /**
     * Sends {@code command} to aggregate {@code aggregateId}. A second send with the command id of a
     * command still in flight returns the first send's future.
     *
     * @param aggregateId the aggregate
     * @param command     the command
     * @param options     expected version, command id, timeout
     * @return the result; fails with {@link CommandTimeoutException} when it does not arrive in time,
     *         with a {@link GatewayFailedException} at once when the gateway stopped reading results
     *         for good (see {@link #health()}), or with a {@link MyelinEventStoreException} when the
     *         command cannot be serialized or sent
     * @throws IllegalStateException    if the gateway is closed
     * @throws IllegalArgumentException if {@code aggregateId} is blank or contains a NUL character
     */
    CompletableFuture<CommandResult<E>> send(String aggregateId, C command, SendOptions options);

    /**
     * Returns the gateway's health: {@link Health.Running}; {@link Health.Degraded} while reading
     * results meets an error it retries; {@link Health.Failed} once it stopped for good (its result
     * reader met an authorization, authentication or other fatal error, or the gateway was closed).
     * A failed gateway failed every waiting future and refuses new commands with a
     * {@link GatewayFailedException}; replace it once the cause is fixed.
     *
     * @return the current health
     */
    Health health();

    /**
     * Stops the gateway; futures still waiting fail.
     */
    @Override
    void close();

    /**
     * Builds a {@link CommandGateway}.
     *
     * @param <C> the command type
     * @param <E> the event type
     */
    final class Builder<C, E> {
        private final AggregateType<?, C, E> type;
        private final MyelinConfig config;
        private Serde<C> commandSerde;
        private Serde<E> eventSerde;

        private Builder(AggregateType<?, C, E> type, MyelinConfig config) {
            this.type = Objects.requireNonNull(type, "type");
            this.config = Objects.requireNonNull(config, "config");
        }

        /**
         * Sets how commands are written.
         *
         * @param serde the command serde
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder<C, E> commandSerde(Serde<C> serde) {
            Objects.requireNonNull(serde, "serde");
            requireState(commandSerde == null, "commandSerde was already set to %s", commandSerde);
            commandSerde = serde;
            return this;
        }

        /**
         * Sets how the events in accepted results are read.
         *
         * @param serde the event serde
         * @return this builder
         * @throws IllegalStateException if already set
         */
        public Builder<C, E> eventSerde(Serde<E> serde) {
            Objects.requireNonNull(serde, "serde");
            requireState(eventSerde == null, "eventSerde was already set to %s", eventSerde);
            eventSerde = serde;
            return this;
        }

        /**
         * Creates the topics if missing (checking them if present), connects and starts the gateway.
         *
         * @return the running gateway
         * @throws IllegalStateException        if a serde was not set
         * @throws TopicConfigurationException  if an existing topic is configured wrongly
         * @throws WeakerGuaranteeException     if a property weakens exactly-once or durability ({@code acks},
         *                                      {@code enable.idempotence}, {@code isolation.level}, {@code processing.guarantee},
         *                                      prefixed or not) and {@link MyelinConfig#ALLOW_WEAKER_GUARANTEES} is not {@code true}
         */
        public CommandGateway<C, E> start() {
            requireState(commandSerde != null, "commandSerde was not set");
            requireState(eventSerde != null, "eventSerde was not set");
            return DefaultCommandGateway.start(config, config.topics(type), commandSerde, eventSerde, true);
        }
    }
}
