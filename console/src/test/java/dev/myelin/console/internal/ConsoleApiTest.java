package dev.myelin.console.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.myelin.eventstore.CommandDeadLetter;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.processors.DeadLetter;
import dev.myelin.sagas.SagaDeadLetter;
import dev.myelin.sagas.SagaState;
import dev.myelin.sagas.SagaStatus;
import dev.myelin.sagas.SagaTopics;
import dev.myelin.sagas.internal.ParticipantModel;
import dev.myelin.schemas.RecordOrigin;

/** The console's routes over runtimes in memory: what each answers, and what each refuses. */
class ConsoleApiTest {
    private final FakeRuntimes runtimes = new FakeRuntimes();
    private final ConsoleApi api = new ConsoleApi(runtimes);
    private static final String TOKEN = "s3cret-token-0123456789";
    private static final Map<String, String> BEARER = Map.of("authorization", "Bearer " + TOKEN);
    private final ConsoleApi actions = new ConsoleApi(runtimes, new ConsoleAccess(Optional.of(TOKEN), true), PayloadMask.NONE);

    private ConsoleApi.Response get(String pathAndQuery) {
        int question = pathAndQuery.indexOf('?');
        String path = question < 0 ? pathAndQuery : pathAndQuery.substring(0, question);
        Map<String, String> query = ConsoleApi.Request.parseQuery(question < 0 ? null : pathAndQuery.substring(question + 1));
        return api.handle(new ConsoleApi.Request("GET", path, query, Map.of()));
    }

    private ConsoleApi.Response post(String path, Map<String, String> query, Map<String, String> headers) {
        return api.handle(new ConsoleApi.Request("POST", path, query, headers));
    }

    /** An action on the console that has an access token, carrying it. */
    private ConsoleApi.Response act(String path, Map<String, String> query) {
        return actions.handle(new ConsoleApi.Request("POST", path, query, BEARER));
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
        assertThat(projection.get("eventsPerSecond").isNull()).as("no meter registry: no rate").isTrue();
        assertThat(projection.get("current").asBoolean()).isTrue();
        assertThat(projection.get("deadLetterTopic").asText()).isEqualTo("counter-totals.dead-letters");
        assertThat(store.get("commandsPerSecond").isNull()).isTrue();
        assertThat(store.get("eventsPerSecond").isNull()).isTrue();
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
        String base = "/api/event-stores/counter/dead-letters/";

        assertThat(json(act(base + "redrive", Map.of("positions", "counting.counter.dead-letters:1:4,counting.counter.dead-letters:1:6")))
                .get("redriven").asInt()).isEqualTo(2);
        assertThat(json(act(base + "skip", Map.of("error", "bogus"))).get("skipped").asInt())
                .as("only the pending one of the two matching").isEqualTo(1);
        assertThat(json(act(base + "redrive", Map.of("all", "true"))).get("redriven").asInt()).isZero();

        JsonNode letters = json(get("/api/event-stores/counter/dead-letters")).get("deadLetters");
        assertThat(letters).extracting(l -> l.get("status").asText()).containsExactly("REDRIVEN", "SKIPPED", "REDRIVEN");
        assertThat(letters.get(1).get("actions").get(0).get("by").asText()).isEqualTo(ActionGate.ANONYMOUS);
        assertThat(act(base + "redrive", Map.of()).status()).as("no selection").isEqualTo(400);
        assertThat(actions.handle(new ConsoleApi.Request("POST", base + "skip", Map.of("all", "true"), Map.of())).status())
                .as("no token").isEqualTo(401);
        assertThat(post(base + "skip", Map.of("all", "true"), BEARER).status()).as("a read-only console").isEqualTo(403);
        assertThat(actions.handle(new ConsoleApi.Request("GET", base + "skip", Map.of("all", "true"), BEARER)).status()).isEqualTo(405);
    }

