package dev.myelin.examples;

import java.io.PrintStream;

import dev.myelin.examples.shop.DemoOptions;
import dev.myelin.examples.shop.ShopDemo;

/**
 * The README's first command runs this: the shop demo on embedded, real servers (or on the cluster
 * and registry given by {@code --bootstrap-servers} and {@code --registry-url}).
 *
 * <pre>{@code
 * mvn -B -q -pl examples -am -DskipTests package exec:java -Dexec.args="--orders 500 --fail-share 0.1"
 * }</pre>
 */
public final class Demo {
    /** The exit code of a run that ended with its summary. */
    public static final int OK = 0;
    /** The exit code of a run that failed. */
    public static final int FAILED = 1;
    /** The exit code of bad options. */
    public static final int USAGE = 2;

    private Demo() {
    }

    /**
     * Runs the demo and exits with its exit code.
     *
     * @param args command-line options; {@code --help} lists them
     */
    public static void main(String[] args) {
        int code = run(args, System.out, System.err, System.console() != null);
        // Kafka's clients may leave non-daemon threads behind for a moment; the demo is over either way
        System.exit(code);
    }

    /**
     * Parses {@code args} and runs the shop demo.
     *
     * @param args     command-line options
     * @param out      where the demo prints its progress and summary, and {@code --help} its usage
     * @param err      where bad options and failures are reported
     * @param terminal whether {@code out} is a terminal
     * @return {@link #OK}, {@link #FAILED} or {@link #USAGE}
     */
    public static int run(String[] args, PrintStream out, PrintStream err, boolean terminal) {
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("Error: " + e.getMessage() + " (try --help)");
            return USAGE;
        }
        if (options.help()) {
            out.print(DemoOptions.USAGE);
            return OK;
        }
        try {
            ShopDemo.run(options, out, terminal);
            return OK;
        } catch (Exception e) {
            err.println("The demo failed: " + e);
            e.printStackTrace(err);
            return FAILED;
        }
    }
}
