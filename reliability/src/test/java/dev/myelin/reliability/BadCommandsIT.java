package dev.myelin.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.eventstore.MyelinEventStoreException;
import dev.myelin.eventstore.SendOptions;
import dev.myelin.examples.bank.AccountOpened;
import dev.myelin.examples.bank.AccountState;
import dev.myelin.examples.bank.Deposit;
import dev.myelin.examples.bank.OpenAccount;
import dev.myelin.schemas.EventMetadata;

/**
 * Bad records written straight to the commands topic, past the gateway, as a buggy or hostile
 * producer would. Each one must end up somewhere a person can see (a Rejected result with the reason
 * for a sender that named a reply topic, the dead-letter topic with the reason otherwise), and the
 * good command sent right after it on the same partition must be accepted: one bad record never
 * stops an aggregate's partition. At the end the events topic holds exactly the good commands' events.
 */
@Tag("reliability")
@MyelinKafka(brokers = 1)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadCommandsIT {
    private static final Logger log = LoggerFactory.getLogger(BadCommandsIT.class);
    private static final String ACCOUNT = "acc-bad-input";

    private final Serde<SpecificRecord> avro = ReliabilityApp.avro();
    private EmbeddedKafkaCluster kafka;
    private EventStore<AccountState, SpecificRecord, SpecificRecord> store;
    private AggregateTopics topics;
    private KafkaProducer<String, byte[]> raw;
    private long deposited;
    private int goodEvents;

    @BeforeAll
    void startTheBank(EmbeddedKafkaCluster kafka, @TempDir Path dir) {
        this.kafka = kafka;
        MyelinConfig config = ReliabilityApp.config(kafka.bootstrapServers(), ReliabilityApp.newApplicationName("bad-input"))
                .singleBrokerDevMode().build();
        store = ReliabilityApp.start(config, avro, dir);
        topics = store.topics();
        Map<String, Object> props = kafka.clientProperties();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        // the client's own size check would stop an oversized record before the broker sees it
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024);
        raw = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        assertThat(send(new OpenAccount("bad-input owner"))).isInstanceOf(CommandResult.Accepted.class);
        goodEvents++;
    }

    @AfterAll
    void stop() {
        try {
            // nothing of the bad records reached the log: only the good commands' events are there
            List<ConsumerRecord<String, byte[]>> events = kafka.readAll(topics.events(), new StringDeserializer(), new ByteArrayDeserializer());
            assertThat(events).as("events on %s", topics.events()).hasSize(goodEvents);
            assertThat(store.state(ACCOUNT).orElseThrow().state().getBalance()).isEqualTo(deposited);
            log.info("bad input: {} good events on the topic after every bad record, balance {}", events.size(), deposited);
        } finally {
            raw.close(Duration.ofSeconds(5));
            store.close();
        }
    }

    @Test
    void randomBytesAreRejectedWithTheReason() throws Exception {
        byte[] junk = new byte[64];
        new SplittableRandom(42).nextBytes(junk);
        junk[0] = 0x5a; // not the Confluent magic byte 0, whatever the seed gives
        expectRejectedThenGoodCommandAccepted("random-bytes", junk, "cannot be deserialized");
    }

    @Test
    void aWrongMagicByteIsRejectedWithTheReason() throws Exception {
        byte[] bytes = valid(new Deposit(5L));
        bytes[0] = 1;
        expectRejectedThenGoodCommandAccepted("wrong-magic", bytes, "magic");
    }

    @Test
    void anUnknownSchemaIdIsRejectedWithTheReason() throws Exception {
        byte[] bytes = valid(new Deposit(5L));
        ByteBuffer.wrap(bytes).putInt(1, 987_654);
        expectRejectedThenGoodCommandAccepted("unknown-schema-id", bytes, "987654");
    }

    @Test
    void aTruncatedRecordIsRejectedWithTheReason() throws Exception {
        byte[] bytes = valid(new OpenAccount("a name long enough to cut"));
        expectRejectedThenGoodCommandAccepted("truncated", Arrays.copyOf(bytes, bytes.length - 6), "truncated");
    }

    @Test
    void aValidRecordOfTheWrongTypeIsRejectedByTheAggregate() throws Exception {
        // an event where a command belongs: it decodes, and decide refuses what it does not know
        String reason = expectRejectedThenGoodCommandAccepted("wrong-type", valid(new AccountOpened("not a command")), "AccountOpened");
        assertThat(reason).as("the aggregate's own words, not a decoding error").doesNotContain("cannot be deserialized");
    }

    @Test
    void aNullValueIsRejectedWithTheReason() throws Exception {
        expectRejectedThenGoodCommandAccepted("null-value", null, "has no value");
    }

    @Test
    void aMalformedExpectedVersionHeaderIsRejectedWithTheReason() throws Exception {
        RecordHeaders headers = replyHeaders("bad-version-" + System.nanoTime());
        headers.add(CommandHeaders.EXPECTED_VERSION, "seven".getBytes(StandardCharsets.UTF_8));
        String commandId = header(headers, CommandHeaders.COMMAND_ID);
        raw.send(new ProducerRecord<>(topics.commands(), null, ACCOUNT, valid(new Deposit(5L)), headers)).get(30, TimeUnit.SECONDS);
        assertThat(rejectionOf(commandId)).contains("is not a version");
        goodCommandIsAccepted();
    }

    @Test
    void aBadRecordWithoutAReplyToHeaderGoesToTheDeadLetterTopicWithTheReason() throws Exception {
        String commandId = "no-reply-to-" + System.nanoTime();
        RecordHeaders headers = new RecordHeaders();
        headers.add(CommandHeaders.COMMAND_ID, commandId.getBytes(StandardCharsets.UTF_8));
        byte[] bytes = valid(new Deposit(5L));
        bytes[0] = 7;
        raw.send(new ProducerRecord<>(topics.commands(), null, ACCOUNT, bytes, headers)).get(30, TimeUnit.SECONDS);
        goodCommandIsAccepted();
        ConsumerRecord<String, byte[]> letter = awaitRecord(topics.deadLetters(), commandId);
        assertThat(letter.key()).isEqualTo(ACCOUNT);
        assertThat(letter.value()).as("the dead letter keeps the original bytes for a later re-drive").isEqualTo(bytes);
        assertThat(header(letter.headers(), CommandHeaders.ERROR)).contains(commandId, "cannot be deserialized");
        assertThat(resultKeys()).as("no result for a command without a reply address").doesNotContain(commandId);
    }

    @Test
    void aValidCommandWithoutACommandIdHeaderIsProcessedOnceUnderAnIdMadeOfItsOffset() throws Exception {
        // no id, no reply address: the processor names it topic-partition@offset, so a redelivery is still recognised
        raw.send(new ProducerRecord<>(topics.commands(), null, ACCOUNT, valid(new Deposit(3L)), new RecordHeaders()))
                .get(30, TimeUnit.SECONDS);
        deposited += 3;
        goodEvents++;
        goodCommandIsAccepted();
        List<ConsumerRecord<String, byte[]>> events = kafka.readAll(topics.events(), new StringDeserializer(), new ByteArrayDeserializer());
        assertThat(events).filteredOn(e -> EventMetadata.readFrom(e.headers()).commandId().startsWith(topics.commands() + "-"))
                .hasSize(1);
    }

    @Test
    void anOversizedCommandIsRefusedWithAClearErrorByTheGatewayAndByTheBroker() throws Exception {
        String huge = "x".repeat(2 * 1024 * 1024);
        // through the gateway: its producer refuses a record above max.request.size before sending
        CompletableFuture<CommandResult<SpecificRecord>> viaGateway = store.gateway().send(ACCOUNT, new OpenAccount(huge),
                SendOptions.defaults().withCommandId("oversized-gateway"));
        assertThatThrownBy(() -> viaGateway.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(MyelinEventStoreException.class)
                .hasMessageContaining("oversized-gateway").hasRootCauseInstanceOf(RecordTooLargeException.class);
        // past the gateway with a producer whose own limit is raised: the broker refuses it (message.max.bytes)
        RecordHeaders headers = replyHeaders("oversized-raw");
        assertThatThrownBy(() -> raw.send(new ProducerRecord<>(topics.commands(), null, ACCOUNT, valid(new OpenAccount(huge)), headers))
                .get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(RecordTooLargeException.class)
                .hasMessageContaining("larger than the max message size the server will accept");
        goodCommandIsAccepted();
        assertThat(resultKeys()).doesNotContain("oversized-gateway", "oversized-raw");
    }

    /** Sends a bad record with a reply address and returns its rejection reason, which names the problem. */
    private String expectRejectedThenGoodCommandAccepted(String what, byte[] value, String reasonContains) throws Exception {
        String commandId = what + "-" + System.nanoTime();
        raw.send(new ProducerRecord<>(topics.commands(), null, ACCOUNT, value, replyHeaders(commandId))).get(30, TimeUnit.SECONDS);
        String reason = rejectionOf(commandId);
        assertThat(reason).contains(reasonContains);
        if (!what.equals("wrong-type")) {
            // a failure found by the processor names the command, so an operator can find the record
            assertThat(reason).contains(commandId);
        }
        log.info("bad input '{}': Rejected: {}", what, reason);
        goodCommandIsAccepted();
        return reason;
    }

    private void goodCommandIsAccepted() {
        CommandResult<SpecificRecord> result = send(new Deposit(10L));
        assertThat(result).as("a good command after the bad one").isInstanceOf(CommandResult.Accepted.class);
        deposited += 10;
        goodEvents++;
    }

    private CommandResult<SpecificRecord> send(SpecificRecord command) {
        return store.gateway().send(ACCOUNT, command).orTimeout(60, TimeUnit.SECONDS).join();
    }

    private RecordHeaders replyHeaders(String commandId) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(CommandHeaders.COMMAND_ID, commandId.getBytes(StandardCharsets.UTF_8));
        headers.add(CommandHeaders.REPLY_TO, topics.commandResults().getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    private byte[] valid(SpecificRecord record) {
        return avro.serializer().serialize(topics.commands(), record);
    }

    /** Returns the reason of the Rejected result of {@code commandId}, failing if it was anything else. */
    private String rejectionOf(String commandId) {
        ConsumerRecord<String, byte[]> result = awaitRecord(topics.commandResults(), commandId);
        String reason = header(result.headers(), CommandHeaders.ERROR);
        assertThat(reason).as("the result of %s is a rejection with a reason", commandId).isNotNull();
        return reason;
    }

    private ConsumerRecord<String, byte[]> awaitRecord(String topic, String commandId) {
        AtomicReference<ConsumerRecord<String, byte[]>> found = new AtomicReference<>();
        Await.until(Duration.ofSeconds(30), "a record for " + commandId + " on " + topic, () -> {
            Optional<ConsumerRecord<String, byte[]>> match = kafka.readAll(topic, new StringDeserializer(), new ByteArrayDeserializer())
                    .stream().filter(r -> commandId.equals(r.key()) || commandId.equals(header(r.headers(), CommandHeaders.COMMAND_ID)))
                    .findFirst();
            match.ifPresent(found::set);
            return match.isPresent();
        });
        return found.get();
    }

    private List<String> resultKeys() {
        return kafka.readAll(topics.commandResults(), new StringDeserializer(), new ByteArrayDeserializer()).stream()
                .map(ConsumerRecord::key).toList();
    }

    private static String header(Iterable<Header> headers, String name) {
        String value = null;
        for (Header header : headers) {
            if (header.key().equals(name)) {
                value = new String(header.value(), StandardCharsets.UTF_8);
            }
        }
        return value;
    }
}
