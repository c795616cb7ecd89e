package dev.myelin.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.myelin.application.Myelin;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.Decision;
import dev.myelin.eventstore.EventStore;
import dev.myelin.processors.Projection;

/**
 * The console of a real application on a real broker, through its HTTP endpoints: the overview
 * lists the event store and the projection, an aggregate's history comes with its metadata, a view
 * is queried by key, a projection's dead letter is listed and redriven into the view once its handler
 * copes (with the console's access token); commands the event store dead-lettered are listed, one redriven once its cause is fixed and
 * applied once, another skipped, each action on record; a live view streams the value and then each
 * committed change as server-sent events.
 */
@MyelinKafka(brokers = 1)
class ConsoleIT {
    /** Until "fixed", deciding "add 99" throws: a command sent without a reply address is then dead-lettered. */
    private static final AtomicBoolean NINETY_NINE_FIXED = new AtomicBoolean();
    private static final AggregateType<Long, String, String> COUNTER = AggregateType.of("counter", 0L, String.class, String.class)
            .on(String.class, (total, command) -> {
                if (command.equals("add 99") && !NINETY_NINE_FIXED.get()) {
                    throw new IllegalStateException("99 is not supported yet");
                }
                return command.startsWith("add ")
                        ? Decision.accept("added " + Long.parseLong(command.substring(4)))
                        : Decision.reject("only 'add N' is understood: " + command);
            })
            .apply(String.class, (total, added) -> total + Long.parseLong(added.substring(6)))
            .build();
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String TOKEN = "console-it-0123456789";

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void showsTheRunningApplicationThroughItsEndpoints(EmbeddedKafkaCluster kafka) throws Exception {
        Path state = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "console-it-");
        // the handler cannot fold 13 until it is "fixed": that event becomes a dead letter
        AtomicBoolean fixed = new AtomicBoolean();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Myelin app = Myelin.application("console-it")
                .bootstrapServers(kafka.bootstrapServers())
                .singleBrokerDevMode()
                .partitions(2)
                .stateDirectory(state)
                .property("commit.interval.ms", 20)
                .meterRegistry(meters)
                .build();
             MyelinConsole console = MyelinConsole.start(app, ConsoleOptions.builder().accessToken(TOKEN).build())) {
            EventStore<Long, String, String> counters = app.eventStore(COUNTER,
                    store -> store.commandSerde(Serdes.String()).eventSerde(Serdes.String()).stateSerde(Serdes.Long()));
            app.projection(Projection.named("counter-totals")
                    .from(app.topics(COUNTER).events(), Serdes.String())
                    .initially(() -> 0L, Serdes.Long())
                    .on(String.class, (total, added, metadata) -> {
                        long amount = Long.parseLong(added.substring(6));
                        if (amount == 13 && !fixed.get()) {
                            throw new IllegalArgumentException("13 is unlucky");
                        }
                        return total + amount;
                    })
                    .build());
            assertThat(console.url().toString()).startsWith("http://127.0.0.1:");

            for (int i = 1; i <= 10; i++) {
                assertThat(counters.gateway().send("c-1", "add " + i).get()).isInstanceOf(CommandResult.Accepted.class);
            }
            assertThat(counters.gateway().send("c-2", "add 13").get()).isInstanceOf(CommandResult.Accepted.class);

            JsonNode overview = await(console, "api/overview",
                    o -> o.get("projections").get(0).get("health").get("status").asText().equals("RUNNING"));
            assertThat(overview.get("application").asText()).isEqualTo("console-it");
            assertThat(overview.get("eventStores").get(0).get("aggregate").asText()).isEqualTo("counter");
            assertThat(overview.get("eventStores").get(0).get("health").get("status").asText()).isEqualTo("RUNNING");
            assertThat(overview.get("projections").get(0).get("name").asText()).isEqualTo("counter-totals");
            assertThat(overview.get("projections").get(0).get("lag").has("records")).isTrue();

            JsonNode aggregate = get(console, "api/aggregates/counter/c-1");
            assertThat(aggregate.get("version").asLong()).isEqualTo(10);
            assertThat(aggregate.get("state").asLong()).isEqualTo(55);
            assertThat(aggregate.get("history")).hasSize(10);
            JsonNode last = aggregate.get("history").get(9);
            assertThat(last.get("sequence").asLong()).isEqualTo(10);
            assertThat(last.get("payload").asText()).isEqualTo("added 10");
            assertThat(last.get("commandId").asText()).isNotBlank();
            assertThat(last.get("correlationId").asText()).isNotBlank();

            JsonNode view = await(console, "api/projections/counter-totals/views/c-1", v -> v.path("view").asLong() == 55);
            assertThat(view.get("key").asText()).isEqualTo("c-1");

            JsonNode letters = await(console, "api/projections/counter-totals/dead-letters", d -> d.get("deadLetters").size() == 1);
            JsonNode letter = letters.get("deadLetters").get(0);
            assertThat(letter.get("reason").asText()).isEqualTo("HANDLER_FAILED");
            assertThat(letter.get("errorMessage").asText()).isEqualTo("13 is unlucky");
            assertThat(letter.get("origin").asText()).startsWith("console-it.counter.events:");
            assertThat(letter.get("payload").asText()).isEqualTo("added 13");

            fixed.set(true);
            HttpResponse<String> redriven = http.send(HttpRequest.newBuilder(console.url().resolve(
                            "api/projections/counter-totals/dead-letters/redrive?origin=" + letter.get("origin").asText()))
                    .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(redriven.statusCode()).as(redriven.body()).isEqualTo(200);
            assertThat(mapper.readTree(redriven.body()).get("redriven").asInt()).isEqualTo(1);
            await(console, "api/projections/counter-totals/views/c-2", v -> v.path("view").asLong() == 13);
            JsonNode redrivenLetter = get(console, "api/projections/counter-totals/dead-letters").get("deadLetters").get(0);
            assertThat(redrivenLetter.get("status").asText()).isEqualTo("REDRIVEN");
            assertThat(redrivenLetter.get("actions").get(0).get("by").asText()).as("recorded on the topic").isEqualTo("console");

            // a command of a type the processor does not know, and one whose decide throws, both with no reply
            // address: the event store dead-letters them
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                    Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
                ProducerRecord<String, String> bogus = new ProducerRecord<>(app.topics(COUNTER).commands(), "c-3", "add 1");
                bogus.headers().add(CommandHeaders.COMMAND_ID, "bogus-1".getBytes(StandardCharsets.UTF_8));
                bogus.headers().add(CommandHeaders.COMMAND_TYPE, "bogus".getBytes(StandardCharsets.UTF_8));
                producer.send(bogus).get();
                ProducerRecord<String, String> unsupported = new ProducerRecord<>(app.topics(COUNTER).commands(), "c-4", "add 99");
                unsupported.headers().add(CommandHeaders.COMMAND_ID, "cmd-99".getBytes(StandardCharsets.UTF_8));
                producer.send(unsupported).get();
            }
            JsonNode commands = await(console, "api/event-stores/counter/dead-letters", d -> d.get("deadLetters").size() == 2);
            JsonNode command = find(commands.get("deadLetters"), "bogus-1");
            assertThat(command.get("aggregateId").asText()).isEqualTo("c-3");
            assertThat(command.get("error").asText()).contains("bogus");
            assertThat(command.get("payload").asText()).isEqualTo("add 1");
            assertThat(command.get("origin").asText()).startsWith("console-it.counter.commands:");
            assertThat(command.get("status").asText()).isEqualTo("PENDING");

            // the cause fixed, the command is redriven from the console and applied once; the other is skipped
            NINETY_NINE_FIXED.set(true);
            String position = find(commands.get("deadLetters"), "cmd-99").get("position").asText();
            JsonNode redrove = post(console, "api/event-stores/counter/dead-letters/redrive?positions=" + position);
            assertThat(redrove.get("redriven").asInt()).isEqualTo(1);
            await(console, "api/aggregates/counter/c-4", a -> a.path("version").asLong() == 1 && a.path("state").asLong() == 99);
            assertThat(post(console, "api/event-stores/counter/dead-letters/redrive?all=true").get("redriven").asInt())
                    .as("a redriven letter is not redriven again; the bogus one fails again as a new letter").isEqualTo(1);
            await(console, "api/event-stores/counter/dead-letters", d -> d.get("deadLetters").size() == 3);
            JsonNode skipped = post(console, "api/event-stores/counter/dead-letters/skip?all=true");
            assertThat(skipped.get("skipped").asInt()).as("the bogus command, dead-lettered again").isEqualTo(1);
            JsonNode after = get(console, "api/event-stores/counter/dead-letters");
            assertThat(after.get("deadLetters")).extracting(l -> l.get("status").asText())
                    .containsExactlyInAnyOrder("REDRIVEN", "REDRIVEN", "SKIPPED");
            assertThat(get(console, "api/aggregates/counter/c-4").get("version").asLong()).isEqualTo(1);

            // a live view: the value now, then each committed change, as server-sent events
            BlockingQueue<String> events = new LinkedBlockingQueue<>();
            HttpResponse<java.util.stream.Stream<String>> live = http.sendAsync(HttpRequest.newBuilder(
                            console.url().resolve("api/projections/counter-totals/live?key=c-1")).build(), HttpResponse.BodyHandlers.ofLines())
                    .get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            assertThat(live.statusCode()).isEqualTo(200);
            assertThat(live.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
            Thread reader = new Thread(() -> live.body().filter(line -> line.startsWith("data: ")).forEach(events::add), "sse-reader");
            reader.setDaemon(true);
            reader.start();
            JsonNode opened = mapper.readTree(next(events).substring(6));
            assertThat(opened.get("view").asLong()).as("the value when the stream opened").isEqualTo(55);
            assertThat(opened.get("version").asInt()).isEqualTo(1);
            assertThat(counters.gateway().send("c-1", "add 5").get()).isInstanceOf(CommandResult.Accepted.class);
            JsonNode change = mapper.readTree(next(events).substring(6));
            assertThat(change.get("key").asText()).isEqualTo("c-1");
            assertThat(change.get("view").asLong()).isEqualTo(60);
            assertThat(change.get("missedBefore").asLong()).isZero();
            live.body().close();

            // throughput from the application's meters: read once, then commands, then a rate above zero
            get(console, "api/overview");
            for (int i = 0; i < 20; i++) {
                assertThat(counters.gateway().send("c-9", "add 1").get()).isInstanceOf(CommandResult.Accepted.class);
            }
            JsonNode busy = await(console, "api/overview", o -> o.get("eventStores").get(0).path("commandsPerSecond").asDouble() > 0
                    && o.get("eventStores").get(0).path("eventsPerSecond").asDouble() > 0
                    && o.get("projections").get(0).path("eventsPerSecond").asDouble() > 0);
            assertThat(busy.get("eventStores").get(0).get("commandsPerSecond").asDouble())
                    .as("at most the 20 commands over the shortest span a rate is given for, half a second").isLessThanOrEqualTo(40);

            // a rebuild from the console: version 2 folds the events from the start beside version 1, and the
            // console's reads move to it once it has caught up
            JsonNode rebuilding = post(console, "api/projections/counter-totals/rebuild");
            assertThat(rebuilding.get("version").asInt()).isEqualTo(2);
            assertThat(rebuilding.get("status").asText()).isEqualTo("REBUILDING");
            JsonNode rebuilt = await(console, "api/projections/counter-totals", p -> p.get("version").asInt() == 2);
            assertThat(rebuilt.get("rebuild").get("status").asText()).isEqualTo("SWITCHED");
            assertThat(rebuilt.get("applicationId").asText()).endsWith(".v2");
            assertThat(rebuilt.get("versions")).hasSize(2);
            assertThat(get(console, "api/projections/counter-totals/views/c-1").get("view").asLong())
                    .as("read from version 2, which folded every event again").isEqualTo(60);
            assertThat(get(console, "api/overview").get("projections")).extracting(p -> p.get("version").asInt())
                    .containsExactly(1, 2);
            // a live view opened after the switch follows the version the console reads
            BlockingQueue<String> switchedEvents = new LinkedBlockingQueue<>();
            HttpResponse<java.util.stream.Stream<String>> switchedLive = http.sendAsync(HttpRequest.newBuilder(
                            console.url().resolve("api/projections/counter-totals/live?key=c-1")).build(), HttpResponse.BodyHandlers.ofLines())
                    .get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            Thread switchedReader = new Thread(() -> switchedLive.body().filter(line -> line.startsWith("data: ")).forEach(switchedEvents::add),
                    "sse-reader-v2");
            switchedReader.setDaemon(true);
            switchedReader.start();
            JsonNode fromV2 = mapper.readTree(next(switchedEvents).substring(6));
            assertThat(fromV2.get("version").asInt()).as("the live view reads the rebuilt version").isEqualTo(2);
            assertThat(fromV2.get("view").asLong()).isEqualTo(60);
            switchedLive.body().close();

            HttpResponse<String> page = http.send(HttpRequest.newBuilder(console.url()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("Myelin Console");
        }
    }

    private static JsonNode find(JsonNode letters, String commandId) {
        for (JsonNode letter : letters) {
            if (letter.get("commandId").asText().equals(commandId)) {
                return letter;
            }
        }
        throw new AssertionError("no dead letter of command " + commandId + " in " + letters);
    }

    private static String next(BlockingQueue<String> events) throws InterruptedException {
        String event = events.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertThat(event).as("a live view event within " + PATIENCE).isNotNull();
        return event;
    }

    private JsonNode post(MyelinConsole console, String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(console.url().resolve(path))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return mapper.readTree(response.body());
    }

    private JsonNode get(MyelinConsole console, String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(console.url().resolve(path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return mapper.readTree(response.body());
    }

    /** Asks {@code path} until its answer is 200 and satisfies {@code condition}, or fails with the last answer. */
    private JsonNode await(MyelinConsole console, String path, Predicate<JsonNode> condition) throws Exception {
        URI uri = console.url().resolve(path);
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            last = response.statusCode() + " " + response.body();
            if (response.statusCode() == 200) {
                JsonNode body = mapper.readTree(response.body());
                if (condition.test(body)) {
                    return body;
                }
            }
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
        throw new AssertionError(path + " did not answer as expected within " + PATIENCE + "; last answer: " + last);
    }
}