    @Test
    void aSagaRuntimesDeadLettersAreListedDecodedAndRedrivenOrSkippedWithTheToken() throws Exception {
        runtimes.saga.sagaDeadLetters.add(sagaLetter(2, SagaDeadLetter.Kind.TRIGGER, Optional.empty(), "UNDECODABLE"));
        runtimes.saga.sagaDeadLetters.add(sagaLetter(3, SagaDeadLetter.Kind.REPLY, Optional.of("s-1"), "UNDECODABLE"));
        runtimes.saga.sagaDeadLetters.add(sagaLetter(4, SagaDeadLetter.Kind.TRIGGER, Optional.empty(), "HANDLER_FAILED"));
        String base = "/api/saga-runtimes/double/dead-letters";

        JsonNode listed = json(get(base));
        assertThat(listed.get("topic").asText()).isEqualTo("counting.saga.double.dead-letters");
        JsonNode trigger = listed.get("deadLetters").get(0);
        assertThat(trigger.get("kind").asText()).isEqualTo("TRIGGER");
        assertThat(trigger.get("reason").asText()).isEqualTo("UNDECODABLE");
        assertThat(trigger.get("position").asText()).isEqualTo("counting.saga.double.dead-letters:0:2");
        assertThat(trigger.get("origin").asText()).isEqualTo("counting.counter.events:1:12");
        assertThat(trigger.get("payload").asText()).as("decoded by the saga's trigger serde").isEqualTo("added 2");
        assertThat(trigger.get("status").asText()).isEqualTo("PENDING");
        assertThat(listed.get("deadLetters").get(1).get("sagaId").asText()).isEqualTo("s-1");
        assertThat(listed.get("deadLetters").get(1).get("commandId").asText()).isEqualTo("saga:double:i:add-again:s-1");
        assertThat(json(get("/api/overview")).get("sagas").get(0).get("deadLetters").asInt()).isEqualTo(3);

        assertThat(post(base + "/redrive", Map.of("all", "true"), BEARER).status()).as("a read-only console").isEqualTo(403);
        assertThat(actions.handle(new ConsoleApi.Request("POST", base + "/redrive", Map.of("all", "true"), Map.of())).status())
                .as("no token").isEqualTo(401);
        assertThat(act(base + "/redrive", Map.of()).status()).as("no selection").isEqualTo(400);
        assertThat(runtimes.saga.sagaDeadLetters).allMatch(l -> l.actions().isEmpty());

        assertThat(json(act(base + "/redrive", Map.of("positions", "counting.saga.double.dead-letters:0:2"))).get("redriven").asInt())
                .isEqualTo(1);
        assertThat(json(act(base + "/skip", Map.of("sagaId", "s-1"))).get("skipped").asInt()).isEqualTo(1);
        assertThat(json(act(base + "/redrive", Map.of("error", "threw"))).get("redriven").asInt()).isEqualTo(1);
        assertThat(json(act(base + "/redrive", Map.of("all", "true"))).get("redriven").asInt()).as("none pending").isZero();
        JsonNode after = json(get(base)).get("deadLetters");
        assertThat(after).extracting(l -> l.get("status").asText()).containsExactly("REDRIVEN", "SKIPPED", "REDRIVEN");
        assertThat(after.get(1).get("actions").get(0).get("by").asText()).isEqualTo(ActionGate.ANONYMOUS);
        assertThat(get("/api/saga-runtimes/nope/dead-letters").status()).isEqualTo(404);
    }

