package dev.myelin.examples;

/**
 * The README's first command runs this: Myelin's demo on embedded, real servers.
 */
public final class Demo {

    private Demo() {
    }

    /**
     * Runs the demo and exits 0 when it completes.
     *
     * @param args command-line options; {@code --help} lists them
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println("Usage: Demo\n  Starts an embedded Kafka broker and shows a transactional write read back exactly once.");
            return;
        }
        if (args.length > 0) {
            System.err.println("Unknown option: " + args[0] + " (try --help)");
            System.exit(2);
        }
        HelloKafka.run(System.out);
    }
}
