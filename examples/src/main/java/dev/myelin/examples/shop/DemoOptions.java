package dev.myelin.examples.shop;

import java.time.Duration;
import java.util.Objects;

/**
 * The shop demo's command-line options.
 *
 * <pre>{@code
 * DemoOptions options = DemoOptions.parse("--orders", "500", "--fail-share", "0.1");
 * }</pre>
 *
 * @param orders           how many orders to place, 1 to 1,000,000
 * @param failShare        the share of orders planned to fail (half at credit, half at stock), 0 to 1
 * @param bootstrapServers a Kafka cluster to run against, or null for an embedded broker
 * @param registryUrl      a schema registry to use, or null for an embedded one
 * @param help             whether {@code --help} was given
 * @param consolePort      the Myelin Console's port on 127.0.0.1, 0 for a free one
 * @param keepRunning      whether the application stays up after the summary, for the console, until the JVM is stopped
 * @param application      the application's name, whose topics a run reuses, or null for {@code shop} on an embedded broker
 *                         and a fresh {@code shop-<time>} on a given cluster
 * @param commandTimeout   how long a command waits for its result before it times out, or null for Myelin's default
 *                         ({@code MyelinConfig#commandTimeout()}, 30 s)
 */
public record DemoOptions(int orders, double failShare, String bootstrapServers, String registryUrl, boolean help, int consolePort,
                          boolean keepRunning, String application, Duration commandTimeout) {

    /** What {@code --help} prints. */
    public static final String USAGE = """
            Usage: mvn -B -q -pl examples -am -DskipTests package exec:java [-Dexec.args="OPTIONS"]

            Runs a small shop on Myelin: customers, stock and orders as event-sourced aggregates,
            the place-order saga across them and the order-dashboard projection, then prints a summary.

            Options:
              --orders N                 orders to place (default 2000, 1 to 1000000)
              --fail-share F             share of orders planned to fail, half for lack of credit and
                                         half for lack of stock (default 0.2, 0 to 1)
              --bootstrap-servers HOSTS  run against this Kafka cluster instead of an embedded broker
              --registry-url URL         use this Confluent-compatible schema registry instead of an
                                         embedded Apicurio Registry
              --console-port N           serve the Myelin Console on this port of 127.0.0.1 (default: a
                                         free port; the URL is printed at the start)
              --keep-running             keep the application and its console up after the summary,
                                         until Ctrl+C
              --application NAME         the application's name: a run on a cluster reuses its topics,
                                         so the console shows earlier runs too (default: shop on the
                                         embedded broker, a fresh shop-<time> on a given cluster); an
                                         order already placed by an earlier run is not placed again
              --command-timeout SECONDS  how long an order's command waits for its result before it
                                         times out (default 30; more on a slow or remote cluster)
              --help                     print this and exit
            """;

    /** The options when none are given. */
    public static final DemoOptions DEFAULTS = new DemoOptions(2000, 0.2, null, null, false, 0, false, null, null);

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException if a value is out of range or blank
     */
    public DemoOptions {
        if (orders < 1 || orders > 1_000_000) {
            throw new IllegalArgumentException("--orders must be 1 to 1000000: " + orders);
        }
        if (!(failShare >= 0 && failShare <= 1)) {
            throw new IllegalArgumentException("--fail-share must be 0 to 1: " + failShare);
        }
        if (bootstrapServers != null && bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("--bootstrap-servers must not be blank");
        }
        if (registryUrl != null && !registryUrl.matches("https?://\\S+")) {
            throw new IllegalArgumentException("--registry-url must be an http:// or https:// URL: " + registryUrl);
        }
        if (consolePort < 0 || consolePort > 65_535) {
            throw new IllegalArgumentException("--console-port must be 0 (a free port) to 65535: " + consolePort);
        }
        if (application != null && !application.matches("[A-Za-z0-9][A-Za-z0-9_-]*")) {
            throw new IllegalArgumentException("--application must be letters, digits, '-' and '_' (it starts every topic's name): '"
                    + application + "'");
        }
        if (commandTimeout != null && (commandTimeout.isNegative() || commandTimeout.isZero())) {
            throw new IllegalArgumentException("--command-timeout must be a positive number of seconds: " + commandTimeout.toSeconds());
        }
    }

    /**
     * Makes options without {@code --command-timeout}.
     *
     * @param orders           how many orders to place
     * @param failShare        the share of orders planned to fail
     * @param bootstrapServers a Kafka cluster, or null for an embedded broker
     * @param registryUrl      a schema registry, or null for an embedded one
     * @param help             whether {@code --help} was given
     * @param consolePort      the console's port
     * @param keepRunning      whether the application stays up after the summary
     * @param application      the application's name, or null
     * @throws IllegalArgumentException if a value is out of range or blank
     * @deprecated use the canonical constructor, which also takes {@code commandTimeout}
     */
    @Deprecated(forRemoval = false)
    public DemoOptions(int orders, double failShare, String bootstrapServers, String registryUrl, boolean help, int consolePort,
                       boolean keepRunning, String application) {
        this(orders, failShare, bootstrapServers, registryUrl, help, consolePort, keepRunning, application, null);
    }

    /**
     * Makes options without {@code --application}.
     *
     * @param orders           how many orders to place
     * @param failShare        the share of orders planned to fail
     * @param bootstrapServers a Kafka cluster, or null for an embedded broker
     * @param registryUrl      a schema registry, or null for an embedded one
     * @param help             whether {@code --help} was given
     * @param consolePort      the console's port
     * @param keepRunning      whether the application stays up after the summary
     * @throws IllegalArgumentException if a value is out of range or blank
     * @deprecated use the canonical constructor, which also takes {@code application}
     */
    @Deprecated(forRemoval = false)
    public DemoOptions(int orders, double failShare, String bootstrapServers, String registryUrl, boolean help, int consolePort,
                       boolean keepRunning) {
        this(orders, failShare, bootstrapServers, registryUrl, help, consolePort, keepRunning, null, null);
    }

    /**
     * Makes options with the console on a free port and no {@code --keep-running}.
     *
     * @param orders           how many orders to place
     * @param failShare        the share of orders planned to fail
     * @param bootstrapServers a Kafka cluster, or null for an embedded broker
     * @param registryUrl      a schema registry, or null for an embedded one
     * @param help             whether {@code --help} was given
     * @throws IllegalArgumentException if a value is out of range or blank
     * @deprecated use the canonical constructor, which also takes {@code consolePort} and {@code keepRunning}
     */
    @Deprecated(forRemoval = false)
    public DemoOptions(int orders, double failShare, String bootstrapServers, String registryUrl, boolean help) {
        this(orders, failShare, bootstrapServers, registryUrl, help, 0, false, null, null);
    }

    /**
     * Parses command-line arguments, {@code --name value} or {@code --name=value}.
     *
     * @param args the arguments
     * @return the options
     * @throws IllegalArgumentException if an option is unknown, lacks its value, is given twice or has
     *                                  a bad value; the message says which and how
     */
    public static DemoOptions parse(String... args) {
        Objects.requireNonNull(args, "args");
        Integer orders = null;
        Double failShare = null;
        String servers = null;
        String registry = null;
        boolean help = false;
        Integer consolePort = null;
        boolean keepRunning = false;
        String application = null;
        Duration commandTimeout = null;
        for (int i = 0; i < args.length; i++) {
            String arg = Objects.requireNonNull(args[i], "argument");
            String name = arg;
            String value = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                name = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            }
            if (name.equals("--help") || name.equals("-h")) {
                help = true;
                continue;
            }
            if (arg.equals("--keep-running")) {
                keepRunning = true;
                continue;
            }
            if (!name.equals("--orders") && !name.equals("--fail-share") && !name.equals("--bootstrap-servers")
                    && !name.equals("--registry-url") && !name.equals("--console-port") && !name.equals("--application")
                    && !name.equals("--command-timeout")) {
                throw new IllegalArgumentException("unknown option '" + arg + "'");
            }
            if (value == null) {
                if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                    throw new IllegalArgumentException(name + " needs a value");
                }
                value = args[++i];
            }
            switch (name) {
                case "--orders" -> orders = once(name, orders, parseInt(name, value));
                case "--fail-share" -> failShare = once(name, failShare, parseDouble(name, value));
                case "--bootstrap-servers" -> servers = once(name, servers, value);
                case "--console-port" -> consolePort = once(name, consolePort, parseInt(name, value));
                case "--application" -> application = once(name, application, value.trim());
                case "--command-timeout" -> commandTimeout = once(name, commandTimeout, Duration.ofSeconds(parseInt(name, value)));
                default -> registry = once(name, registry, value);
            }
        }
        return new DemoOptions(orders == null ? DEFAULTS.orders() : orders, failShare == null ? DEFAULTS.failShare() : failShare,
                servers, registry, help, consolePort == null ? DEFAULTS.consolePort() : consolePort, keepRunning, application,
                commandTimeout);
    }

    /**
     * Returns how many orders are planned to fail: {@code orders * failShare}, rounded.
     *
     * @return the number of failing orders
     */
    public int plannedFailures() {
        return (int) Math.round(orders * failShare);
    }

    private static <T> T once(String name, T current, T value) {
        if (current != null) {
            throw new IllegalArgumentException(name + " was already set to " + current);
        }
        return value;
    }

    private static int parseInt(String name, String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number: '" + value + "'", e);
        }
    }

    private static double parseDouble(String name, String value) {
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number such as 0.2: '" + value + "'", e);
        }
    }
}
