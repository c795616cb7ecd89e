package dev.myelin.spring.boot;

import dev.myelin.application.Myelin;

/**
 * Changes the {@link Myelin.Builder} the auto-configuration builds the application with, after the
 * {@code myelin.*} properties are set: for what a property cannot hold, such as upcasters or a
 * schema registry client shared with other code. Declare it as a bean; several run in their
 * {@code @Order}.
 *
 * <pre>{@code
 * @Bean
 * MyelinBuilderCustomizer upcasters() {
 *     return builder -> builder.upcasters(UpcasterChain.of(new AccountOpenedV1ToV2()));
 * }
 * }</pre>
 */
@FunctionalInterface
public interface MyelinBuilderCustomizer {

    /**
     * Changes the builder.
     *
     * @param builder the builder, with the properties set
     */
    void customize(Myelin.Builder builder);
}
