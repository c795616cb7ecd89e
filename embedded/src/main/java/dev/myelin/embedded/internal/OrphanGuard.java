package dev.myelin.embedded.internal;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Runs another program's main class in a child JVM and ends that JVM when the parent that
 * started it goes away, even when the parent was killed with SIGKILL and its shutdown hooks never
 * ran.
 *
 * <p>The parent keeps the write end of the child's standard input open and never writes to it.
 * When the parent dies, the operating system closes that pipe, the read here sees end of file, and
 * the child exits through {@link System#exit}, so its own shutdown hooks still run.
 */
public final class OrphanGuard {

    private OrphanGuard() {
    }

    /**
     * Starts the guard, then the program.
     *
     * @param args the program's main class, followed by its arguments
     * @throws Throwable whatever the program's main method throws
     */
    public static void main(String[] args) throws Throwable {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: OrphanGuard <main class> [arguments...]");
        }
        Thread guard = new Thread(OrphanGuard::exitWhenParentGoes, "myelin-orphan-guard");
        guard.setDaemon(true);
        guard.start();
        Method main = Class.forName(args[0]).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static void exitWhenParentGoes() {
        byte[] ignored = new byte[256];
        try (InputStream in = System.in) {
            while (in.read(ignored) != -1) {
                // the parent never writes; anything read is discarded
            }
        } catch (IOException e) {
            // a broken pipe means the parent is gone too
        }
        System.exit(0);
    }
}
