package dev.myelin.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.eventstore.internal.ReplyTopics;
import dev.myelin.examples.bank.Account;
import dev.myelin.examples.bank.AccountState;
import dev.myelin.examples.bank.Deposit;
import dev.myelin.examples.bank.OpenAccount;

/**
 * The bank runs as its own principal on a cluster with SASL/SCRAM-SHA-256 over TLS (SASL_SSL) and the
 * StandardAuthorizer, with ACLs on its own prefix only (topics, consumer groups, transactional ids).
 * Myelin passes the client security settings (security protocol, SASL and trust store) through to
 * Kafka Streams, the gateway and the admin client unchanged, so the application works; writing to another application's events topic is refused by the broker.
 */
@Tag("reliability")
class AccessControlIT {
    private static final Logger log = LoggerFactory.getLogger(AccessControlIT.class);

    @Test
    void anApplicationWorksWithinItsAclsAndCannotWriteAnotherApplicationsEvents(@TempDir Path dir) throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().brokers(3).saslScram().tls().start()) {
            String bank = ReliabilityApp.newApplicationName("secure-bank");
            String shop = ReliabilityApp.newApplicationName("secure-shop");
            kafka.addUser(bank, "bank-secret");
            String shopEvents = shop + ".account.events";
            kafka.createCompactedTopic(shopEvents, 2); // as the cluster's super user, for the other application

            List<AclBinding> acls = new ArrayList<>();
            for (ResourceType type : List.of(ResourceType.TOPIC, ResourceType.GROUP, ResourceType.TRANSACTIONAL_ID)) {
                // Myelin names everything of an application with its name and a dot: topics, the Streams
                // application id (hence group, internal topics and transactional ids)
                acls.add(new AclBinding(new ResourcePattern(type, bank + ".", PatternType.PREFIXED),
                        new AccessControlEntry("User:" + bank, "*", AclOperation.ALL, AclPermissionType.ALLOW)));
            }
            kafka.admin().createAcls(acls).all().get(30, TimeUnit.SECONDS);
            Map<String, Object> asBank = kafka.clientProperties(bank, "bank-secret");
            awaitAclsInForce(asBank, bank, admin -> admin.createTopics(List.of(new NewTopic(bank + ".probe", 1, (short) 3)),
                    new CreateTopicsOptions().validateOnly(true)).all());

            Serde<SpecificRecord> avro = ReliabilityApp.avro();
            MyelinConfig.Builder builder = ReliabilityApp.config(kafka.bootstrapServers(), bank);
            asBank.forEach((key, value) -> {
                if (!key.equals(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG)) {
                    builder.property(key, value); // security.protocol, sasl.*, ssl.truststore.*: passed through as is
                }
            });
            MyelinConfig config = builder.build();
            try (EventStore<AccountState, SpecificRecord, SpecificRecord> store = ReliabilityApp.start(config, avro, dir)) {
                assertThat(store.gateway().send("acc-1", new OpenAccount("ada")).orTimeout(60, TimeUnit.SECONDS).join())
                        .isInstanceOf(CommandResult.Accepted.class);
                for (int i = 0; i < 10; i++) {
                    assertThat(store.gateway().send("acc-1", new Deposit(10L)).orTimeout(60, TimeUnit.SECONDS).join())
                            .isInstanceOf(CommandResult.Accepted.class);
                }
                assertThat(store.state("acc-1").orElseThrow().state().getBalance()).isEqualTo(100L);
                assertThat(store.topics().events()).startsWith(bank + ".");
                assertThat(config.topics(Account.TYPE).events()).isNotEqualTo(shopEvents);
            }

            // the same principal, straight to another application's events topic
            Map<String, Object> producerProps = kafka.clientProperties(bank, "bank-secret");
            producerProps.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProps, new StringSerializer(), new ByteArraySerializer())) {
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>(shopEvents, "acc-1@1", new byte[] {0})).get(30, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).cause().isInstanceOf(TopicAuthorizationException.class)
                        .hasMessageContaining("Not authorized to access topics: [" + shopEvents + "]");
            }
            assertThat(kafka.readAll(shopEvents)).as("the other application's events topic").isEmpty();

            // a wrong password does not get in at all
            Map<String, Object> wrong = kafka.clientProperties(bank, "not-the-password");
            wrong.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
            wrong.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
            try (Admin intruder = Admin.create(wrong)) {
                assertThatThrownBy(() -> intruder.listTopics().names().get(15, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).cause().isInstanceOf(SaslAuthenticationException.class);
            }
            log.info("access control: {} worked within its ACLs; writing to {} was denied", bank, shopEvents);
        }
    }

    @Test
    void anEventStoreAnswersOnlyOnSagaInboxesItMayWriteToAndOnItsResultsTopicOtherwise() throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.builder().brokers(1).saslScram().start()) {
            String bank = ReliabilityApp.newApplicationName("inbox-bank");
            String other = ReliabilityApp.newApplicationName("inbox-other");
            kafka.addUser(bank, "bank-secret");
            String ownInbox = bank + ".saga.transfer.inbox";
            String readOnlyInbox = other + ".saga.refund.inbox";
            String hiddenInbox = other + ".saga.audit.inbox";
            for (String inbox : List.of(ownInbox, readOnlyInbox, hiddenInbox)) {
                kafka.createTopic(inbox, 1);
            }
            List<AclBinding> acls = new ArrayList<>();
            for (ResourceType type : List.of(ResourceType.TOPIC, ResourceType.GROUP, ResourceType.TRANSACTIONAL_ID)) {
                acls.add(new AclBinding(new ResourcePattern(type, bank + ".", PatternType.PREFIXED),
                        new AccessControlEntry("User:" + bank, "*", AclOperation.ALL, AclPermissionType.ALLOW)));
            }
            // the other application's refund inbox may be seen, not written; its audit inbox not even seen
            acls.add(new AclBinding(new ResourcePattern(ResourceType.TOPIC, readOnlyInbox, PatternType.LITERAL),
                    new AccessControlEntry("User:" + bank, "*", AclOperation.DESCRIBE, AclPermissionType.ALLOW)));
            kafka.admin().createAcls(acls).all().get(30, TimeUnit.SECONDS);
            Map<String, Object> asBank = kafka.clientProperties(bank, "bank-secret");
            awaitAclsInForce(asBank, bank, admin -> admin.describeTopics(List.of(ownInbox)).allTopicNames());

            String results = bank + ".account.command-results";
            try (ReplyTopics replyTopics = ReplyTopics.checked(results, MyelinConfig.DEFAULT_REPLY_TOPICS, () -> Admin.create(asBank))) {
                for (String inbox : List.of(ownInbox, readOnlyInbox, hiddenInbox)) {
                    replyTopics.destination(Optional.of(inbox));
                }
                Await.until(Duration.ofSeconds(30), "the broker answered about the three inboxes",
                        () -> replyTopics.destination(Optional.of(ownInbox)).equals(ownInbox));
                // the answers about the others come from the same request round: give them the same patience
                Await.until(Duration.ofSeconds(30), "the other answers are in", () -> !replyTopics.pending(readOnlyInbox)
                        && !replyTopics.pending(hiddenInbox));
                assertThat(replyTopics.destination(Optional.of(readOnlyInbox))).as("no WRITE on it").isEqualTo(results);
                assertThat(replyTopics.destination(Optional.of(hiddenInbox))).as("not even DESCRIBE on it").isEqualTo(results);
            }
        }
    }

    @Test
    void saslScramCannotBeSetTwice() {
        EmbeddedKafkaCluster.Builder builder = EmbeddedKafkaCluster.builder().saslScram();
        assertThatThrownBy(builder::saslScram).isInstanceOf(IllegalStateException.class).hasMessage("saslScram was already set");
    }

    @Test
    void aPlaintextClusterHasNoUsersAndSaysHowToGetThem() {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(1)) {
            assertThat(kafka.isSecured()).isFalse();
            assertThat(kafka.clientProperties()).containsOnlyKeys(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
            assertThatThrownBy(() -> kafka.addUser("bank", "secret")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("builder().saslScram()");
            assertThatThrownBy(() -> kafka.clientProperties("bank", "secret")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("builder().saslScram()");
        }
    }

    /** ACLs reach every broker's authorizer through the metadata log: wait until {@code probe}, run as the bank, is allowed. */
    private static void awaitAclsInForce(Map<String, Object> asBank, String bank,
                                         java.util.function.Function<Admin, org.apache.kafka.common.KafkaFuture<?>> probe) {
        Map<String, Object> props = new java.util.HashMap<>(asBank);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        try (Admin admin = Admin.create(props)) {
            Await.until(Duration.ofSeconds(30), "the ACLs of " + bank + " in force", () -> {
                try {
                    probe.apply(admin).get(5, TimeUnit.SECONDS);
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