    @Test
    void aRebuildStartsTheNextVersionBesideTheOldAndSwitchesReadsOnceItHasCaughtUp() throws Exception {
        String rebuild = "/api/projections/counter-totals/rebuild";
        String detail = "/api/projections/counter-totals";
        assertThat(post(rebuild, Map.of(), BEARER).status()).as("a read-only console").isEqualTo(403);
        assertThat(actions.handle(new ConsoleApi.Request("POST", rebuild, Map.of(), Map.of())).status()).as("no token").isEqualTo(401);
        assertThat(actions.handle(new ConsoleApi.Request("GET", rebuild, Map.of(), BEARER)).status()).isEqualTo(405);
        assertThat(runtimes.started).isEmpty();

        JsonNode started = json(act(rebuild, Map.of()));
        assertThat(started.get("from").asInt()).isEqualTo(1);
        assertThat(started.get("version").asInt()).isEqualTo(2);
        assertThat(started.get("status").asText()).isEqualTo("REBUILDING");
        assertThat(act(rebuild, Map.of()).status()).as("one rebuild at a time").isEqualTo(409);

        JsonNode rebuilding = awaitJson(detail, d -> d.get("versions").size() == 2);
        assertThat(rebuilding.get("version").asInt()).as("reads stay on version 1 while version 2 catches up").isEqualTo(1);
        assertThat(rebuilding.get("rebuild").get("status").asText()).isEqualTo("REBUILDING");
        assertThat(rebuilding.get("versions")).extracting(v -> v.get("version").asInt() + ":" + v.get("current").asBoolean())
                .containsExactly("1:true", "2:false");

        runtimes.caughtUp.countDown();
        JsonNode switched = awaitJson(detail, d -> d.get("version").asInt() == 2);
        assertThat(switched.get("applicationId").asText()).isEqualTo("counting.counter-totals.v2");
        assertThat(switched.get("rebuild").get("status").asText()).isEqualTo("SWITCHED");
        assertThat(switched.get("rebuild").get("by").asText()).isEqualTo(ActionGate.ANONYMOUS);
        assertThat(switched.get("versions")).extracting(v -> v.get("version").asInt() + ":" + v.get("current").asBoolean())
                .containsExactly("1:false", "2:true");
        assertThat(json(act(rebuild, Map.of())).get("version").asInt()).as("the next after the newest").isEqualTo(3);
    }

    private JsonNode awaitJson(String path, Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (true) {
            JsonNode node = json(actions.handle(new ConsoleApi.Request("GET", path, Map.of(), BEARER)));
            if (done.test(node)) {
                return node;
            }
            assertThat(System.nanoTime()).as("%s within 10 s; last: %s", path, node).isLessThan(deadline);
            // in memory, no broker: the rebuild thread ends within microseconds, so give it the core instead of sleeping
            Thread.yield();
        }
    }

    private static SagaDeadLetter sagaLetter(long offset, SagaDeadLetter.Kind kind, Optional<String> sagaId, String reason) {
        return new SagaDeadLetter("double", kind, Optional.of(sagaId.orElse("k-" + offset)), sagaId,
                sagaId.map(id -> "saga:double:i:add-again:" + id), reason, "java.lang.IllegalStateException: it threw",
                RecordOrigin.of("counting.counter.events", 1, offset + 10), RecordOrigin.of("counting.saga.double.dead-letters", 0, offset),
                Instant.parse("2026-01-02T03:04:05Z"), ("added " + offset).getBytes(StandardCharsets.UTF_8), List.of());
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
        String redrive = "/api/projections/counter-totals/dead-letters/redrive";

        JsonNode one = json(actions.handle(new ConsoleApi.Request("POST", redrive, Map.of("origin", "counting.counter.events:1:8"), BEARER)));
        assertThat(one.get("redriven").asInt()).isEqualTo(1);
        assertThat(runtimes.totals.redriven).extracting(l -> l.origin().offset().getAsLong()).containsExactly(8L);

        JsonNode all = json(actions.handle(new ConsoleApi.Request("POST", redrive, Map.of("all", "true"), BEARER)));
        assertThat(all.get("redriven").asInt()).isEqualTo(2);
    }

    @Test
    void aRedriveNeedsAPostWithTheTokenAndSaysWhich() throws Exception {
        runtimes.totals.deadLetters.add(letter(7));
        String redrive = "/api/projections/counter-totals/dead-letters/redrive";

        ConsoleApi.Response asGet = actions.handle(new ConsoleApi.Request("GET", redrive, Map.of("all", "true"), BEARER));
        ConsoleApi.Response withoutToken = actions.handle(new ConsoleApi.Request("POST", redrive, Map.of("all", "true"), Map.of()));
        ConsoleApi.Response withAnotherToken = actions.handle(new ConsoleApi.Request("POST", redrive, Map.of("all", "true"),
                Map.of("authorization", "Bearer " + TOKEN + "x")));
        ConsoleApi.Response withoutWhich = actions.handle(new ConsoleApi.Request("POST", redrive, Map.of(), BEARER));

        assertThat(asGet.status()).isEqualTo(405);
        assertThat(withoutToken.status()).isEqualTo(401);
        assertThat(json(withoutToken).get("error").asText()).contains("Authorization: Bearer").doesNotContain(TOKEN);
        assertThat(withAnotherToken.status()).isEqualTo(401);
        assertThat(withoutWhich.status()).isEqualTo(400);
        assertThat(runtimes.totals.redriven).isEmpty();
    }

