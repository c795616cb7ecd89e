package dev.myelin.embedded;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts a real embedded schema registry for a JUnit 5 test class, closes it after the class's
 * last test, and injects it as an {@link EmbeddedSchemaRegistry} parameter into constructors,
 * lifecycle methods and tests. {@code @Nested} classes share the registry of the class that
 * carries the annotation.
 *
 * <pre>{@code
 * @MyelinSchemaRegistry(compatibility = "FULL")
 * class OrderEventsIT {
 *     @Test
 *     void registersTheOrderSchema(EmbeddedSchemaRegistry registry) {
 *         Map<String, Object> serdeConfig = Map.of("schema.registry.url", registry.url());
 *         ...
 *     }
 * }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(MyelinSchemaRegistryExtension.class)
public @interface MyelinSchemaRegistry {

    /**
     * Returns the registry's global compatibility level; see
     * {@link EmbeddedSchemaRegistry.Builder#compatibility(String)} for the accepted values.
     *
     * @return the level, {@code BACKWARD} by default
     */
    String compatibility() default EmbeddedSchemaRegistry.DEFAULT_COMPATIBILITY;

    /**
     * Returns how many seconds to wait for the registry to start.
     *
     * @return a positive number of seconds, 60 by default
     */
    long startupTimeoutSeconds() default 60;
}
