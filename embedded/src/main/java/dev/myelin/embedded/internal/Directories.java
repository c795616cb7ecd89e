package dev.myelin.embedded.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Deletes the folders the embedded servers leave behind.
 */
public final class Directories {

    private Directories() {
    }

    /**
     * Deletes {@code root} and everything below it, ignoring files that vanish meanwhile or cannot
     * be deleted: a leftover temp file must not fail the test that made it.
     *
     * @param root the folder to delete
     */
    public static void deleteQuietly(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException ignored) {
                    // best effort, see above
                }
            });
        } catch (IOException ignored) {
            // best effort, see above
        }
    }
}
