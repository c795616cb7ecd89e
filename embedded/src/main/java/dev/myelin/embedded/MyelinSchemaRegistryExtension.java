package dev.myelin.embedded;

import java.lang.reflect.AnnotatedElement;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit 5 extension behind {@link MyelinSchemaRegistry}: starts the registry before the
 * annotated class's first test (or earlier, when its constructor asks for it), injects it, and
 * leaves closing to JUnit, which closes what the class's store holds when the class is done.
 */
public final class MyelinSchemaRegistryExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(MyelinSchemaRegistryExtension.class);
    private static final String KEY = "registry";

    /**
     * Creates the extension; JUnit does this for classes annotated with {@link MyelinSchemaRegistry}.
     */
    public MyelinSchemaRegistryExtension() {
    }

    /**
     * Starts the registry of the annotated class unless it is already running.
     *
     * @param context the class's context
     */
    @Override
    public void beforeAll(ExtensionContext context) {
        registry(context);
    }

    /**
     * Tells JUnit that parameters of type {@link EmbeddedSchemaRegistry} are injected here.
     *
     * @param parameter the parameter to resolve
     * @param context   the context of the method or constructor that declares it
     * @return true for {@link EmbeddedSchemaRegistry} parameters
     */
    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == EmbeddedSchemaRegistry.class;
    }

    /**
     * Returns the annotated class's registry, starting it if needed.
     *
     * @param parameter the parameter to resolve
     * @param context   the context of the method or constructor that declares it
     * @return the running registry
     */
    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return registry(context);
    }

    private static EmbeddedSchemaRegistry registry(ExtensionContext context) {
        ExtensionContext scope = annotatedScope(context).orElseThrow(() -> new ExtensionConfigurationException(
                context.getRequiredTestClass().getName()
                        + " uses MyelinSchemaRegistryExtension without @MyelinSchemaRegistry"));
        MyelinSchemaRegistry settings = AnnotationSupport
                .findAnnotation(scope.getRequiredTestClass(), MyelinSchemaRegistry.class)
                .orElseThrow();
        // getOrComputeIfAbsent on the class's own store: a constructor (PER_CLASS lifecycle) may ask
        // before beforeAll runs, and nested classes must find their outer class's registry.
        return scope.getStore(NAMESPACE)
                .getOrComputeIfAbsent(KEY, key -> new StoredRegistry(start(settings)), StoredRegistry.class)
                .registry();
    }

    /* The nearest enclosing context, this one included, whose class carries the annotation. */
    private static Optional<ExtensionContext> annotatedScope(ExtensionContext context) {
        for (ExtensionContext scope = context; scope != null; scope = scope.getParent().orElse(null)) {
            Optional<AnnotatedElement> element = scope.getElement();
            if (element.isPresent() && element.get() instanceof Class<?>
                    && AnnotationSupport.isAnnotated(element.get(), MyelinSchemaRegistry.class)) {
                return Optional.of(scope);
            }
        }
        return Optional.empty();
    }

    private static EmbeddedSchemaRegistry start(MyelinSchemaRegistry settings) {
        EmbeddedSchemaRegistry.Builder builder;
        try {
            builder = EmbeddedSchemaRegistry.builder()
                    .compatibility(settings.compatibility())
                    .startupTimeout(Duration.ofSeconds(settings.startupTimeoutSeconds()));
        } catch (IllegalArgumentException e) {
            throw new ExtensionConfigurationException("@MyelinSchemaRegistry: " + e.getMessage(), e);
        }
        return builder.start();
    }

    /*
     * Both interfaces on purpose: JUnit 5.13 closes stored AutoCloseables and deprecates
     * CloseableResource, while older JUnit versions, and 5.13 with autoclose switched off, close only
     * CloseableResource. close() is idempotent, so being closed by either path is fine.
     */
    @SuppressWarnings("deprecation")
    private record StoredRegistry(EmbeddedSchemaRegistry registry)
            implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            registry.close();
        }
    }
}
