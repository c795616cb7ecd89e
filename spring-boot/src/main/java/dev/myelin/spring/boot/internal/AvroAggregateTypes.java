package dev.myelin.spring.boot.internal;

import org.apache.avro.specific.SpecificRecord;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.ResolvableType;

import dev.myelin.eventstore.AggregateType;

/**
 * Checks that the aggregate type beans are Avro types: their event stores give commands and events
 * the application's Avro serde, so a type of other commands would fail only at its first command.
 * The check reads the beans' declared generic types; a bean declared without them passes.
 */
public final class AvroAggregateTypes {

    private AvroAggregateTypes() {
    }

    /**
     * Checks every {@link AggregateType} bean of {@code beans}.
     *
     * @param beans the bean factory
     * @throws IllegalStateException naming the first bean whose commands or events are declared as
     *                               something other than Avro records
     */
    public static void check(ConfigurableListableBeanFactory beans) {
        for (String name : beans.getBeanNamesForType(AggregateType.class, true, false)) {
            ResolvableType type;
            try {
                type = beans.getMergedBeanDefinition(name).getResolvableType().as(AggregateType.class);
            } catch (NoSuchBeanDefinitionException e) {
                continue; // a singleton registered as an object: its generics are not known
            }
            for (int i = 1; i <= 2; i++) {
                Class<?> declared = type.getGeneric(i).resolve();
                if (declared != null && !SpecificRecord.class.isAssignableFrom(declared) && declared != Object.class) {
                    throw new IllegalStateException("aggregate type bean '" + name + "' is declared as " + type
                            + ": Myelin's Spring integration runs Avro aggregate types (commands and events SpecificRecord,"
                            + " such as one made by AggregateType.avro); start an event store of other types with"
                            + " Myelin.eventStore(type, options) and its serdes");
                }
            }
        }
    }
}
