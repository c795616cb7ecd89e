package dev.myelin.eventstore;

import static dev.myelin.embedded.Await.join;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;

/**
 * Command-side dead letters on a real broker: a fire-and-forget command whose {@code decide} throws is
 * dead-lettered with its origin; once the cause is fixed it is redriven and applied once; a second
 * redrive sends nothing, and the same command arriving twice is not decided twice; a skip is recorded
 * on the topic with who did it, and read back by a store started again.
 */
@MyelinKafka(brokers = 1, shared = true)
class CommandDeadLetterIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Until the "fix" is deployed, {@code decide} throws on 13. */
    private static final AtomicBoolean FIXED = new AtomicBoolean();
    private static final AggregateType<Long, String, String> COUNTER = AggregateType.of("counter", 0L, String.class, String.class)
            .on(String.class, (total, command) -> {
                if (command.equals("boom") || command.equals("add 13") && !FIXED.get()) {
                    throw new IllegalStateException("cannot add " + command);
                }
                return Decision.accept("added " + Long.parseLong(command.substring(4)));
            })
            .apply(String.class, (total, added) -> total + Long.parseLong(added.substring(6)))
            .build();

    @Test
    void aDeadLetteredCommandIsRedrivenOnceAndASkipIsAudited(EmbeddedKafkaCluster kafka, @TempDir Path dir) throws Exception {
        MyelinConfig config = BankApp.config(kafka, BankApp.newApplicationName()).partitions(2).build();
        try (EventStore<Long, String, String> store = EventStore.builder(COUNTER, config)
                .commandSerde(Serdes.String()).eventSerde(Serdes.String()).stateSerde(Serdes.Long())
                .stateDirectory(dir).start();
             KafkaProducer<String, String> producer = new KafkaProducer<>(
                     Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            String commands = store.topics().commands();
            // fire and forget: no reply address, so a command that cannot be processed is dead-lettered
            producer.send(command(commands, "c-1", "cmd-13", "add 13")).get();

            CommandDeadLetter letter = Await.value(TIMEOUT, "the command is dead-lettered",
                    () -> store.deadLetters(TIMEOUT).stream().findFirst());
            assertThat(letter.commandId()).isEqualTo("cmd-13");
            assertThat(letter.aggregateId()).contains("c-1");
            assertThat(letter.error()).contains("cannot add add 13");
            assertThat(letter.origin().topic()).isEqualTo(commands);
            assertThat(letter.origin().offset()).isPresent();
            assertThat(letter.position().topic()).isEqualTo(store.topics().deadLetters());
            assertThat(new String(letter.value(), StandardCharsets.UTF_8)).isEqualTo("add 13");
            assertThat(letter.status()).isEqualTo(DeadLetterStatus.PENDING);
            assertThat(store.state("c-1")).isEmpty();

            FIXED.set(true);
            assertThat(store.redrive(l -> l.commandId().equals("cmd-13"), "ada", TIMEOUT)).isEqualTo(1);
            Await.until(TIMEOUT, "the redriven command is applied", () -> store.state("c-1").isPresent());
            assertThat(store.state("c-1").orElseThrow().state()).isEqualTo(13L);

            // a second redrive of the same letter sends nothing: it is no longer pending
            assertThat(store.redrive(l -> true, "ada", TIMEOUT)).isZero();
            // and should the command arrive again anyway (two instances redriving at once), its id is known
            producer.send(command(commands, "c-1", "cmd-13", "add 13")).get();
            assertThat(join(store.gateway().send("c-1", "add 1")).getClass()).isEqualTo(CommandResult.Accepted.class);
            assertThat(store.state("c-1").orElseThrow().state()).isEqualTo(14L);
            assertThat(store.state("c-1").orElseThrow().version()).isEqualTo(2L);

            CommandDeadLetter redriven = store.deadLetters(TIMEOUT).get(0);
            assertThat(redriven.status()).isEqualTo(DeadLetterStatus.REDRIVEN);
            assertThat(redriven.actions()).singleElement().satisfies(a -> assertThat(a.by()).isEqualTo("ada"));

            producer.send(command(commands, "c-2", "cmd-boom", "boom")).get();
            Await.until(TIMEOUT, "the second command is dead-lettered", () -> store.deadLetters(TIMEOUT).size() == 2);
            assertThat(store.skip(l -> l.commandId().equals("cmd-boom"), "bob", TIMEOUT)).isEqualTo(1);
            assertThat(store.redrive(l -> l.commandId().equals("cmd-boom"), "bob", TIMEOUT)).isZero();

            // the audit is on the topic: a fresh read finds who did what
            List<CommandDeadLetter> letters = store.deadLetters(TIMEOUT);
            CommandDeadLetter skipped = letters.stream().filter(l -> l.commandId().equals("cmd-boom")).findFirst().orElseThrow();
            assertThat(skipped.status()).isEqualTo(DeadLetterStatus.SKIPPED);
            assertThat(skipped.actions()).singleElement().satisfies(a -> {
                assertThat(a.by()).isEqualTo("bob");
                assertThat(a.status()).isEqualTo(DeadLetterStatus.SKIPPED);
            });
            assertThat(store.state("c-2")).isEqualTo(Optional.empty());
        }

        // the audit survives the process: a store started again reads who did what from the topic
        try (EventStore<Long, String, String> again = EventStore.builder(COUNTER, config)
                .commandSerde(Serdes.String()).eventSerde(Serdes.String()).stateSerde(Serdes.Long())
                .stateDirectory(dir).start()) {
            assertThat(again.deadLetters(TIMEOUT)).extracting(l -> l.status() + " by " + l.actions().get(0).by())
                    .containsExactlyInAnyOrder("REDRIVEN by ada", "SKIPPED by bob");
        }
    }

    private static ProducerRecord<String, String> command(String topic, String aggregateId, String commandId, String command) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, aggregateId, command);
        record.headers().add(CommandHeaders.COMMAND_ID, commandId.getBytes(StandardCharsets.UTF_8));
        return record;
    }
}
