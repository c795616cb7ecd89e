package dev.myelin.embedded;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 extension behind {@link MyelinKafka}: starts the cluster before the class's first
 * test, injects it, and leaves closing to JUnit, which closes what its stores hold when their
 * scope (the class, or the whole run for shared clusters) ends.
 */
public final class MyelinKafkaExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(MyelinKafkaExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == EmbeddedKafkaCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return cluster(context);
    }

    private static EmbeddedKafkaCluster cluster(ExtensionContext context) {
        MyelinKafka settings = AnnotationSupport.findAnnotation(context.getRequiredTestClass(), MyelinKafka.class)
                .orElseThrow(() -> new ExtensionConfigurationException(
                        context.getRequiredTestClass().getName() + " uses MyelinKafkaExtension without @MyelinKafka"));
        List<String> properties = Arrays.asList(settings.brokerProperties());
        String key = "kafka:" + settings.brokers() + ":" + properties;
        ExtensionContext scope = settings.shared() ? context.getRoot() : classScope(context);
        return scope.getStore(NAMESPACE).getOrComputeIfAbsent(key, k -> start(settings), EmbeddedKafkaCluster.class);
    }

    private static ExtensionContext classScope(ExtensionContext context) {
        ExtensionContext scope = context;
        while (scope.getTestMethod().isPresent() && scope.getParent().isPresent()) {
            scope = scope.getParent().get();
        }
        return scope;
    }

    private static EmbeddedKafkaCluster start(MyelinKafka settings) {
        EmbeddedKafkaCluster.Builder builder = EmbeddedKafkaCluster.builder().brokers(settings.brokers());
        for (String property : settings.brokerProperties()) {
            int equals = property.indexOf('=');
            if (equals <= 0) {
                throw new ExtensionConfigurationException(
                        "@MyelinKafka brokerProperties entries look like name=value, not '" + property + "'");
            }
            builder.brokerProperty(property.substring(0, equals).trim(), property.substring(equals + 1).trim());
        }
        return builder.start();
    }
}
