package dev.myelin.examples.shop;

import java.io.PrintStream;

/**
 * A progress bar on one terminal line, redrawn in place with {@code \r}. When the output is not a
 * terminal (a pipe, a CI log, a test) a carriage return would pile every redraw onto one long line,
 * so it prints a plain line at each tenth instead.
 *
 * <pre>{@code
 * ProgressBar bar = new ProgressBar(System.out, 2000, System.console() != null);
 * bar.update(500, "placed 800");
 * bar.finish("done");
 * }</pre>
 */
public final class ProgressBar {
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final long total;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private long lastDrawNanos;
    private long lastTenth = -1;

    /**
     * Creates a bar for {@code total} units of work.
     *
     * @param out      where to draw
     * @param total    the amount of work, at least 1
     * @param terminal whether {@code out} is a terminal that understands {@code \r}
     * @throws IllegalArgumentException if {@code total} is less than 1
     */
    public ProgressBar(PrintStream out, long total, boolean terminal) {
        if (total < 1) {
            throw new IllegalArgumentException("total must be at least 1: " + total);
        }
        this.out = out;
        this.total = total;
        this.terminal = terminal;
    }

    /**
     * Shows {@code done} units done, with a note after the bar; redraws at most ten times a second.
     *
     * @param done the units done so far
     * @param note a short text after the bar
     */
    public void update(long done, String note) {
        long now = System.nanoTime();
        if (terminal) {
            if (now - lastDrawNanos >= 100_000_000L || done >= total) {
                lastDrawNanos = now;
                out.print("\r" + line(done, note) + "   ");
                out.flush();
            }
        } else {
            long tenth = Math.min(10, done * 10 / total);
            if (tenth > lastTenth) {
                lastTenth = tenth;
                out.println(line(done, note));
            }
        }
    }

    /**
     * Draws the bar full and ends its line.
     *
     * @param note a short text after the bar
     */
    public void finish(String note) {
        lastDrawNanos = 0;
        update(total, note);
        if (terminal) {
            out.println();
        }
    }

    private String line(long done, String note) {
        int filled = (int) (WIDTH * Math.min(done, total) / total);
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        return String.format("[%s%s] %3d%% %d/%d %s (%.1f s)", "#".repeat(filled), ".".repeat(WIDTH - filled),
                100 * Math.min(done, total) / total, done, total, note, seconds);
    }
}
