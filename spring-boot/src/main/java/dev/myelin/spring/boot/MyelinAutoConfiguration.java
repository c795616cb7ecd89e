package dev.myelin.spring.boot;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;

import dev.myelin.application.Myelin;
import dev.myelin.eventstore.AggregateType;
import dev.myelin.processors.Projection;
import dev.myelin.sagas.SagaDefinition;
import dev.myelin.spring.boot.internal.ApplicationInfoContributor;
import dev.myelin.spring.boot.internal.ApplicationSettings;
import dev.myelin.spring.boot.internal.AvroAggregateTypes;
import dev.myelin.spring.boot.internal.RuntimeHealthContributor;

/**
 * Auto-configures Myelin in a Spring Boot application: the {@link Myelin} application from the
 * {@link MyelinProperties} ({@code myelin.*}), and {@link MyelinRuntimes}, which runs an event
 * store for each {@link AggregateType} bean, a saga runtime for each {@link SagaDefinition} bean and
 * a running projection for each {@link Projection} bean while the context runs. With Micrometer,
 * Myelin counts on the context's {@code MeterRegistry}; with OpenTelemetry, it traces on the
 * context's {@code OpenTelemetry}; with Spring Boot's health support, a {@code myelin} health
 * contributor reports each runtime; with the actuator, the info endpoint shows a {@code myelin}
 * section. A {@link Myelin} bean of the application's own replaces the one built here.
 */
@AutoConfiguration
@EnableConfigurationProperties(MyelinProperties.class)
public class MyelinAutoConfiguration {

    /**
     * Builds the application from the properties and the customizers; connects to nothing.
     *
     * @param properties  the myelin.* properties
     * @param environment the environment, for spring.application.name and spring.kafka.bootstrap-servers
     * @param customizers the customizers, in their order
     * @return the application, closed with the context
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Myelin myelin(MyelinProperties properties, Environment environment, ObjectProvider<MyelinBuilderCustomizer> customizers) {
        Myelin.Builder builder = ApplicationSettings.of(properties, environment).builder();
        customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
        return builder.build();
    }

    /**
     * Runs the domain's beans: their runtimes start and stop with the context.
     *
     * @param myelin      the application
     * @param types       the aggregate type beans
     * @param sagas       the saga definition beans
     * @param projections the projection beans
     * @param properties  the per-runtime settings
     * @param beans       the bean factory, whose aggregate type beans must be Avro types
     * @return the runtimes
     */
    @Bean
    @ConditionalOnMissingBean
    public MyelinRuntimes myelinRuntimes(Myelin myelin, ObjectProvider<AggregateType<?, ?, ?>> types,
            ObjectProvider<SagaDefinition<?, ?>> sagas, ObjectProvider<Projection<?, ?>> projections, MyelinProperties properties,
            ConfigurableListableBeanFactory beans) {
        AvroAggregateTypes.check(beans);
        return new MyelinRuntimes(myelin, types.orderedStream().toList(), sagas.orderedStream().toList(),
                projections.orderedStream().toList(), properties);
    }

    /** Myelin's meters on the context's registry, when Micrometer is there. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    static class Meters {
        @Bean
        MyelinBuilderCustomizer myelinMeterRegistry(ObjectProvider<MeterRegistry> registry) {
            return builder -> registry.ifUnique(builder::meterRegistry);
        }
    }

    /** Myelin's spans on the context's OpenTelemetry, when there is one. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(OpenTelemetry.class)
    static class Tracing {
        @Bean
        MyelinBuilderCustomizer myelinOpenTelemetry(ObjectProvider<OpenTelemetry> openTelemetry) {
            return builder -> openTelemetry.ifUnique(builder::openTelemetry);
        }
    }

    /** The runtimes' health, when Spring Boot's health support is there. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthContributor.class)
    static class Health {
        /** Nested: its condition's class is in spring-boot-health, so it is read only once that is known to be there. */
        @Configuration(proxyBeanMethods = false)
        @ConditionalOnEnabledHealthIndicator("myelin")
        static class Enabled {
            @Bean
            @ConditionalOnMissingBean(name = "myelinHealthContributor")
            RuntimeHealthContributor myelinHealthContributor(MyelinRuntimes runtimes) {
                return new RuntimeHealthContributor(runtimes);
            }
        }
    }

    /** The application's topics and versions on the info endpoint, when the actuator is there. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(InfoContributor.class)
    static class Information {
        @Bean
        @ConditionalOnMissingBean(name = "myelinInfoContributor")
        ApplicationInfoContributor myelinInfoContributor(MyelinRuntimes runtimes) {
            return new ApplicationInfoContributor(runtimes);
        }
    }
}
