package dev.myelin.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.eventstore.bank.Account;
import dev.myelin.eventstore.bank.AccountOpened;
import dev.myelin.eventstore.bank.AccountState;
import dev.myelin.eventstore.bank.Deposit;
import dev.myelin.eventstore.bank.OpenAccount;

/**
 * A gateway whose result reader meets a fatal error says so at once: on a SASL/SCRAM cluster with ACLs,
 * the gateway's principal loses READ on its results topic while commands wait. A broker that goes away and
 * comes back is no such error.
 */
class GatewayFailureIT {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    @Test
    void aGatewayDeniedReadingItsResultsFailsItsWaitingCommandsAtOnceAndRefusesNewOnes() throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().saslScram().start()) {
            String app = BankApp.newApplicationName();
            kafka.addUser(app, "app-secret");
            kafka.admin().createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, app + ".", PatternType.PREFIXED),
                    new AccessControlEntry("User:" + app, "*", AclOperation.ALL, AclPermissionType.ALLOW)))).all().get(30, TimeUnit.SECONDS);
            Map<String, Object> asApp = kafka.clientProperties(app, "app-secret");
            awaitTopicCreationAllowed(asApp, app);

            MyelinConfig.Builder builder = BankApp.config(kafka, app).partitions(2).commandTimeout(COMMAND_TIMEOUT);
            asApp.forEach((key, value) -> {
                if (!key.equals(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)) {
                    builder.property(key, value);
                }
            });
            MyelinConfig config = builder.build();
            String results = config.topics(Account.TYPE).commandResults();

            try (CommandGateway<SpecificRecord, SpecificRecord> gateway = BankApp.gateway(config)) {
                assertThat(gateway.health()).isEqualTo(Health.running());
                // no command processor runs, so these wait for results that never come
                List<CompletableFuture<CommandResult<SpecificRecord>>> waiting = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    waiting.add(gateway.send("acc-" + i, new OpenAccount("ada")));
                }

                long denied = System.nanoTime();
                kafka.admin().createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, results, PatternType.LITERAL),
                        new AccessControlEntry("User:" + app, "*", AclOperation.READ, AclPermissionType.DENY)))).all().get(30, TimeUnit.SECONDS);

                for (CompletableFuture<CommandResult<SpecificRecord>> future : waiting) {
                    assertThatThrownBy(() -> future.get(20, TimeUnit.SECONDS)).as("a waiting command, well before its %s timeout", COMMAND_TIMEOUT)
                            .isInstanceOf(ExecutionException.class)
                            .cause().isInstanceOf(GatewayFailedException.class)
                            .hasMessageContaining(results).hasMessageContaining("READ").hasMessageContaining("same command id")
                            .cause().isInstanceOf(TopicAuthorizationException.class);
                }
                assertThat(Duration.ofNanos(System.nanoTime() - denied)).isLessThan(COMMAND_TIMEOUT.dividedBy(2));
                assertThat(gateway.health()).isInstanceOfSatisfying(Health.Failed.class,
                        failed -> assertThat(failed.cause()).isInstanceOf(TopicAuthorizationException.class));

                CompletableFuture<CommandResult<SpecificRecord>> refused = gateway.send("acc-9", new Deposit(1L));
                assertThat(refused).as("a command sent to a failed gateway").isCompletedExceptionally();
                assertThatThrownBy(refused::join).cause().isInstanceOf(GatewayFailedException.class)
                        .cause().isInstanceOf(TopicAuthorizationException.class);
            }
        }
    }

    @Test
    void aGatewaySurvivesItsBrokerRestartingAndReportsFailedOnceClosed(@TempDir Path dir) {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1)) {
            MyelinConfig config = BankApp.config(kafka, BankApp.newApplicationName()).partitions(1).build();
            CommandGateway<SpecificRecord, SpecificRecord> gateway = BankApp.gateway(config);
            try (gateway) {
                int broker = kafka.brokerIds().first();
                kafka.stopBroker(broker);
                kafka.startBroker(broker); // the reader polls on through the seconds this takes
                assertThat(gateway.health()).as("after a broker restart").isNotInstanceOf(Health.Failed.class);

                try (EventStore<AccountState, SpecificRecord, SpecificRecord> store = BankApp.start(config, dir)) {
                    assertThat(Await.join(gateway.send("acc-1", new OpenAccount("ada"))))
                            .isEqualTo(new CommandResult.Accepted<>(1, List.of(new AccountOpened("ada"))));
                }
                assertThat(gateway.health()).isEqualTo(Health.running());
            }
            assertThat(gateway.health()).as("a closed gateway").isInstanceOfSatisfying(Health.Failed.class,
                    failed -> assertThat(failed.cause()).hasMessageContaining("closed"));
            assertThatThrownBy(() -> gateway.send("acc-1", new Deposit(1L))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
        }
    }

    /** ACLs reach the broker's authorizer through the metadata log: wait until a dry-run topic creation is allowed. */
    private static void awaitTopicCreationAllowed(Map<String, Object> asApp, String app) {
        Map<String, Object> props = new java.util.HashMap<>(asApp);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        try (Admin admin = Admin.create(props)) {
            Await.until(Duration.ofSeconds(30), "the ACLs of " + app + " in force", () -> {
                try {
                    admin.createTopics(List.of(new NewTopic(app + ".probe", 1, (short) 1)), new CreateTopicsOptions().validateOnly(true))
                            .all().get(5, TimeUnit.SECONDS);
                    return true;
                } catch (ExecutionException e) {
                    return false;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
    }
}