    @Test
    void neitherTheTokenNorAPayloadIsLogged() {
        runtimes.totals.deadLetters.add(letter(7));
        String redrive = "/api/projections/counter-totals/dead-letters/redrive";
        StringWriter logged = new StringWriter();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Appender appender = WriterAppender.newBuilder().setName("console-test").setTarget(logged)
                .setLayout(PatternLayout.newBuilder().withPattern("%level %logger %msg%n").build()).build();
        appender.start();
        context.getConfiguration().getLoggerConfig("dev.myelin").addAppender(appender, Level.DEBUG, null);
        try {
            actions.handle(new ConsoleApi.Request("POST", redrive, Map.of("all", "true"), Map.of("authorization", "Bearer " + TOKEN + "-wrong")));
            actions.handle(new ConsoleApi.Request("POST", redrive, Map.of("all", "true"), BEARER));
            actions.handle(new ConsoleApi.Request("GET", "/api/projections/counter-totals/dead-letters", Map.of(), BEARER));
        } finally {
            context.getConfiguration().getLoggerConfig("dev.myelin").removeAppender("console-test");
            appender.stop();
        }

        assertThat(logged.toString()).contains("refused POST " + redrive).contains("redrove 1 dead letter(s) of counter-totals")
                .doesNotContain(TOKEN).doesNotContain("oops 7");
    }

    @Test
    void withoutATokenTheConsoleIsReadOnlyAndSaysHowToEnableActions() throws Exception {
        runtimes.totals.deadLetters.add(letter(7));

        ConsoleApi.Response refused = post("/api/projections/counter-totals/dead-letters/redrive", Map.of("all", "true"), BEARER);
        JsonNode access = json(get("/api/access"));

        assertThat(refused.status()).isEqualTo(403);
        assertThat(json(refused).get("error").asText()).contains("read-only").contains("myelin.console.access-token")
                .contains("accessToken");
        assertThat(runtimes.totals.redriven).isEmpty();
        assertThat(access.get("actionsEnabled").asBoolean()).isFalse();
        assertThat(access.get("howToEnable").asText()).contains("myelin.console.access-token");
        assertThat(get("/api/overview").status()).isEqualTo(200);
    }

    @Test
    void thePageLearnsWhetherActionsAreOnAndItsTokenIsRight() throws Exception {
        JsonNode without = json(actions.handle(new ConsoleApi.Request("GET", "/api/access", Map.of(), Map.of())));
        JsonNode with = json(actions.handle(new ConsoleApi.Request("GET", "/api/access", Map.of(), BEARER)));

        assertThat(without.get("actionsEnabled").asBoolean()).isTrue();
        assertThat(without.get("authorized").asBoolean()).isFalse();
        assertThat(without.has("howToEnable")).isFalse();
        assertThat(with.get("authorized").asBoolean()).isTrue();
        assertThat(with.toString()).doesNotContain(TOKEN);
    }

    @Test
    void beyondThisMachineAReadNeedsTheTokenButThePageDoesNot() throws Exception {
        ConsoleApi remote = new ConsoleApi(runtimes, new ConsoleAccess(Optional.of(TOKEN), false), PayloadMask.NONE);

        ConsoleApi.Response anonymous = remote.handle(new ConsoleApi.Request("GET", "/api/overview", Map.of(), Map.of()));
        ConsoleApi.Response bearer = remote.handle(new ConsoleApi.Request("GET", "/api/overview", Map.of(), BEARER));
        ConsoleApi.Response page = remote.handle(new ConsoleApi.Request("GET", "/", Map.of(), Map.of()));
        ConsoleApi.Response access = remote.handle(new ConsoleApi.Request("GET", "/api/access", Map.of(), Map.of()));

        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(json(anonymous).toString()).doesNotContain("counter-totals");
        assertThat(bearer.status()).isEqualTo(200);
        assertThat(page.status()).isEqualTo(200);
        assertThat(json(access).get("readsNeedToken").asBoolean()).isTrue();
    }

