package dev.myelin.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.myelin.embedded.internal.ClassPaths;

/**
 * A main class of this module run in its own JVM (the same java binary and class path), its output
 * in a log file that the benchmark reads for the lines the child prints: what a supervisor restarts
 * and what SIGKILL stops.
 */
final class ChildJvm implements AutoCloseable {

    /** Children still running when this JVM ends (a benchmark stopped by Ctrl-C) end with it. */
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly), "stop-child-jvms"));
    }

    private final Process process;
    private final Path log;
    private final String name;

    private ChildJvm(Process process, Path log, String name) {
        this.process = process;
        this.log = log;
        this.name = name;
    }

    /** Starts {@code main} with {@code args} and a heap of {@code heap} (such as {@code 1g}). */
    static ChildJvm start(String name, Class<?> main, String heap, Path log, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-cp", classPath(), main.getName()));
        command.addAll(args);
        Files.createDirectories(log.toAbsolutePath().getParent());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        RUNNING.add(process);
        process.onExit().thenRun(() -> RUNNING.remove(process));
        return new ChildJvm(process, log, name);
    }

    /**
     * Waits for the first line starting with {@code prefix} and returns the rest of it.
     *
     * @throws IllegalStateException if the child exits first or prints no such line within {@code timeout}
     */
    String awaitLine(String prefix, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<String> line = lastLine(prefix);
            if (line.isPresent()) {
                return line.get();
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before printing " + prefix
                        + "; its log " + log + " ends with:\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " printed no " + prefix + " within " + timeout + "; its log " + log
                        + " ends with:\n" + tail());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    /** Returns the rest of the last line starting with {@code prefix} printed so far. */
    Optional<String> lastLine(String prefix) {
        String found = null;
        for (String line : lines()) {
            if (line.startsWith(prefix)) {
                found = line.substring(prefix.length()).trim();
            }
        }
        return Optional.ofNullable(found);
    }

    /** Returns every line printed so far that contains {@code text}. */
    List<String> linesContaining(String text) {
        return lines().stream().filter(line -> line.contains(text)).toList();
    }

    /** Kills the child with SIGKILL (no shutdown hook, no commit, no leave-group) and waits until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") still runs a minute after SIGKILL");
        }
        if (process.exitValue() != 137) {
            throw new IllegalStateException(name + " ended with " + process.exitValue() + ", not 137 (128 + SIGKILL); log " + log);
        }
    }

    /** Stops the child politely (SIGTERM: its shutdown hooks close what it runs), SIGKILL after a minute. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private List<String> lines() {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
    }

    private String tail() {
        List<String> lines = lines();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /** This module's class path, as the embedded brokers' child JVMs get theirs. */
    static String classPath() {
        return ClassPaths.forChildOf(ChildJvm.class);
    }
}
