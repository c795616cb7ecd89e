package dev.myelin.console;

import static dev.myelin.schemas.internal.BuilderChecks.requireUnset;

import java.util.Objects;

/**
 * Where the {@link MyelinConsole} listens: a host (default {@value #DEFAULT_HOST}, so only this
 * machine reaches it) and a port (default 0, a free one; {@link MyelinConsole#url()} tells which).
 *
 * <pre>{@code
 * ConsoleOptions options = ConsoleOptions.builder().port(8086).build();
 * }</pre>
 */
public final class ConsoleOptions {
    /** The host the console binds to unless told otherwise: the loopback address. */
    public static final String DEFAULT_HOST = "127.0.0.1";

    private static final ConsoleOptions DEFAULTS = builder().build();

    private final String host;
    private final int port;

    private ConsoleOptions(Builder b) {
        host = b.host == null ? DEFAULT_HOST : b.host;
        port = b.port == null ? 0 : b.port;
    }

    /**
     * Returns the options when none are set: {@value #DEFAULT_HOST}, a free port.
     *
     * @return the defaults
     */
    public static ConsoleOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Starts building options.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the host or address the console binds to.
     *
     * @return the host
     */
    public String host() {
        return host;
    }

    /**
     * Returns the port the console binds to; 0 means a free one.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    @Override
    public String toString() {
        return "ConsoleOptions[" + host + ":" + port + "]";
    }

    /** Builds {@link ConsoleOptions}; each setting may be set once. */
    public static final class Builder {
        private String host;
        private Integer port;

        private Builder() {
        }

        /**
         * Sets the host or address to bind to. Anything but a loopback address lets other machines
         * reach a console that has no authentication yet: bind to one only behind a proxy that has.
         *
         * @param host a host name or IP address
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if blank
         */
        public Builder host(String host) {
            Objects.requireNonNull(host, "host");
            requireUnset(this.host, "host");
            if (host.isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            this.host = host.trim();
            return this;
        }

        /**
         * Sets the port to bind to.
         *
         * @param port 1 to 65535, or 0 for a free port
         * @return this builder
         * @throws IllegalStateException    if already set
         * @throws IllegalArgumentException if out of range
         */
        public Builder port(int port) {
            requireUnset(this.port, "port");
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be 0 (a free port) to 65535: " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Builds the options.
         *
         * @return the options
         */
        public ConsoleOptions build() {
            return new ConsoleOptions(this);
        }
    }
}
