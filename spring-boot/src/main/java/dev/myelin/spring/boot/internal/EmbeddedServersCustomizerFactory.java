package dev.myelin.spring.boot.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.EmbeddedSchemaRegistry;

/**
 * What {@code @MyelinSpringTest} adds to a test context: an embedded broker and registry, started
 * before the context refreshes, their addresses as the highest-precedence properties, and the two
 * servers as beans destroyed after every other bean, so the runtimes stop while the broker still runs.
 */
public final class EmbeddedServersCustomizerFactory implements ContextCustomizerFactory {

    /** The name of the property source holding the servers' addresses. */
    public static final String PROPERTY_SOURCE = "myelinEmbeddedServers";

    @Override
    public ContextCustomizer createContextCustomizer(Class<?> testClass, List<ContextConfigurationAttributes> configAttributes) {
        return new EmbeddedServers();
    }

    /** One broker and one registry per test context; contexts of equal configuration share them. */
    private static final class EmbeddedServers implements ContextCustomizer {

        @Override
        public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
            EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1);
            EmbeddedSchemaRegistry registry;
            try {
                registry = EmbeddedSchemaRegistry.start();
            } catch (RuntimeException e) {
                kafka.close();
                throw e;
            }
            ConfigurableListableBeanFactory beans = context.getBeanFactory();
            beans.registerSingleton("myelinEmbeddedKafka", kafka);
            beans.registerSingleton("myelinEmbeddedSchemaRegistry", registry);
            // registered before any other bean, so destroyed after all of them
            if (beans instanceof DefaultSingletonBeanRegistry disposables) {
                disposables.registerDisposableBean("myelinEmbeddedKafka", kafka::close);
                disposables.registerDisposableBean("myelinEmbeddedSchemaRegistry", registry::close);
            }
            context.getEnvironment().getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE, Map.of(
                    "myelin.bootstrap-servers", kafka.bootstrapServers(),
                    ApplicationSettings.SPRING_KAFKA_SERVERS, kafka.bootstrapServers(),
                    "myelin.schema-registry.url", registry.url(),
                    "myelin.dev-mode", "true",
                    "myelin.state-directory", stateDirectory().toString())));
        }

        /** Under target/ when there is one: not the OS temp directory, which the OS may clean under a running store. */
        private static Path stateDirectory() {
            try {
                Path target = Path.of("target");
                return Files.isDirectory(target) ? Files.createTempDirectory(target, "myelin-spring-test-")
                        : Files.createTempDirectory("myelin-spring-test-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the test's state directory", e);
            }
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof EmbeddedServers;
        }

        @Override
        public int hashCode() {
            return EmbeddedServers.class.hashCode();
        }
    }
}
