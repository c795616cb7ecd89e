package dev.myelin.spring.boot.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

import org.apache.kafka.clients.CommonClientConfigs;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;

import dev.myelin.application.Myelin;
import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.AggregateType;
import dev.myelin.processors.Projection;
import dev.myelin.sagas.SagaDefinition;
import dev.myelin.spring.boot.MyelinRuntimes;

/**
 * The {@code myelin} section of the actuator's info endpoint: the application's name, the Myelin
 * and Kafka versions it runs, and the topics of each aggregate type, saga and projection of the
 * context (read from their definitions, so they show before the runtimes start too). Also the
 * Spring Boot version, as Myelin's integration is tested with one line of it.
 */
public final class ApplicationInfoContributor implements InfoContributor {

    private static final String MYELIN_POM = "/META-INF/maven/dev.myelin/myelin-application/pom.properties";
    /** Where kafka-clients keeps its version (what Kafka's own, internal, AppInfoParser reads). */
    private static final String KAFKA_VERSION = "/kafka/kafka-version.properties";

    private final MyelinRuntimes runtimes;

    /**
     * Creates the contributor.
     *
     * @param runtimes the runtimes whose definitions it shows
     */
    public ApplicationInfoContributor(MyelinRuntimes runtimes) {
        this.runtimes = Objects.requireNonNull(runtimes, "runtimes");
    }

    @Override
    public void contribute(Info.Builder builder) {
        Myelin myelin = runtimes.application();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("application", myelin.name());
        details.put("versions", Map.of("myelin", version(Myelin.class, MYELIN_POM), "kafka", version(CommonClientConfigs.class, KAFKA_VERSION),
                "spring-boot", Objects.requireNonNullElse(SpringBootVersion.getVersion(), "unknown")));
        Map<String, Object> stores = new LinkedHashMap<>();
        for (AggregateType<?, ?, ?> type : runtimes.aggregateTypes()) {
            AggregateTopics topics = myelin.topics(type);
            stores.put(type.name(), Map.of("running", runtimes.eventStores().containsKey(type.name()),
                    "topics", Map.of("commands", topics.commands(), "events", topics.events(),
                            "command-results", topics.commandResults(), "dead-letters", topics.deadLetters())));
        }
        details.put("event-stores", stores);
        Map<String, Object> sagas = new LinkedHashMap<>();
        for (SagaDefinition<?, ?> saga : runtimes.sagaDefinitions()) {
            sagas.put(saga.name(), Map.of("running", runtimes.sagas().containsKey(saga.name()), "trigger-topic", saga.triggerTopic(),
                    "steps", saga.stepNames()));
        }
        details.put("sagas", sagas);
        Map<String, Object> projections = new LinkedHashMap<>();
        for (Projection<?, ?> projection : runtimes.projectionDefinitions()) {
            Map<String, Object> topics = new LinkedHashMap<>();
            topics.put("sources", projection.sourceTopics());
            topics.put("dead-letters", projection.deadLetterTopic());
            projection.publishTopic().ifPresent(topic -> topics.put("publish", topic));
            projections.put(projection.name(), Map.of("running", runtimes.projections().containsKey(projection.name()), "topics", topics));
        }
        details.put("projections", projections);
        builder.withDetail("myelin", details);
    }

    /**
     * Returns the version in the jar of {@code type}: from its manifest, else from the properties file
     * {@code resource}; "unknown" when neither says (running from classes, in an IDE or a reactor build).
     */
    private static String version(Class<?> type, String resource) {
        String version = type.getPackage().getImplementationVersion();
        if (version != null) {
            return version;
        }
        try (InputStream in = type.getResourceAsStream(resource)) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                return properties.getProperty("version", "unknown");
            }
        } catch (IOException e) {
            // the version is a detail of the info endpoint, never a reason to fail it
        }
        return "unknown";
    }
}
