package dev.myelin.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.Decision;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.processors.ProjectionConfig;
import dev.myelin.schemas.InMemorySchemaRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;

class MyelinTest {
    /** Commands and events of an Avro type are SpecificRecords; this one never runs, it only names topics. */
    private static final AggregateType<String, SpecificRecord, SpecificRecord> ACCOUNT = AggregateType.<String, SpecificRecord, SpecificRecord>named("account")
            .initialState("")
            .decide((state, command) -> Decision.reject("unused"))
            .evolve((state, event) -> state);

    @Test
    void withoutAClusterTheApplicationNamesTopicsAndServesSerdesForDefinitionsAndTheirTests() {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        Myelin bank = Myelin.application("bank").schemaRegistry(registry).build();

        assertThat(bank.name()).isEqualTo("bank");
        assertThat(bank.schemaRegistry()).isSameAs(registry);
        assertThat(bank.avro()).isSameAs(bank.avro());
        assertThat(bank.events(ACCOUNT).topic()).isEqualTo("bank.account.events");
        assertThat(bank.events(ACCOUNT).serde()).isSameAs(bank.avro());
        assertThat(bank.participant(ACCOUNT).commandTopic()).isEqualTo("bank.account.commands");
        assertThat(bank.participant(ACCOUNT).replyTopic()).isEqualTo("bank.account.command-results");
        assertThat(bank.eventStores()).isEmpty();
        assertThat(bank.projections()).isEmpty();
        assertThat(bank.sagas()).isEmpty();
        assertThatThrownBy(() -> bank.eventStore(ACCOUNT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("eventStore(account) needs a Kafka cluster")
                .hasMessageContaining("bootstrapServers(");
        assertThatThrownBy(bank::config).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void oneSetOfPropertiesGoesWhereEachApplies() {
        Myelin shop = Myelin.application("shop")
                .bootstrapServers("127.0.0.1:9092")
                .partitions(3)
                .singleBrokerDevMode()
                .property("commit.interval.ms", 50)                     // Kafka's: every runtime
                .property(ProjectionConfig.QUERY_TIMEOUT_MS, 2_000)     // projections only: the event store would refuse it
                .property(MyelinConfig.DEDUP_RETENTION_MS, 3_600_000)   // the event store only
                .property(MyelinConfig.DEAD_LETTER_RETENTION_MS, 86_400_000)
                .build();

        assertThat(shop.config().application()).isEqualTo("shop");
        assertThat(shop.config().bootstrapServers()).isEqualTo("127.0.0.1:9092");
        assertThat(shop.config().partitions()).isEqualTo(3);
        assertThat(shop.config().replicationFactor()).isEqualTo(1);
        assertThat(shop.config().properties()).containsEntry("commit.interval.ms", 50).doesNotContainKey(ProjectionConfig.QUERY_TIMEOUT_MS);
        assertThat(shop.config().dedupRetention()).hasHours(1);
        assertThat(shop.projectionConfig().toString()).contains("commit.interval.ms").contains("replication.factor");
    }

    @Test
    void theConsolesPropertiesShareTheApplicationsFileAndReachNoRuntime() {
        Myelin shop = Myelin.fromProperties(Map.of(Myelin.APPLICATION, "shop", "bootstrap.servers", "127.0.0.1:9092",
                "myelin.console.port", "18081", "myelin.console.access-token", "a-token-of-sixteen-chars"));

        assertThat(shop.consoleProperties()).containsOnly(Map.entry("myelin.console.port", "18081"),
                Map.entry("myelin.console.access-token", "a-token-of-sixteen-chars"));
        assertThat(shop.config().properties()).doesNotContainKeys("myelin.console.port", "myelin.console.access-token");
        assertThat(shop.projectionConfig().toString()).doesNotContain("myelin.console");
    }

    @Test
    void theMeterRegistryGoesToEveryRuntimesConfigurationAndMayBeSetOnce() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Myelin.Builder builder = Myelin.application("shop").bootstrapServers("127.0.0.1:9092").meterRegistry(registry);
        Myelin shop = builder.build();

        assertThat(shop.config().meterRegistry()).containsSame(registry);
        assertThatThrownBy(() -> builder.meterRegistry(new SimpleMeterRegistry())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("meterRegistry");
        assertThat(Myelin.application("bank").bootstrapServers("127.0.0.1:9092").build().config().meterRegistry()).isEmpty();
    }

    @Test
    void theOpenTelemetryGoesToEveryRuntimesConfigurationAndMayBeSetOnce() {
        OpenTelemetry otel = OpenTelemetry.noop();
        Myelin.Builder builder = Myelin.application("shop").bootstrapServers("127.0.0.1:9092").openTelemetry(otel);

        assertThat(builder.build().config().openTelemetry()).containsSame(otel);
        assertThatThrownBy(() -> builder.openTelemetry(OpenTelemetry.noop())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("openTelemetry");
        assertThat(Myelin.application("bank").bootstrapServers("127.0.0.1:9092").build().config().openTelemetry()).isEmpty();
    }

    @Test
    void readsTheWholeApplicationFromProperties() {
        Myelin shop = Myelin.fromProperties(Map.of(
                Myelin.APPLICATION, "shop",
                "bootstrap.servers", "127.0.0.1:9092",
                "myelin.schema.registry.url", "http://127.0.0.1:8081",
                "myelin.avro.trusted.packages", "com.example.shop",
                Myelin.STATE_DIR, "target/shop-state",
                MyelinConfig.PARTITIONS, "12"));

        assertThat(shop.name()).isEqualTo("shop");
        assertThat(shop.config().partitions()).isEqualTo(12);
        assertThat(shop.schemaRegistry()).isNotNull();
        assertThat(shop.toString()).contains("127.0.0.1:9092").contains("target/shop-state");
        assertThatThrownBy(() -> Myelin.fromProperties(Map.of("bootstrap.servers", "x:1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(Myelin.APPLICATION);
    }

    @Test
    void badSettingsAreRefusedWithTheirNames() {
        assertThatThrownBy(() -> Myelin.application("Bank"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'Bank'");
        assertThatThrownBy(() -> Myelin.application("bank").property("myelin.partition", 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown Myelin property myelin.partition")
                .hasMessageContaining(MyelinConfig.PARTITIONS);
        assertThatThrownBy(() -> Myelin.application("bank").partitions(3).property(MyelinConfig.PARTITIONS, 4))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already set to 3");
        assertThatThrownBy(() -> Myelin.application("bank").property(Myelin.APPLICATION, "other"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Myelin.application(name)");
        assertThatThrownBy(() -> Myelin.application("bank").schemaRegistry(new InMemorySchemaRegistry()).schemaRegistry("http://x"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("schemaRegistry was already set");
        assertThatThrownBy(() -> Myelin.application("bank").property("myelin.avro.trusted.packages", "a.b").build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no schema registry");
        assertThatThrownBy(() -> Myelin.application("bank").singleBrokerDevMode().property(MyelinConfig.REPLICATION_FACTOR, 3).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("singleBrokerDevMode");
        assertThatThrownBy(() -> Myelin.application("bank").property(MyelinConfig.PARTITIONS, "many").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(MyelinConfig.PARTITIONS);
        assertThatThrownBy(() -> Myelin.application("bank").build().avro())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("avro() needs a schema registry");
    }

    @Test
    void aClosedApplicationStartsNothing() {
        Myelin bank = Myelin.application("bank").bootstrapServers("127.0.0.1:9").schemaRegistry(new InMemorySchemaRegistry()).build();
        bank.close();
        bank.close();
        assertThatThrownBy(() -> bank.eventStore(ACCOUNT))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("application bank is closed");
    }
}