    @Test
    void maskedPayloadsShowAsStarsByAggregateTypeProjectionOrTopic() throws Exception {
        runtimes.store.add("c-1", "added 5");
        runtimes.totals.deadLetters.add(letter(7));
        runtimes.totals.views.put("c-1", 5L);
        ConsoleApi masked = new ConsoleApi(runtimes, ConsoleAccess.readOnly(),
                new PayloadMask(Set.of("counter", "counter-totals"), Map.of()));

        JsonNode aggregate = json(masked.handle(new ConsoleApi.Request("GET", "/api/aggregates/counter/c-1", Map.of(), Map.of())));
        JsonNode view = json(masked.handle(new ConsoleApi.Request("GET", "/api/projections/counter-totals/views/c-1", Map.of(), Map.of())));
        JsonNode letters = json(masked.handle(new ConsoleApi.Request("GET", "/api/projections/counter-totals/dead-letters", Map.of(),
                Map.of())));

        assertThat(aggregate.get("state").asText()).isEqualTo(PayloadMask.MASKED);
        assertThat(aggregate.get("history").get(0).get("payload").asText()).isEqualTo(PayloadMask.MASKED);
        assertThat(aggregate.get("history").get(0).get("type").asText()).isEqualTo("Added");
        assertThat(view.get("view").asText()).isEqualTo(PayloadMask.MASKED);
        assertThat(letters.get("deadLetters").get(0).get("payload").asText()).isEqualTo(PayloadMask.MASKED);
        assertThat(letters.get("deadLetters").get(0).get("origin").asText()).isEqualTo("counting.counter.events:1:7");
        // unmasked, the same answers carry the payloads
        assertThat(json(get("/api/aggregates/counter/c-1")).get("history").get(0).get("payload").asText()).isEqualTo("added 5");
    }

