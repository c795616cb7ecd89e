package dev.myelin.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import dev.myelin.application.Myelin;
import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.Health;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.examples.bank.Account;
import dev.myelin.examples.bank.AccountBalance;
import dev.myelin.examples.bank.AccountState;
import dev.myelin.examples.bank.Bank;
import dev.myelin.processors.Projection;
import dev.myelin.spring.boot.internal.ApplicationInfoContributor;
import dev.myelin.spring.boot.internal.RuntimeHealthContributor;

/**
 * The auto-configuration without a broker: which properties build which application, which beans
 * appear, and what the health and info contributors say. Runtimes are turned off here (they would
 * need a cluster); MyelinSpringIT runs them.
 */
class MyelinAutoConfigurationTest {

    private static final String REGISTRY = "myelin.schema-registry.url=http://registry.invalid:8080/apis/ccompat/v7";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MyelinAutoConfiguration.class));

    @Test
    void twoPropertiesMakeTheApplication() {
        runner.withPropertyValues("myelin.application=bank", "myelin.bootstrap-servers=kafka-1:9092,kafka-2:9092").run(context -> {
            Myelin myelin = context.getBean(Myelin.class);
            assertThat(myelin.name()).isEqualTo("bank");
            assertThat(myelin.config().bootstrapServers()).isEqualTo("kafka-1:9092,kafka-2:9092");
            assertThat(context).hasSingleBean(MyelinRuntimes.class).hasSingleBean(RuntimeHealthContributor.class)
                    .hasSingleBean(ApplicationInfoContributor.class);
            assertThat(context.getBean(MyelinRuntimes.class).isRunning()).isTrue();
        });
    }

    @Test
    void bootstrapServersFallBackToSpringKafkaAndTheNameToSpringApplicationName() {
        runner.withPropertyValues("spring.application.name=ledger", "spring.kafka.bootstrap-servers=k1:9092,k2:9092").run(context -> {
            Myelin myelin = context.getBean(Myelin.class);
            assertThat(myelin.name()).isEqualTo("ledger");
            assertThat(myelin.config().bootstrapServers()).isEqualTo("k1:9092,k2:9092");
        });
        runner.withPropertyValues("myelin.application=bank", "myelin.bootstrap-servers=mine:9092", "spring.kafka.bootstrap-servers=theirs:9092")
                .run(context -> assertThat(context.getBean(Myelin.class).config().bootstrapServers()).isEqualTo("mine:9092"));
    }

    @Test
    void typedAndPassThroughPropertiesReachMyelinsConfig() {
        runner.withPropertyValues("myelin.application=bank", "myelin.bootstrap-servers=k:9092", "myelin.replication-factor=2",
                "myelin.min-insync-replicas=1", "myelin.partitions=3", "myelin.dedup-retention=2h", "myelin.command-timeout=7s",
                "myelin.properties.commit.interval.ms=50", "myelin.properties.myelin.dead-letter.retention.ms=3600000").run(context -> {
                    MyelinConfig config = context.getBean(Myelin.class).config();
                    assertThat(config.replicationFactor()).isEqualTo(2);
                    assertThat(config.minInsyncReplicas()).isEqualTo(1);
                    assertThat(config.partitions()).isEqualTo(3);
                    assertThat(config.dedupRetention()).isEqualTo(Duration.ofHours(2));
                    assertThat(config.commandTimeout()).isEqualTo(Duration.ofSeconds(7));
                    assertThat(config.deadLetterRetention()).isEqualTo(Duration.ofHours(1));
                    assertThat(config.properties()).containsEntry("commit.interval.ms", "50");
                });
    }

    @Test
    void aMissingNameOrAnUnknownMyelinKeyFailsTheContextSayingWhy() {
        runner.withPropertyValues("myelin.bootstrap-servers=k:9092").run(context -> assertThat(context).getFailure()
                .rootCause().hasMessageContaining("myelin.application is not set"));
        runner.withPropertyValues("myelin.application=bank", "myelin.properties.myelin.no.such.key=1").run(context ->
                assertThat(context).getFailure().rootCause().hasMessageContaining("unknown Myelin property myelin.no.such.key"));
        runner.withPropertyValues("myelin.application=bank", "myelin.partitions=3", "myelin.properties.myelin.partitions=4").run(context ->
                assertThat(context).getFailure().rootCause().hasMessageContaining("myelin.properties.myelin.partitions"));
    }

    @Test
    void anAggregateTypeBeanOfOtherThanAvroRecordsFailsTheContextAtOnce() {
        runner.withUserConfiguration(StringCounter.class).withPropertyValues("myelin.application=bank", "myelin.bootstrap-servers=k:9092")
                .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining("aggregate type bean 'counter'")
                        .hasMessageContaining("Avro aggregate types"));
        runner.withUserConfiguration(BankDomain.class).withPropertyValues("myelin.application=bank", "myelin.bootstrap-servers=k:9092",
                REGISTRY, "myelin.event-stores.account.enabled=false", "myelin.projections.account-balances.enabled=false")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void theContextsMeterRegistryCountsMyelinsMeters() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues("myelin.application=bank", "myelin.bootstrap-servers=k:9092").run(context ->
                        assertThat(context.getBean(Myelin.class).config().meterRegistry()).containsSame(context.getBean(MeterRegistry.class)));
    }

    @Test
    void theInfoContributorShowsTheTopicsOfTheDomainBeans() {
        runner.withUserConfiguration(BankDomain.class).withPropertyValues("myelin.application=bank", "myelin.bootstrap-servers=k:9092",
                REGISTRY, "myelin.event-stores.account.enabled=false", "myelin.projections.account-balances.enabled=false").run(context -> {
                    Info.Builder info = new Info.Builder();
                    context.getBean(ApplicationInfoContributor.class).contribute(info);
                    @SuppressWarnings("unchecked")
                    Map<String, Object> myelin = (Map<String, Object>) info.build().getDetails().get("myelin");
                    assertThat(myelin).containsEntry("application", "bank");
                    assertThat(myelin.get("versions").toString()).contains("kafka=4.4.0").contains("spring-boot=4.0.");
                    assertThat(myelin.get("event-stores").toString()).contains("running=false").contains("events=bank.account.events");
                    assertThat(myelin.get("projections").toString()).contains("account-balances").contains("sources=[bank.account.events]");

                    MyelinRuntimes runtimes = context.getBean(MyelinRuntimes.class);
                    assertThat(runtimes.aggregateTypes()).containsExactly(Account.TYPE);
                    assertThatThrownBy(() -> runtimes.eventStore(Account.TYPE)).isInstanceOf(IllegalStateException.class)
                            .hasMessageContaining("turned off");
                });
    }

    @Test
    void theHealthContributorReportsTheLifecycle() {
        runner.withPropertyValues("myelin.application=bank", "myelin.bootstrap-servers=k:9092").run(context -> {
            RuntimeHealthContributor health = context.getBean(RuntimeHealthContributor.class);
            MyelinRuntimes runtimes = context.getBean(MyelinRuntimes.class);
            assertThat(((org.springframework.boot.health.contributor.HealthIndicator) health.getContributor("lifecycle")).health().getStatus())
                    .isEqualTo(Status.UP);
            runtimes.stop();
            assertThat(((org.springframework.boot.health.contributor.HealthIndicator) health.getContributor("lifecycle")).health().getStatus())
                    .isEqualTo(Status.OUT_OF_SERVICE);
        });
    }

    @Test
    void myelinHealthMapsToSpringStatuses() {
        Instant since = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(RuntimeHealthContributor.toSpring(Health.running()).getStatus()).isEqualTo(Status.UP);
        assertThat(RuntimeHealthContributor.toSpring(Health.catchingUp("120 events behind", since)))
                .satisfies(h -> assertThat(h.getStatus()).isEqualTo(Status.OUT_OF_SERVICE))
                .satisfies(h -> assertThat(h.getDetails()).containsEntry("reason", "120 events behind").containsEntry("state", "catching-up"));
        assertThat(RuntimeHealthContributor.toSpring(Health.degraded("registry unreachable", since)).getDetails())
                .containsEntry("state", "degraded").containsEntry("since", "2026-01-01T00:00:00Z");
        assertThat(RuntimeHealthContributor.toSpring(Health.failed(new IllegalStateException("boom"))))
                .satisfies(h -> assertThat(h.getStatus()).isEqualTo(Status.DOWN))
                .satisfies(h -> assertThat(h.getDetails().get("error").toString()).contains("boom"));
    }

    /** An aggregate type of plain strings, which the Avro serde could not carry. */
    @Configuration(proxyBeanMethods = false)
    static class StringCounter {
        @Bean
        AggregateType<Long, String, String> counter() {
            return AggregateType.of("counter", 0L, String.class, String.class)
                    .on(String.class, (total, command) -> dev.myelin.eventstore.Decision.accept(command))
                    .apply(String.class, (total, added) -> total + 1)
                    .build();
        }
    }

    /** The bank's domain, as an application declares it. */
    @Configuration(proxyBeanMethods = false)
    static class BankDomain {
        @Bean
        AggregateType<AccountState, SpecificRecord, SpecificRecord> accounts() {
            return Account.TYPE;
        }

        @Bean
        Projection<String, AccountBalance> balances(Myelin bank) {
            return Bank.balances(bank);
        }
    }
}
