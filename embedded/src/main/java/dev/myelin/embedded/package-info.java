/**
 * Real Apache Kafka brokers and a real schema registry for tests, demos and benchmarks, on
 * 127.0.0.1 and started from Java: no Docker, no installed Kafka, nothing left behind.
 *
 * <ul>
 *   <li>{@link dev.myelin.embedded.EmbeddedKafkaCluster}: 1 to N KRaft nodes in this JVM (each
 *       broker and controller), with brokers that can be stopped and started again mid-test,
 *       and optional SASL/SCRAM with ACLs and TLS.</li>
 *   <li>{@link dev.myelin.embedded.EmbeddedSchemaRegistry}: Apicurio Registry in a child JVM,
 *       speaking the Confluent Schema Registry API at {@code url()}.</li>
 *   <li>{@link dev.myelin.embedded.MyelinKafka @MyelinKafka} and
 *       {@link dev.myelin.embedded.MyelinSchemaRegistry @MyelinSchemaRegistry}: JUnit 5 extensions
 *       that start one of each per test class (or per run, with {@code shared = true}) and inject
 *       them as parameters.</li>
 *   <li>{@link dev.myelin.embedded.Await}: waits for something asynchronous (a condition, a value,
 *       a future) with a deadline and a failure message that says what was last seen; every
 *       Myelin module's tests use it instead of sleeping.</li>
 * </ul>
 *
 * <p>A complete integration test, run by the Maven Failsafe plugin (its name ends in {@code IT}):
 *
 * <pre>{@code
 * import static org.assertj.core.api.Assertions.assertThat;
 *
 * import java.net.URI;
 * import java.net.http.HttpClient;
 * import java.net.http.HttpRequest;
 * import java.net.http.HttpResponse;
 * import java.time.Duration;
 * import java.util.List;
 * import java.util.Map;
 *
 * import org.apache.kafka.clients.admin.TopicDescription;
 * import org.apache.kafka.clients.consumer.ConsumerRecord;
 * import org.apache.kafka.clients.producer.KafkaProducer;
 * import org.apache.kafka.clients.producer.ProducerConfig;
 * import org.apache.kafka.clients.producer.ProducerRecord;
 * import org.apache.kafka.common.serialization.StringDeserializer;
 * import org.apache.kafka.common.serialization.StringSerializer;
 * import org.junit.jupiter.api.Test;
 *
 * import dev.myelin.embedded.Await;
 * import dev.myelin.embedded.EmbeddedKafkaCluster;
 * import dev.myelin.embedded.EmbeddedSchemaRegistry;
 * import dev.myelin.embedded.MyelinKafka;
 * import dev.myelin.embedded.MyelinSchemaRegistry;
 *
 * @MyelinKafka(brokers = 3)
 * @MyelinSchemaRegistry
 * class PaymentsIT {
 *
 *     @Test
 *     void aCommittedPaymentSurvivesTheLossOfABroker(EmbeddedKafkaCluster kafka, EmbeddedSchemaRegistry registry)
 *             throws Exception {
 *         kafka.createTopic("payments", 3);               // replicated 3 times, min.insync.replicas 2
 *         Map<String, Object> config = kafka.clientProperties();
 *         config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "payments-1");
 *         try (var producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
 *             producer.initTransactions();
 *             producer.beginTransaction();
 *             producer.send(new ProducerRecord<>("payments", "acc-1", "42"));
 *             producer.commitTransaction();
 *         }
 *
 *         kafka.stopBroker(1);                            // two replicas of three are left
 *         var records = kafka.readAll("payments", new StringDeserializer(), new StringDeserializer());
 *         assertThat(records).extracting(ConsumerRecord::value).containsExactly("42");
 *         kafka.startBroker(1);                           // same id, ports and data
 *         Await.until(Duration.ofSeconds(30), "all 9 replicas of payments in sync again",
 *                 () -> inSyncReplicas(kafka) == 9, () -> inSyncReplicas(kafka) + " in sync");
 *
 *         HttpResponse<String> subjects = HttpClient.newHttpClient().send(
 *                 HttpRequest.newBuilder(URI.create(registry.url() + "/subjects")).build(),
 *                 HttpResponse.BodyHandlers.ofString());
 *         assertThat(subjects.body()).isEqualTo("[]");     // a registry starts empty
 *     }
 *
 *     private static int inSyncReplicas(EmbeddedKafkaCluster kafka) {
 *         // join() throws an unchecked exception, which Await counts as "not yet"
 *         TopicDescription payments = kafka.admin().describeTopics(List.of("payments")).allTopicNames()
 *                 .toCompletionStage().toCompletableFuture().join().get("payments");
 *         return payments.partitions().stream().mapToInt(partition -> partition.isr().size()).sum();
 *     }
 * }
 * }</pre>
 *
 * <p>Defaults worth knowing, chosen so that a test sees what production would:
 * <ul>
 *   <li>Every listener binds {@code 127.0.0.1} on a free port; nothing is reachable from another
 *       machine, and parallel builds on one machine do not collide.</li>
 *   <li>New and internal topics (consumer offsets, transaction state) are replicated
 *       {@code min(3, brokers)} times, with {@code min.insync.replicas} and
 *       {@code transaction.state.log.min.isr} of {@code min(2, brokers)}: on three brokers,
 *       {@code acks=all} means two copies, as it should.</li>
 *   <li>Topics are never created automatically ({@code auto.create.topics.enable=false}): a test
 *       that forgets to create one fails instead of passing by accident.</li>
 *   <li>All data lives in a temporary folder that {@code close()} deletes; the registry keeps
 *       schemas in memory unless given a storage directory.</li>
 *   <li>The brokers log through SLF4J like the rest of Kafka; this module sets no log levels. Kafka is
 *       chatty at INFO, so each Myelin module's tests keep it at WARN (and Myelin's own loggers at
 *       INFO) with a {@code log4j2-test.xml} that a project can copy:
 *       {@code <Logger name="dev.myelin" level="INFO"/>} and {@code <Root level="WARN">}.</li>
 * </ul>
 *
 * <p>{@link dev.myelin.embedded.EmbeddedKafkaCluster.Builder#brokerProperty(String, String)} and
 * {@link dev.myelin.embedded.MyelinKafka#brokerProperties()} override any broker default except the
 * listener, node id, quorum and folder settings, which belong to the cluster.
 */
package dev.myelin.embedded;
