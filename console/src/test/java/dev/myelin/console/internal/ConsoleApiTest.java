package dev.myelin.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.myelin.eventstore.CommandDeadLetter;
import dev.myelin.processors.DeadLetter;
import dev.myelin.sagas.SagaState;
import dev.myelin.sagas.SagaStatus;
import dev.myelin.schemas.RecordOrigin;

/** The console's routes over runtimes in memory: what each answers, and what each refuses. */
class ConsoleApiTest {
    private final FakeRuntimes runtimes = new FakeRuntimes();
    private final ConsoleApi api = new ConsoleApi(runtimes);

    private ConsoleApi.Response get(String path) {
        return api.handle(new ConsoleApi.Request("GET", path, Map.of(), Map.of()));
    }

    private ConsoleApi.Response post(String path, Map<String, String> query, Map<String, String> headers) {
        return api.handle(new ConsoleApi.Request("POST", path, query, headers));
    }

    private static JsonNode json(ConsoleApi.Response response) throws Exception {
        assertThat(response.contentType()).startsWith("application/json");
        return ValueJson.MAPPER.readTree(response.body());
    }

    @Test
    void theOverviewListsEveryRuntimeWithItsHealthLagAndDeadLetters() throws Exception {
        runtimes.totals.deadLetters.add(letter(7));
        runtimes.totals.deadLetters.add(letter(8));

        ConsoleApi.Response response = get("/api/overview");

        assertThat(response.status()).isEqualTo(200);
        JsonNode overview = json(response);
        assertThat(overview.get("application").asText()).isEqualTo("counting");
        JsonNode store = overview.get("eventStores").get(0);
        assertThat(store.get("aggregate").asText()).isEqualTo("counter");
        assertThat(store.get("health").get("status").asText()).isEqualTo("RUNNING");
        assertThat(store.get("topics").get("deadLetters").asText()).isEqualTo("counting.counter.dead-letters");
        assertThat(store.get("deadLetters").asInt()).isZero();
        JsonNode projection = overview.get("projections").get(0);
        assertThat(projection.get("name").asText()).isEqualTo("counter-totals");
        assertThat(projection.get("state").asText()).isEqualTo("RUNNING");
        assertThat(projection.get("health").get("status").asText()).isEqualTo("DEGRADED");
        assertThat(projection.get("health").get("reason").asText()).isEqualTo("rebalancing");
        assertThat(projection.get("health").get("since").asText()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(projection.get("lag").get("records").asLong()).isEqualTo(7);
        assertThat(projection.get("lag").get("caughtUp").asBoolean()).isFalse();
        assertThat(projection.get("deadLetters").asInt()).isEqualTo(2);
        JsonNode saga = overview.get("sagas").get(0);
        assertThat(saga.get("name").asText()).isEqualTo("double");
        assertThat(saga.get("health").get("status").asText()).isEqualTo("FAILED");
        assertThat(saga.get("health").get("reason").asText()).isEqualTo("IllegalStateException: stream thread died");
    }

    @Test
    void anAggregateShowsItsStateAndItsHistoryWithMetadata() throws Exception {
        runtimes.store.add("c-1", "added 5");
        runtimes.store.add("c-1", "added 7");

        JsonNode aggregate = json(get("/api/aggregates/counter/c-1"));

        assertThat(aggregate.get("version").asLong()).isEqualTo(2);
        assertThat(aggregate.get("state").asLong()).isEqualTo(12);
        JsonNode second = aggregate.get("history").get(1);
        assertThat(second.get("sequence").asLong()).isEqualTo(2);
        assertThat(second.get("type").asText()).isEqualTo("Added");
        assertThat(second.get("time").asText()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(second.get("commandId").asText()).isEqualTo("cmd-2");
        assertThat(second.get("correlationId").asText()).isEqualTo("corr-c-1");
        assertThat(second.get("payload").asText()).isEqualTo("added 7");
    }

    @Test
    void anAggregateWithoutEventsHasNoStateAndAnEmptyHistory() throws Exception {
        JsonNode aggregate = json(get("/api/aggregates/counter/nobody"));

        assertThat(aggregate.get("state").isNull()).isTrue();
        assertThat(aggregate.get("history")).isEmpty();
    }

    @Test
    void anIdIsDecodedAsOneSegmentEvenWithAnEncodedSlashOrPlus() throws Exception {
        runtimes.store.add("a/b+c", "added 1");

        JsonNode aggregate = json(get("/api/aggregates/counter/a%2Fb+c"));

        assertThat(aggregate.get("id").asText()).isEqualTo("a/b+c");
        assertThat(aggregate.get("version").asLong()).isEqualTo(1);
    }

    @Test
    void anUnknownAggregateTypeIsNotFoundAndTheKnownOnesAreNamed() throws Exception {
        ConsoleApi.Response response = get("/api/aggregates/invoice/i-1");

        assertThat(response.status()).isEqualTo(404);
        assertThat(json(response).get("error").asText()).contains("invoice").contains("[counter]");
    }

    @Test
    void anAggregateServedByAnotherInstanceIsAConflictThatSaysSo() throws Exception {
        runtimes.store.notLocal = "c-9";

        ConsoleApi.Response response = get("/api/aggregates/counter/c-9");

        assertThat(response.status()).isEqualTo(409);
        assertThat(json(response).get("error").asText()).contains("c-9");
    }

    @Test
    void anEventStoresDeadLettersAreListedWithTheirErrorOriginAndStatus() throws Exception {
        runtimes.store.commandDeadLetters.add(commandLetter(4, "c-3", "unknown myelin.command-type 'bogus'"));

        JsonNode letters = json(get("/api/event-stores/counter/dead-letters"));
        JsonNode overview = json(get("/api/overview"));

        assertThat(letters.get("topic").asText()).isEqualTo("counting.counter.dead-letters");
        JsonNode letter = letters.get("deadLetters").get(0);
        assertThat(letter.get("position").asText()).isEqualTo("counting.counter.dead-letters:1:4");
        assertThat(letter.get("origin").asText()).isEqualTo("counting.counter.commands:0:14");
        assertThat(letter.get("time").asText()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(letter.get("aggregateId").asText()).isEqualTo("c-3");
        assertThat(letter.get("commandId").asText()).isEqualTo("cmd-4");
        assertThat(letter.get("commandType").asText()).isEqualTo("bogus");
        assertThat(letter.get("correlationId").asText()).isEmpty();
        assertThat(letter.get("error").asText()).contains("bogus");
        assertThat(letter.get("status").asText()).isEqualTo("PENDING");
        assertThat(letter.get("payload").asText()).isEqualTo("add 1");
        assertThat(overview.get("eventStores").get(0).get("deadLetters").asInt()).isEqualTo(1);
        assertThat(get("/api/event-stores/counter").status()).isEqualTo(404);
    }

    @Test
    void anEventStoresDeadLettersAreRedrivenOrSkippedBySelectionWithWhoActed() throws Exception {
        runtimes.store.commandDeadLetters.add(commandLetter(4, "c-3", "bogus"));
        runtimes.store.commandDeadLetters.add(commandLetter(5, "c-4", "bogus"));
        runtimes.store.commandDeadLetters.add(commandLetter(6, "c-5", "decide threw"));
        Map<String, String> action = Map.of("x-myelin-console", "1");
        String base = "/api/event-stores/counter/dead-letters/";

        assertThat(json(post(base + "redrive", Map.of("positions", "counting.counter.dead-letters:1:4,counting.counter.dead-letters:1:6"),
                action)).get("redriven").asInt()).isEqualTo(2);
        assertThat(json(post(base + "skip", Map.of("error", "bogus"), action)).get("skipped").asInt())
                .as("only the pending one of the two matching").isEqualTo(1);
        assertThat(json(post(base + "redrive", Map.of("all", "true"), action)).get("redriven").asInt()).isZero();

        JsonNode letters = json(get("/api/event-stores/counter/dead-letters")).get("deadLetters");
        assertThat(letters).extracting(l -> l.get("status").asText()).containsExactly("REDRIVEN", "SKIPPED", "REDRIVEN");
        assertThat(letters.get(1).get("actions").get(0).get("by").asText()).isEqualTo(ActionGate.ANONYMOUS);
        assertThat(post(base + "redrive", Map.of(), action).status()).as("no selection").isEqualTo(400);
        assertThat(post(base + "skip", Map.of("all", "true"), Map.of()).status()).as("no action header").isEqualTo(403);
        assertThat(api.handle(new ConsoleApi.Request("GET", base + "skip", Map.of("all", "true"), action)).status()).isEqualTo(405);
    }

    private static CommandDeadLetter commandLetter(long offset, String aggregateId, String error) {
        return new CommandDeadLetter(Optional.of(aggregateId), "cmd-" + offset, "bogus", Optional.empty(), error,
                RecordOrigin.of("counting.counter.commands", 0, offset + 10), RecordOrigin.of("counting.counter.dead-letters", 1, offset),
                Instant.parse("2026-01-02T03:04:05Z"), "add 1".getBytes(StandardCharsets.UTF_8), List.of());
    }

    @Test
    void aProjectionShowsItsLagByPartitionAndItsTopics() throws Exception {
        JsonNode projection = json(get("/api/projections/counter-totals"));

        assertThat(projection.get("lag").get("partitions").get("counting.counter.events-1").asLong()).isEqualTo(4);
        assertThat(projection.get("sourceTopics").get(0).asText()).isEqualTo("counting.counter.events");
        assertThat(projection.get("deadLetterTopic").asText()).isNotBlank();
    }

    @Test
    void aViewIsQueriedByKeyAndAMissingKeyIsNotFound() throws Exception {
        runtimes.totals.views.put("c-1", 55L);

        JsonNode view = json(get("/api/projections/counter-totals/views/c-1"));
        ConsoleApi.Response missing = get("/api/projections/counter-totals/views/c-2");

        assertThat(view.get("view").asLong()).isEqualTo(55);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(json(missing).get("error").asText()).contains("c-2");
    }

    @Test
    void deadLettersAreListedWithReasonOriginAndTheDecodedPayload() throws Exception {
        runtimes.totals.deadLetters.add(letter(7));

        JsonNode letters = json(get("/api/projections/counter-totals/dead-letters")).get("deadLetters");

        assertThat(letters).hasSize(1);
        JsonNode letter = letters.get(0);
        assertThat(letter.get("reason").asText()).isEqualTo("HANDLER_FAILED");
        assertThat(letter.get("errorMessage").asText()).isEqualTo("no 'added' in 'oops 7'");
        assertThat(letter.get("origin").asText()).isEqualTo("counting.counter.events:1:7");
        assertThat(letter.get("payload").asText()).isEqualTo("oops 7");
        assertThat(letter.get("key").asText()).isEqualTo("c-1@7");
    }

    @Test
    void oneDeadLetterIsRedrivenByItsOriginAndAllOfThemByAll() throws Exception {
        runtimes.totals.deadLetters.add(letter(7));
        runtimes.totals.deadLetters.add(letter(8));
        Map<String, String> action = Map.of("x-myelin-console", "1");

        JsonNode one = json(post("/api/projections/counter-totals/dead-letters/redrive", Map.of("origin", "counting.counter.events:1:8"), action));
        assertThat(one.get("redriven").asInt()).isEqualTo(1);
        assertThat(runtimes.totals.redriven).extracting(l -> l.origin().offset().getAsLong()).containsExactly(8L);

        JsonNode all = json(post("/api/projections/counter-totals/dead-letters/redrive", Map.of("all", "true"), action));
        assertThat(all.get("redriven").asInt()).isEqualTo(2);
    }

    @Test
    void aRedriveNeedsAPostWithTheActionHeaderAndSaysWhich() throws Exception {
        runtimes.totals.deadLetters.add(letter(7));
        String redrive = "/api/projections/counter-totals/dead-letters/redrive";

        ConsoleApi.Response asGet = api.handle(new ConsoleApi.Request("GET", redrive, Map.of("all", "true"), Map.of()));
        ConsoleApi.Response withoutHeader = post(redrive, Map.of("all", "true"), Map.of());
        ConsoleApi.Response withoutWhich = post(redrive, Map.of(), Map.of("x-myelin-console", "1"));

        assertThat(asGet.status()).isEqualTo(405);
        assertThat(withoutHeader.status()).isEqualTo(403);
        assertThat(json(withoutHeader).get("error").asText()).contains(ConsoleApi.ACTION_HEADER);
        assertThat(withoutWhich.status()).isEqualTo(400);
        assertThat(runtimes.totals.redriven).isEmpty();
    }

    @Test
    void aSagaShowsItsStateAndItsTypeItsMermaidDiagram() throws Exception {
        runtimes.saga.states.put("s-1", new SagaState<>("s-1", SagaStatus.COMPENSATING, "add-again", 2, "data-1", List.of(),
                "declined", List.of("add-again"), Optional.of(Instant.parse("2026-01-02T03:04:05Z"))));

        JsonNode state = json(get("/api/sagas/double/s-1"));
        JsonNode type = json(get("/api/sagas/double"));
        ConsoleApi.Response missing = get("/api/sagas/double/s-2");

        assertThat(state.get("status").asText()).isEqualTo("COMPENSATING");
        assertThat(state.get("step").asText()).isEqualTo("add-again");
        assertThat(state.get("data").asText()).isEqualTo("data-1");
        assertThat(state.get("failureReason").asText()).isEqualTo("declined");
        assertThat(state.get("nextDeadline").asText()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(type.get("mermaid").asText()).isEqualTo(runtimes.saga.definition().toMermaid()).contains("add-again");
        assertThat(missing.status()).isEqualTo(404);
    }

    @Test
    void thePageAndItsAssetsAreServedAndNothingElse() {
        ConsoleApi.Response page = get("/");
        ConsoleApi.Response script = get("/static/console.js");
        ConsoleApi.Response style = get("/static/console.css");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(page.text()).contains("Myelin Console").contains("/static/console.js");
        assertThat(script.contentType()).startsWith("text/javascript");
        assertThat(script.text()).contains("api('overview')");
        assertThat(style.status()).isEqualTo(200);
        assertThat(get("/static/..%2Fconsole%2FMyelinConsole.class").status()).isEqualTo(404);
        assertThat(get("/static/console.js/x").status()).isEqualTo(404);
        assertThat(get("/api/nothing").status()).isEqualTo(404);
        assertThat(get("/elsewhere").status()).isEqualTo(404);
    }

    @Test
    void aQueryStringIsDecodedAndTheFirstOfEachNameWins() {
        assertThat(ConsoleApi.Request.parseQuery("origin=a.b%3A1%3A2&all&origin=x")).containsExactly(
                Map.entry("origin", "a.b:1:2"), Map.entry("all", ""));
        assertThat(ConsoleApi.Request.parseQuery(null)).isEmpty();
    }

    private static DeadLetter letter(long offset) {
        return new DeadLetter("counter-totals", DeadLetter.Reason.HANDLER_FAILED, IllegalArgumentException.class.getName(),
                "no 'added' in 'oops " + offset + "'", "stack", RecordOrigin.of("counting.counter.events", 1, offset), 3,
                Instant.parse("2026-01-02T03:04:05Z"), ("c-1@" + offset).getBytes(StandardCharsets.UTF_8),
                ("oops " + offset).getBytes(StandardCharsets.UTF_8));
    }
}
