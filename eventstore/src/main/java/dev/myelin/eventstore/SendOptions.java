package dev.myelin.eventstore;

import java.time.Duration;
import java.util.Objects;

/**
 * Optional knobs for one {@link CommandGateway#send(String, Object, SendOptions)} call.
 *
 * <pre>{@code
 * SendOptions options = SendOptions.expectingVersion(7).withCommandId(requestId).withTimeout(Duration.ofSeconds(2));
 * gateway.send("acc-1", new Withdraw(50L), options);
 * }</pre>
 *
 * @param expectedVersion the version the aggregate must be at, or {@link #ANY_VERSION}
 * @param commandId       the command id, or empty to let the gateway generate one; reuse an id to retry safely
 * @param timeout         how long to wait for the result, or {@link Duration#ZERO} for the gateway's default
 */
public record SendOptions(long expectedVersion, String commandId, Duration timeout) {

    /** The expected version that accepts any current version. */
    public static final long ANY_VERSION = -1L;

    private static final SendOptions DEFAULTS = new SendOptions(ANY_VERSION, "", Duration.ZERO);

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException if {@code expectedVersion} is below {@link #ANY_VERSION} or
     *                                  {@code timeout} is negative
     * @throws NullPointerException     if {@code commandId} or {@code timeout} is null
     */
    public SendOptions {
        if (expectedVersion < ANY_VERSION) {
            throw new IllegalArgumentException("expectedVersion must be 0 or more, or ANY_VERSION: " + expectedVersion);
        }
        Objects.requireNonNull(commandId, "commandId");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
    }

    /**
     * Returns options that change nothing: any version, a generated command id, the gateway's timeout.
     *
     * @return the default options
     */
    public static SendOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Returns options that expect the aggregate at {@code version}.
     *
     * @param version the expected version (0 for an aggregate without events)
     * @return the options
     * @throws IllegalArgumentException if {@code version} is negative
     */
    public static SendOptions expectingVersion(long version) {
        return DEFAULTS.withExpectedVersion(version);
    }

    /**
     * Returns a copy expecting the aggregate at {@code version}.
     *
     * @param version the expected version (0 for an aggregate without events)
     * @return the options
     * @throws IllegalArgumentException if {@code version} is negative
     */
    public SendOptions withExpectedVersion(long version) {
        if (version < 0) {
            throw new IllegalArgumentException("expected version must not be negative: " + version);
        }
        return new SendOptions(version, commandId, timeout);
    }

    /**
     * Returns a copy with the given command id. Sending the same id again returns the first result and
     * appends nothing.
     *
     * @param id the command id
     * @return the options
     * @throws IllegalArgumentException if {@code id} is blank
     */
    public SendOptions withCommandId(String id) {
        Objects.requireNonNull(id, "id");
        if (id.isBlank()) {
            throw new IllegalArgumentException("command id must not be blank");
        }
        return new SendOptions(expectedVersion, id, timeout);
    }

    /**
     * Returns a copy with the given timeout.
     *
     * @param t how long to wait for the result
     * @return the options
     * @throws IllegalArgumentException if {@code t} is zero or negative
     */
    public SendOptions withTimeout(Duration t) {
        Objects.requireNonNull(t, "timeout");
        if (t.isNegative() || t.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + t);
        }
        return new SendOptions(expectedVersion, commandId, t);
    }
}
