package dev.myelin.embedded;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts a real embedded Kafka cluster for a JUnit 5 test class and injects it as an
 * {@link EmbeddedKafkaCluster} parameter into constructors, lifecycle methods and tests.
 *
 * <pre>{@code
 * @MyelinKafka(brokers = 3)
 * class FailoverIT {
 *     @Test
 *     void survivesABrokerLoss(EmbeddedKafkaCluster kafka) {
 *         kafka.createTopic("orders", 3);
 *         kafka.stopBroker(2);
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <p>By default each test class gets its own cluster, closed after its last test. With
 * {@link #shared()} test classes that ask for the same brokers and properties share one cluster,
 * closed when the whole test run ends: faster, but such classes must not depend on a clean cluster.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(MyelinKafkaExtension.class)
public @interface MyelinKafka {

    /**
     * Returns how many nodes (broker and controller each) the cluster has.
     *
     * @return 1 or more
     */
    int brokers() default 1;

    /**
     * Returns broker properties that override Myelin's defaults, each as {@code name=value}.
     *
     * @return the overrides
     */
    String[] brokerProperties() default {};

    /**
     * Returns whether test classes with the same settings share one cluster for the whole run.
     *
     * @return true to share
     */
    boolean shared() default false;
}
