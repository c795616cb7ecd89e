package dev.myelin.spring.boot.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.annotation.AliasFor;
import org.springframework.test.context.ContextCustomizerFactories;

import dev.myelin.spring.boot.internal.EmbeddedServersCustomizerFactory;

/**
 * A {@link SpringBootTest} on real, embedded servers: a Kafka broker (KRaft, in this JVM) and a
 * schema registry (Apicurio, a child process) start before the context, the {@code myelin.*}
 * properties point at them ({@code myelin.bootstrap-servers}, also as
 * {@code spring.kafka.bootstrap-servers}, {@code myelin.schema-registry.url}, {@code myelin.dev-mode}
 * and a fresh {@code myelin.state-directory} under {@code target/}), and they stop after the context
 * closes. Test classes with the same configuration share one context, and so one broker and
 * registry. The servers are beans, for a test that needs them:
 * {@code @Autowired EmbeddedKafkaCluster kafka}.
 *
 * <pre>{@code
 * @MyelinSpringTest(webEnvironment = WebEnvironment.RANDOM_PORT)
 * class AccountsIT {
 *     @Autowired MyelinRuntimes myelin;
 *
 *     @Test
 *     void depositShowsInTheBalance() throws Exception {
 *         myelin.gateway(Account.TYPE).send("acc-1", new OpenAccount("ada")).get();
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <p>Needs {@code myelin-embedded} and {@code spring-boot-test} on the test class path, and the
 * registry's distribution where {@code myelin-embedded} looks for it (the
 * {@code myelin.apicurio.distribution} system property).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@SpringBootTest
@ContextCustomizerFactories(EmbeddedServersCustomizerFactory.class)
public @interface MyelinSpringTest {

    /**
     * Returns properties for the test's environment, in {@code key=value} form; see {@link SpringBootTest#properties()}.
     *
     * @return the properties
     */
    @AliasFor(annotation = SpringBootTest.class)
    String[] properties() default {};

    /**
     * Returns the classes that configure the context; see {@link SpringBootTest#classes()}.
     *
     * @return the classes, or none to find the {@code @SpringBootConfiguration}
     */
    @AliasFor(annotation = SpringBootTest.class)
    Class<?>[] classes() default {};

    /**
     * Returns the web environment; see {@link SpringBootTest#webEnvironment()}.
     *
     * @return the web environment
     */
    @AliasFor(annotation = SpringBootTest.class)
    SpringBootTest.WebEnvironment webEnvironment() default SpringBootTest.WebEnvironment.MOCK;
}
