package dev.myelin.spring.boot.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.EmbeddedSchemaRegistry;
import dev.myelin.spring.boot.internal.ApplicationSettings;

/**
 * Runs a context on an embedded Kafka broker (KRaft, in this JVM) and schema registry (Apicurio, a
 * child process): they start before the context refreshes, the {@code myelin.*} properties point at
 * them with the highest precedence ({@code myelin.bootstrap-servers}, also as
 * {@code spring.kafka.bootstrap-servers}, {@code myelin.schema-registry.url}, {@code myelin.dev-mode}
 * and a fresh {@code myelin.state-directory}), and they are beans (an {@link EmbeddedKafkaCluster}
 * and an {@link EmbeddedSchemaRegistry}) destroyed after every other bean, so the runtimes stop while
 * the broker still runs. {@link MyelinSpringTest} uses it; a demo's {@code main} can too:
 *
 * <pre>{@code
 * SpringApplication bank = new SpringApplication(BankApplication.class);
 * bank.addInitializers(EmbeddedServers.unlessClusterConfigured());   // a laptop demo without a Kafka of its own
 * bank.run(args);
 * }</pre>
 */
public final class EmbeddedServers implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    /** The name of the property source holding the servers' addresses. */
    public static final String PROPERTY_SOURCE = "myelinEmbeddedServers";

    private final boolean always;

    private EmbeddedServers(boolean always) {
        this.always = always;
    }

    /**
     * Returns the initializer that starts the servers for every context.
     *
     * @return the initializer
     */
    public static EmbeddedServers always() {
        return new EmbeddedServers(true);
    }

    /**
     * Returns the initializer that starts the servers only for a context whose environment names no
     * cluster ({@code myelin.bootstrap-servers} and {@code spring.kafka.bootstrap-servers} unset).
     *
     * @return the initializer
     */
    public static EmbeddedServers unlessClusterConfigured() {
        return new EmbeddedServers(false);
    }

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        ConfigurableEnvironment environment = context.getEnvironment();
        if (!always && (environment.containsProperty("myelin.bootstrap-servers")
                || environment.containsProperty(ApplicationSettings.SPRING_KAFKA_SERVERS))) {
            return;
        }
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
        environment.getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE, Map.of(
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
            return Files.isDirectory(target) ? Files.createTempDirectory(target, "myelin-spring-")
                    : Files.createTempDirectory("myelin-spring-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the state directory", e);
        }
    }
}