    @Test
    void maskedFieldsShowAsStarsAtAnyDepthAndAPayloadWithoutFieldsIsMaskedWhole() throws Exception {
        PayloadMask mask = new PayloadMask(Set.of(), Map.of("Customer", Set.of("email", "name"), "shop.customer.events", Set.of("iban")));
        JsonNode customer = ValueJson.MAPPER.readTree("{\"id\":\"c-1\",\"name\":\"Ada\",\"contact\":{\"email\":\"ada@example.org\"},"
                + "\"orders\":[{\"name\":\"gift\",\"total\":3}]}");

        JsonNode byType = mask.apply(customer, null, "Customer");
        JsonNode byTopic = mask.apply(ValueJson.MAPPER.readTree("{\"iban\":\"DE00\",\"name\":\"Ada\"}"), null, "shop.customer.events");
        JsonNode text = mask.apply(ValueJson.MAPPER.getNodeFactory().textNode("Ada, ada@example.org"), null, "Customer");
        JsonNode other = mask.apply(customer, null, "Order");

        assertThat(byType.toString()).isEqualTo("{\"id\":\"c-1\",\"name\":\"***\",\"contact\":{\"email\":\"***\"},"
                + "\"orders\":[{\"name\":\"***\",\"total\":3}]}");
        assertThat(customer.get("name").asText()).as("the original is left alone").isEqualTo("Ada");
        assertThat(byTopic.toString()).isEqualTo("{\"iban\":\"***\",\"name\":\"Ada\"}");
        assertThat(text.asText()).isEqualTo(PayloadMask.MASKED);
        assertThat(other).isSameAs(customer);
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
    void sagasAreListedFromTheirLogByStatusStepAndAge() throws Exception {
        logSagas();

        JsonNode all = json(get("/api/sagas"));
        JsonNode inFlight = json(get("/api/sagas?status=in_flight"));
        JsonNode failed = json(get("/api/sagas?type=double&status=FAILED"));
        JsonNode atConfirm = json(get("/api/sagas?step=confirm"));
        JsonNode old = json(get("/api/sagas?status=IN_FLIGHT&olderThan=3600"));
        ConsoleApi.Response badStatus = get("/api/sagas?status=LOST");

        assertThat(all.get("sagas")).extracting(s -> s.get("id").asText()).containsExactly("s-4", "s-3", "s-2", "s-1");
        assertThat(inFlight.get("sagas")).extracting(s -> s.get("id").asText()).containsExactly("s-4", "s-3");
        assertThat(failed.get("sagas")).hasSize(1);
        JsonNode s1 = failed.get("sagas").get(0);
        assertThat(s1.get("id").asText()).isEqualTo("s-1");
        assertThat(s1.get("reason").asText()).isEqualTo("undo add-again failed: no counter");
        assertThat(s1.get("step").asText()).isEqualTo("add-again");
        assertThat(atConfirm.get("sagas")).extracting(s -> s.get("id").asText()).containsExactly("s-4", "s-2");
        assertThat(old.get("sagas")).extracting(s -> s.get("id").asText()).containsExactly("s-3");
        assertThat(badStatus.status()).isEqualTo(400);
    }

    @Test
    void aSagasTimelineShowsItsCommandsRepliesAndTheReasonItFailed() throws Exception {
        logSagas();

        JsonNode saga = json(get("/api/sagas/double/s-1"));

        assertThat(saga.get("status").asText()).isEqualTo("FAILED");
        assertThat(saga.get("failureReason").asText()).isEqualTo("undo add-again failed: no counter");
        JsonNode timeline = saga.get("timeline");
        assertThat(timeline).extracting(e -> e.get("transition").asText()).containsExactly("STARTED", "STEP_SENT", "STEP_SUCCEEDED",
                "STEP_SENT", "STEP_FAILED", "COMPENSATING", "COMPENSATION_SENT", "FAILED");
        assertThat(timeline).extracting(e -> e.get("kind").asText()).containsExactly("saga", "command", "reply", "command", "reply",
                "saga", "command", "saga");
        JsonNode undo = timeline.get(6).get("command");
        assertThat(undo.get("id").asText()).isEqualTo("saga:double:c:add-again:s-1");
        assertThat(undo.get("compensation").asBoolean()).isTrue();
        assertThat(timeline.get(4).get("detail").asText()).isEqualTo("declined");
    }

    @Test
    void eachCommandOnASagasTimelineShowsWhatWasSentAndTheReplyDecodedAndMasked() throws Exception {
        logSagas();
        ParticipantModel<String, CommandResult<String>> counters = ParticipantModel.of(FakeRuntimes.Saga.COUNTERS);
        runtimes.topics.put(counters.commandTopic(), List.of(
                command(0, "saga:double:i:add-again:s-2", "add 9"),
                command(1, "saga:double:i:add-again:s-1", "add 2"),
                command(2, "saga:double:i:confirm:s-1", "confirm")));
        runtimes.topics.put(counters.replyTopic(), List.of(
                reply(0, "saga:double:i:add-again:s-1", counters.encodeReply(new CommandResult.Accepted<>(3, List.of("added 2")))),
                reply(1, "saga:double:i:confirm:s-1", counters.encodeReply(new CommandResult.Rejected<>("declined")))));

        JsonNode timeline = json(get("/api/sagas/double/s-1")).get("timeline");
        JsonNode first = timeline.get(1).get("command");
        assertThat(first.get("sent").asText()).isEqualTo("add 2");
        assertThat(first.get("reply").get("result").asText()).isEqualTo("Accepted");
        assertThat(first.get("reply").get("newVersion").asLong()).isEqualTo(3);
        assertThat(first.get("reply").get("events").get(0).asText()).isEqualTo("added 2");
        JsonNode second = timeline.get(3).get("command");
        assertThat(second.get("sent").asText()).isEqualTo("confirm");
        assertThat(second.get("reply").get("result").asText()).isEqualTo("Rejected");
        assertThat(second.get("reply").get("reason").asText()).isEqualTo("declined");
        JsonNode undo = timeline.get(6).get("command");
        assertThat(undo.get("sent").isNull()).as("not on the topic").isTrue();
        assertThat(undo.get("reply").isNull()).isTrue();

        ConsoleApi masked = new ConsoleApi(runtimes, ConsoleAccess.readOnly(),
                new PayloadMask(Set.of(counters.commandTopic()), Map.of()));
        JsonNode hidden = json(masked.handle(new ConsoleApi.Request("GET", "/api/sagas/double/s-1", Map.of(), Map.of())))
                .get("timeline").get(1).get("command");
        assertThat(hidden.get("sent").asText()).isEqualTo("***");
        assertThat(hidden.get("reply").get("events").get(0).asText()).as("the reply topic is not masked").isEqualTo("added 2");
    }

    @Test
    void aReplyAnAggregateWroteStraightOntoTheSagasInboxIsOnTheTimelineToo() throws Exception {
        logSagas();
        ParticipantModel<String, CommandResult<String>> counters = ParticipantModel.of(FakeRuntimes.Saga.COUNTERS);
        runtimes.topics.put(counters.commandTopic(), List.of(command(0, "saga:double:i:add-again:s-1", "add 2")));
        String inbox = SagaTopics.of("counting", "double").inbox();
        ConsumerRecord<byte[], byte[]> trigger = new ConsumerRecord<>(inbox, 0, 0, "s-1".getBytes(StandardCharsets.UTF_8),
                "a trigger".getBytes(StandardCharsets.UTF_8));
        ConsumerRecord<byte[], byte[]> direct = new ConsumerRecord<>(inbox, 0, 1, "s-1".getBytes(StandardCharsets.UTF_8),
                counters.encodeReply(new CommandResult.Accepted<>(3, List.of("added 2"))));
        direct.headers().add(CommandHeaders.COMMAND_ID, "saga:double:i:add-again:s-1".getBytes(StandardCharsets.UTF_8));
        runtimes.topics.put(inbox, List.of(trigger, direct));

        JsonNode first = json(get("/api/sagas/double/s-1")).get("timeline").get(1).get("command");

        assertThat(first.get("sent").asText()).isEqualTo("add 2");
        assertThat(first.get("reply").isNull()).as("a reply found on the inbox, not on the results topic").isFalse();
        assertThat(first.get("reply").get("result").asText()).isEqualTo("Accepted");
        assertThat(first.get("reply").get("events").get(0).asText()).isEqualTo("added 2");
    }

    private static ConsumerRecord<byte[], byte[]> command(long offset, String commandId, String command) {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("counting.counter.commands", 0, offset, "c-1".getBytes(StandardCharsets.UTF_8),
                command.getBytes(StandardCharsets.UTF_8));
        record.headers().add(CommandHeaders.COMMAND_ID, commandId.getBytes(StandardCharsets.UTF_8));
        return record;
    }

    private static ConsumerRecord<byte[], byte[]> reply(long offset, String commandId, byte[] value) {
        return new ConsumerRecord<>("replies", 0, offset, commandId.getBytes(StandardCharsets.UTF_8), value);
    }

    @Test
    void aSagaTypesDiagramCarriesTheLiveCountsOfItsStepsPathsAndEnds() throws Exception {
        logSagas();

        JsonNode type = json(get("/api/sagas/double"));

        assertThat(type.get("counts").get("RUNNING").asInt()).isEqualTo(1);
        assertThat(type.get("counts").get("COMPENSATING").asInt()).isEqualTo(1);
        assertThat(type.get("counts").get("COMPLETED").asInt()).isEqualTo(1);
        assertThat(type.get("counts").get("FAILED").asInt()).isEqualTo(1);
        String diagram = type.get("diagram").asText();
        assertThat(diagram).startsWith("stateDiagram-v2")
                .contains("state \"confirm (counting.counter) · 1 in flight\" as s1")
                .contains("state \"undo add-again · 1 compensating\" as c0")
                .contains("s0 --> s1 : success (4)")
                .contains("s1 --> c0 : failure (2)")
                .contains("COMPLETED : 1 sagas").contains("COMPENSATED : 0 sagas")
                .contains("FAILED : 1 sagas");
        assertThat(json(get("/api/overview")).get("sagas").get(0).get("counts").get("FAILED").asInt()).isEqualTo(1);
    }

    /** Four sagas in the log: s-1 failed while undoing, s-2 completed, s-3 compensating an hour old, s-4 running at confirm. */
    private void logSagas() {
        String now = Instant.now().toString();
        String hourAgo = Instant.now().minusSeconds(3700).toString();
        List<String> lines = List.of(
                line("s-1", "STARTED", "add-again", "RUNNING", "", "2026-01-01T00:00:00Z"),
                line("s-1", "STEP_SENT", "add-again", "RUNNING", "saga:double:i:add-again:s-1", "2026-01-01T00:00:01Z"),
                line("s-1", "STEP_SUCCEEDED", "add-again", "RUNNING", "", "2026-01-01T00:00:02Z"),
                line("s-1", "STEP_SENT", "confirm", "RUNNING", "saga:double:i:confirm:s-1", "2026-01-01T00:00:03Z"),
                line("s-1", "STEP_FAILED", "confirm", "RUNNING", "declined", "2026-01-01T00:00:04Z"),
                line("s-1", "COMPENSATING", "add-again", "COMPENSATING", "declined", "2026-01-01T00:00:05Z"),
                line("s-1", "COMPENSATION_SENT", "add-again", "COMPENSATING", "saga:double:c:add-again:s-1", "2026-01-01T00:00:06Z"),
                line("s-1", "FAILED", "add-again", "FAILED", "undo add-again failed: no counter", "2026-01-01T00:00:07Z"),
                line("s-2", "STARTED", "add-again", "RUNNING", "", "2026-01-01T00:01:00Z"),
                line("s-2", "STEP_SUCCEEDED", "add-again", "RUNNING", "", "2026-01-01T00:01:01Z"),
                line("s-2", "COMPLETED", "confirm", "COMPLETED", "", "2026-01-01T00:01:02Z"),
                line("s-3", "STARTED", "add-again", "RUNNING", "", hourAgo),
                line("s-3", "STEP_SUCCEEDED", "add-again", "RUNNING", "", hourAgo),
                line("s-3", "STEP_FAILED", "confirm", "RUNNING", "declined", hourAgo),
                line("s-3", "COMPENSATING", "add-again", "COMPENSATING", "declined", hourAgo),
                line("s-4", "STARTED", "add-again", "RUNNING", "", now),
                line("s-4", "STEP_SUCCEEDED", "add-again", "RUNNING", "", now),
                line("s-4", "STEP_SENT", "confirm", "RUNNING", "saga:double:i:confirm:s-4", now),
                "not a log entry");
        List<ConsumerRecord<byte[], byte[]>> records = new java.util.ArrayList<>();
        for (String line : lines) {
            records.add(new ConsumerRecord<>("counting.saga.double.log", 0, records.size(), null, line.getBytes(StandardCharsets.UTF_8)));
        }
        runtimes.topics.put("counting.saga.double.log", records);
    }

    private static String line(String id, String transition, String step, String status, String detail, String at) {
        return "{\"saga\":\"double\",\"id\":\"" + id + "\",\"transition\":\"" + transition + "\",\"step\":\"" + step
                + "\",\"attempt\":1,\"status\":\"" + status + "\",\"detail\":\"" + detail + "\",\"at\":\"" + at + "\"}";
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
        ConsoleApi.Response mermaid = get("/static/mermaid.min.js");
        assertThat(mermaid.status()).isEqualTo(200);
        assertThat(mermaid.body().length).isGreaterThan(1_000_000);
        assertThat(get("/static/mermaid-LICENSE").text()).contains("MIT");
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
