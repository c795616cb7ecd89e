package dev.myelin.embedded.internal;

import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The class path a child JVM needs to run what this JVM runs, for the embedded brokers and the
 * benchmarks' child JVMs.
 */
public final class ClassPaths {

    private ClassPaths() {
    }

    /**
     * Returns the class path of {@code anchor} and everything beside it: the URLs of the class
     * loaders that loaded it, when they say them (under {@code mvn exec:java}, {@code java.class.path}
     * is Maven's own launcher), then {@code java.class.path} (a test fork's manifest jar, or
     * {@code java -cp}).
     *
     * @param anchor a class whose class path the child needs
     * @return the entries, joined with the platform's path separator
     */
    public static String forChildOf(Class<?> anchor) {
        Set<String> entries = new LinkedHashSet<>();
        for (ClassLoader loader = anchor.getClassLoader(); loader != null; loader = loader.getParent()) {
            if (loader instanceof URLClassLoader urlLoader) {
                for (URL url : urlLoader.getURLs()) {
                    try {
                        entries.add(Path.of(url.toURI()).toString());
                    } catch (URISyntaxException | IllegalArgumentException notAFile) {
                        // a child JVM could not read it either
                    }
                }
            }
        }
        entries.addAll(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        return String.join(File.pathSeparator, entries);
    }
}
