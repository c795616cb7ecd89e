package dev.myelin.eventstore.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Micrometer and OpenTelemetry are optional: an application that hands Myelin neither runs with
 * neither on its class path. The probe runs in a class loader built from the test class path without
 * their jars, so any class of theirs Myelin touched would fail it with a NoClassDefFoundError.
 */
class NoMicrometerTest {

    @Test
    void anApplicationWithoutARegistryRunsWithNoMicrometerOnTheClassPath() throws Exception {
        try (URLClassLoader withoutMicrometer = new URLClassLoader(classPathWithoutMicrometer(), ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> withoutMicrometer.loadClass("io.micrometer.core.instrument.MeterRegistry"))
                    .isInstanceOf(ClassNotFoundException.class);
            assertThatThrownBy(() -> withoutMicrometer.loadClass("io.opentelemetry.api.OpenTelemetry"))
                    .isInstanceOf(ClassNotFoundException.class);

            Class<?> probe = withoutMicrometer.loadClass(NoMicrometerProbe.class.getName());
            assertThat(probe.getClassLoader()).isSameAs(withoutMicrometer);
            // Kafka loads its configured classes through the context class loader
            Thread thread = Thread.currentThread();
            ClassLoader before = thread.getContextClassLoader();
            thread.setContextClassLoader(withoutMicrometer);
            try {
                ((Runnable) probe.getConstructor().newInstance()).run();
            } finally {
                thread.setContextClassLoader(before);
            }
        }
    }

    private static URL[] classPathWithoutMicrometer() throws MalformedURLException {
        // surefire runs tests from a manifest-only jar; it names the real class path in this property
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<URL> urls = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            if (!entry.isBlank() && !entry.contains("micrometer") && !entry.contains("opentelemetry")) {
                urls.add(new File(entry).toURI().toURL());
            }
        }
        assertThat(urls).as("the test class path").hasSizeGreaterThan(3);
        return urls.toArray(URL[]::new);
    }
}
