package dev.myelin.embedded;

import java.io.IOException;

/**
 * Starts a registry, prints its pid and waits for standard input to close: the stand-in for a test
 * JVM that is killed while its registry runs.
 */
final class RegistryInAnotherJvm {

    static final String PID_PREFIX = "registry-pid=";

    private RegistryInAnotherJvm() {
    }

    public static void main(String[] args) throws IOException {
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start();
        System.out.println(PID_PREFIX + registry.pid());
        System.out.flush();
        while (System.in.read() != -1) {
            // wait for the test to kill this JVM
        }
        registry.close();
    }
}
