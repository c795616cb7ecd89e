package dev.myelin.console.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.IntegerSerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.UUIDSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.myelin.eventstore.AggregateNotLocalException;
import dev.myelin.eventstore.AggregateState;
import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.DeadLetterStatus;
import dev.myelin.eventstore.internal.Meters;
import dev.myelin.eventstore.EventStore;
import dev.myelin.eventstore.RecordedEvent;
import dev.myelin.processors.DeadLetter;
import dev.myelin.processors.ProjectionLag;
import dev.myelin.processors.RunningProjection;
import dev.myelin.processors.ViewUnavailableException;
import dev.myelin.sagas.SagaRuntime;
import dev.myelin.sagas.SagaState;
import dev.myelin.sagas.SagaStatus;
import dev.myelin.sagas.SagaTransition;
import dev.myelin.schemas.EventMetadata;
import dev.myelin.schemas.RecordOrigin;

/**
 * The console's routes, independent of the HTTP server: a request's method, path, query and headers
 * in, a status, content type and body out. The JSON API lives under {@code /api/}; {@code /} and
 * {@code /static/*} are the page and its script and style, read from the class path.
 *
 * <p>Reads are GETs. Actions (redrive, skip) are POSTs, refused unless the console has an access
 * token and the request carries it ({@code Authorization: Bearer <token>}; see {@link ConsoleAccess}).
 * A browser sends no such header to another origin without asking first (CORS), and the console never
 * allows it, so a page elsewhere cannot make a visitor's browser act on the console. Payloads are
 * masked as the {@link PayloadMask} says before they leave.
 */
public final class ConsoleApi {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleApi.class);
    private static final String JSON = "application/json; charset=utf-8";
    private static final String STATIC = "dev/myelin/console/static/";
    private static final Map<String, String> ASSETS = Map.of(
            "index.html", "text/html; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8",
            "live.js", "text/javascript; charset=utf-8",
            "console.css", "text/css; charset=utf-8",
            "mermaid.min.js", "text/javascript; charset=utf-8",
            "mermaid-LICENSE", "text/plain; charset=utf-8");
    /** How long a saga log read is reused: the overview and the sagas page poll it. */
    private static final Duration LOG_FRESH = Duration.ofSeconds(2);
    /** How long reading a projection's dead-letter topic may take. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    /** How long an overview's dead-letter counts are reused: each count reads a whole topic. */
    private static final Duration COUNT_FRESH = Duration.ofSeconds(5);
    private static final Pattern ORIGIN = Pattern.compile("(.+):(\\d+):(\\d+)");

    private final Runtimes runtimes;
    private final ConsoleAccess access;
    private final PayloadMask mask;
    private final Map<Object, Count> deadLetterCounts = new ConcurrentHashMap<>();
    private final Map<String, Log> sagaLogs = new ConcurrentHashMap<>();
    private final ProjectionRebuilds rebuilds;
    private final Throughput throughput = new Throughput(System::nanoTime);

    /**
     * Creates read-only routes over {@code runtimes}, on this machine, masking nothing.
     *
     * @param runtimes what to show
     */
    public ConsoleApi(Runtimes runtimes) {
        this(runtimes, ConsoleAccess.readOnly(), PayloadMask.NONE);
    }

    /**
     * Creates the routes over {@code runtimes}.
     *
     * @param runtimes what to show
     * @param access   who may read and act
     * @param mask     what to hide of payloads
     */
    public ConsoleApi(Runtimes runtimes, ConsoleAccess access, PayloadMask mask) {
        this(runtimes, access, mask, ProjectionRebuilds.CATCH_UP);
    }

    /**
     * Creates the routes over {@code runtimes}, a rebuild waiting {@code catchUp} for its version to catch up.
     *
     * @param runtimes what to show
     * @param access   who may read and act
     * @param mask     what to hide of payloads
     * @param catchUp  how long a rebuilt version may take to catch up
     */
    public ConsoleApi(Runtimes runtimes, ConsoleAccess access, PayloadMask mask, Duration catchUp) {
        this.runtimes = runtimes;
        this.access = access;
        this.mask = mask;
        this.rebuilds = new ProjectionRebuilds(runtimes, catchUp);
    }

    /**
     * Returns the version of projection {@code name} the console reads: the one a rebuild started
     * here switched to, or else the first the application started.
     *
     * @param name the projection's name
     * @return the running projection, or empty when the application runs none of that name
     */
    public Optional<RunningProjection<?, ?>> currentProjection(String name) {
        return rebuilds.current(name);
    }

    /**
     * A request as the routes see it.
     *
     * @param method  the HTTP method, upper-case
     * @param rawPath the path, still percent-encoded
     * @param query   the decoded query parameters (the first of each name)
     * @param headers the headers, names lower-case (the first of each)
     */
    public record Request(String method, String rawPath, Map<String, String> query, Map<String, String> headers) {
        /**
         * Parses a raw query string ({@code a=1&b=x%20y}).
         *
         * @param rawQuery the query, or null
         * @return the parameters
         */
        public static Map<String, String> parseQuery(String rawQuery) {
            Map<String, String> parameters = new LinkedHashMap<>();
            if (rawQuery != null && !rawQuery.isEmpty()) {
                for (String pair : rawQuery.split("&")) {
                    int equals = pair.indexOf('=');
                    String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
                    String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
                    parameters.putIfAbsent(name, value);
                }
            }
            return parameters;
        }
    }

    /**
     * An answer.
     *
     * @param status      the HTTP status
     * @param contentType the content type
     * @param body        the body
     */
    public record Response(int status, String contentType, byte[] body) {
        /**
         * Returns the body as text.
         *
         * @return the body, UTF-8 decoded
         */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** A failure with the status it answers. */
    static final class Refused extends RuntimeException {
        private final int status;

        Refused(int status, String message) {
            super(message);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    /**
     * Answers a request; never throws.
     *
     * @param request the request
     * @return the answer
     */
    public Response handle(Request request) {
        List<String> path = segments(request.rawPath());
        try {
            if (path.isEmpty() || path.size() == 1 && path.get(0).equals("index.html")) {
                return asset(request, "index.html");
            }
            if (path.get(0).equals("static") && path.size() == 2) {
                return asset(request, path.get(1));
            }
            if (!path.get(0).equals("api")) {
                throw new Refused(404, "no such page: " + request.rawPath());
            }
            if (access.readsNeedToken() && !access.authorized(request.headers()) && !(path.size() == 2 && path.get(1).equals("access"))) {
                throw new Refused(401, "this console listens beyond this machine: every request needs its access token"
                        + " ('Authorization: Bearer <token>'; enter it in the page)");
            }
            return json(200, api(request, path.subList(1, path.size())));
        } catch (Refused e) {
            return error(e.status, e.getMessage());
        } catch (RuntimeException e) {
            // no payloads in the log: the path names what was asked, the error's class and message what went wrong
            LOG.warn("console request {} {} failed: {}", request.method(), request.rawPath(), ValueJson.describe(e));
            return error(500, ValueJson.describe(e));
        }
    }

    private JsonNode api(Request request, List<String> path) {
        if (!request.method().equals("GET")) {
            // every request that may change something is an action: refused before any route is looked up
            requireAction(request);
        }
        String route = path.isEmpty() ? "" : path.get(0);
        switch (route) {
            case "overview" -> {
                requireGet(request, path.size() == 1);
                return overview();
            }
            case "aggregates" -> {
                requireGet(request, path.size() == 3);
                return aggregate(eventStore(path.get(1)), path.get(2));
            }
            case "event-stores" -> {
                if (path.size() < 3) {
                    throw new Refused(404, "no such API: " + request.rawPath());
                }
                EventStore<?, ?, ?> store = eventStore(path.get(1));
                deadLetterCounts.remove(store);
                return CommandDeadLetterRoutes.route(request, store, path.get(1), String.join("/", path.subList(2, path.size())), mask);
            }
            case "projections" -> {
                return projection(request, path);
            }
            case "saga-runtimes" -> {
                if (path.size() < 3) {
                    throw new Refused(404, "no such API: " + request.rawPath());
                }
                SagaRuntime<?, ?> saga = saga(path.get(1));
                deadLetterCounts.remove(saga);
                return SagaDeadLetterRoutes.route(request, saga, String.join("/", path.subList(2, path.size())), mask);
            }
            case "access" -> {
                requireGet(request, path.size() == 1);
                return accessInfo(request);
            }
            case "sagas" -> {
                requireGet(request, path.size() <= 3);
                if (path.size() == 1) {
                    return sagaList(request.query());
                }
                SagaRuntime<?, ?> saga = saga(path.get(1));
                return path.size() == 2 ? sagaType(saga) : sagaState(saga, path.get(2));
            }
            default -> throw new Refused(404, "no such API: /api/" + String.join("/", path));
        }
    }

    private JsonNode projection(Request request, List<String> path) {
        if (path.size() < 2) {
            throw new Refused(404, "name a projection: /api/projections/{name}");
        }
        RunningProjection<?, ?> projection = projection(path.get(1));
        String rest = String.join("/", path.subList(2, path.size()));
        if (rest.isEmpty()) {
            requireGet(request, true);
            return projectionDetail(projection);
        }
        if (rest.equals("dead-letters")) {
            requireGet(request, true);
            return deadLetters(projection);
        }
        if (rest.equals("rebuild")) {
            String by = ActionGate.requireAction(request);
            ObjectNode node = ValueJson.MAPPER.createObjectNode();
            node.put("projection", projection.projection().name());
            rebuilds.start(projection, by).into(node);
            return node;
        }
        if (rest.equals("dead-letters/redrive") || rest.equals("dead-letters/skip")) {
            String by = ActionGate.requireAction(request);
            return redrive(projection, request.query(), rest.endsWith("redrive"), by);
        }
        if (path.size() == 4 && path.get(2).equals("views")) {
            requireGet(request, true);
            return view(projection, path.get(3));
        }
        throw new Refused(404, "no such API: /api/" + String.join("/", path));
    }

    // ---- overview

    private JsonNode overview() {
        ObjectNode node = ValueJson.MAPPER.createObjectNode();
        node.put("application", runtimes.application());
        ArrayNode stores = node.putArray("eventStores");
        for (EventStore<?, ?, ?> store : runtimes.eventStores()) {
            ObjectNode entry = stores.addObject();
            entry.put("aggregate", aggregateName(store));
            entry.set("health", ValueJson.health(store.health()));
            entry.set("topics", ValueJson.MAPPER.valueToTree(store.topics()));
            entry.set("deadLetters", cachedCount(store, () -> CommandDeadLetterRoutes.pending(store)));
            String aggregate = aggregateName(store);
            // commands answered to this instance's gateways, and events appended by this instance's processors
            // (which also decide commands other senders, such as sagas, wrote to the topic)
            OptionalDouble accepted = runtimes.counted(Meters.COMMANDS_ACCEPTED, "aggregate", aggregate);
            OptionalDouble answered = accepted.isPresent()
                    ? OptionalDouble.of(accepted.getAsDouble() + runtimes.counted(Meters.COMMANDS_REJECTED, "aggregate", aggregate).orElse(0))
                    : accepted;
            entry.set("commandsPerSecond", throughput.rate("commands:" + aggregate, answered));
            entry.set("eventsPerSecond", throughput.rate("appended:" + aggregate,
                    runtimes.counted(Meters.EVENTS_APPENDED, "aggregate", aggregate)));
        }
        ArrayNode projections = node.putArray("projections");
        for (RunningProjection<?, ?> projection : runtimes.projections()) {
            ObjectNode entry = projectionSummary(projection);
            entry.put("deadLetterTopic", projection.projection().deadLetterTopic());
            // the version the console reads; the others are being rebuilt or were replaced
            entry.put("current", rebuilds.current(projection.projection().name()).orElse(null) == projection);
            // the meter is the projection's, whichever version folds
            entry.set("eventsPerSecond", throughput.rate("folded:" + projection.applicationId(),
                    runtimes.counted(Meters.PROJECTION_FOLDED, "projection", projection.projection().name())));
            entry.set("deadLetters", cachedCount(projection, () -> (int) projection.deadLetters(READ_TIMEOUT).stream()
                    .filter(letter -> letter.status() == DeadLetterStatus.PENDING).count()));
            projections.add(entry);
        }
        ArrayNode sagas = node.putArray("sagas");
        for (SagaRuntime<?, ?> saga : runtimes.sagas()) {
            ObjectNode entry = sagas.addObject();
            entry.put("name", saga.definition().name());
            entry.set("health", ValueJson.health(saga.health()));
            entry.set("topics", ValueJson.MAPPER.valueToTree(saga.topics()));
            entry.set("deadLetters", cachedCount(saga, () -> SagaDeadLetterRoutes.pending(saga)));
            try {
                entry.set("counts", ValueJson.MAPPER.valueToTree(sagaLog(saga).countByStatus()));
            } catch (RuntimeException e) {
                entry.put("counts", ValueJson.describe(e));
            }
        }
        return node;
    }

    /** Whether actions are on, and whether this request bears the token: the page asks before it offers them. */
    private JsonNode accessInfo(Request request) {
        ObjectNode node = ValueJson.MAPPER.createObjectNode();
        node.put("actionsEnabled", access.actionsEnabled());
        node.put("readsNeedToken", access.readsNeedToken());
        node.put("authorized", access.authorized(request.headers()));
        if (!access.actionsEnabled()) {
            node.put("howToEnable", ConsoleAccess.HOW_TO_ENABLE);
        }
        return node;
    }

    private ObjectNode projectionSummary(RunningProjection<?, ?> projection) {
        ObjectNode entry = ValueJson.MAPPER.createObjectNode();
        entry.put("name", projection.projection().name());
        entry.put("version", projection.projection().version());
        entry.put("applicationId", projection.applicationId());
        entry.put("state", projection.state().name());
        entry.set("health", ValueJson.health(projection.health()));
        ObjectNode lag = entry.putObject("lag");
        try {
            ProjectionLag measured = projection.lag();
            lag.put("records", measured.total());
            lag.put("caughtUp", measured.caughtUp());
        } catch (RuntimeException e) {
            lag.put("error", ValueJson.describe(e));
        }
        return entry;
    }

    /** A runtime's dead-letter count, read again once it is older than {@link #COUNT_FRESH}. */
    private JsonNode cachedCount(Object runtime, IntSupplier read) {
        long now = System.nanoTime();
        Count cached = deadLetterCounts.get(runtime);
        if (cached == null || now - cached.at() > COUNT_FRESH.toNanos()) {
            JsonNode count;
            try {
                count = ValueJson.MAPPER.getNodeFactory().numberNode(read.getAsInt());
            } catch (RuntimeException e) {
                count = ValueJson.MAPPER.getNodeFactory().textNode(ValueJson.describe(e));
            }
            cached = new Count(now, count);
            deadLetterCounts.put(runtime, cached);
        }
        return cached.count();
    }

    private record Count(long at, JsonNode count) {
    }

    // ---- aggregates

    private EventStore<?, ?, ?> eventStore(String aggregate) {
        return runtimes.eventStores().stream().filter(s -> aggregateName(s).equals(aggregate)).findFirst()
                .orElseThrow(() -> new Refused(404, "no event store of aggregate type '" + aggregate + "'; known: "
                        + runtimes.eventStores().stream().map(ConsoleApi::aggregateName).toList()));
    }

    private JsonNode aggregate(EventStore<?, ?, ?> store, String id) {
        ObjectNode node = ValueJson.MAPPER.createObjectNode();
        node.put("aggregate", aggregateName(store));
        node.put("id", id);
        Optional<? extends AggregateState<?>> state;
        List<? extends RecordedEvent<?>> history;
        try {
            state = store.state(id);
            history = store.history(id);
        } catch (AggregateNotLocalException e) {
            throw new Refused(409, e.getMessage());
        }
        if (state.isPresent()) {
            node.put("version", state.get().version());
            Object value = state.get().state();
            node.set("state", mask.apply(ValueJson.of(value), value, aggregateName(store), store.topics().events()));
        } else {
            node.putNull("version");
            node.putNull("state");
        }
        ArrayNode events = node.putArray("history");
        for (RecordedEvent<?> event : history) {
            EventMetadata m = event.metadata();
            ObjectNode entry = events.addObject();
            entry.put("sequence", m.sequence());
            entry.put("type", m.eventType());
            entry.put("time", m.timestamp().toString());
            entry.put("eventId", m.eventId());
            entry.put("commandId", m.commandId());
            entry.put("correlationId", m.correlationId());
            entry.put("causationId", m.causationId());
            entry.set("payload", mask.apply(ValueJson.of(event.event()), event.event(), aggregateName(store), store.topics().events(),
                    m.eventType()));
        }
        return node;
    }

    /** The aggregate type's name, read back from its events topic {@code <application>.<aggregate>.events}. */
    static String aggregateName(EventStore<?, ?, ?> store) {
        AggregateTopics topics = store.topics();
        String events = topics.events();
        int start = events.indexOf('.') + 1;
        int end = events.lastIndexOf('.');
        return end > start ? events.substring(start, end) : events;
    }

    // ---- projections

    /** The version of {@code name} the console reads: the one a rebuild switched to, or the first started. */
    private RunningProjection<?, ?> projection(String name) {
        return rebuilds.current(name)
                .orElseThrow(() -> new Refused(404, "no projection '" + name + "'; known: "
                        + runtimes.projections().stream().map(p -> p.projection().name()).toList()));
    }

    private JsonNode projectionDetail(RunningProjection<?, ?> projection) {
        ObjectNode node = projectionSummary(projection);
        node.set("sourceTopics", ValueJson.MAPPER.valueToTree(projection.projection().sourceTopics()));
        node.put("deadLetterTopic", projection.projection().deadLetterTopic());
        projection.failure().ifPresent(f -> node.put("failure", ValueJson.describe(f)));
        ArrayNode versions = node.putArray("versions");
        for (RunningProjection<?, ?> version : runtimes.projections()) {
            if (version.projection().name().equals(projection.projection().name())) {
                versions.add(projectionSummary(version).put("current", version == projection));
            }
        }
        rebuilds.last(projection.projection().name()).ifPresent(r -> r.into(node.putObject("rebuild")));
        try {
            ObjectNode partitions = ((ObjectNode) node.get("lag")).putObject("partitions");
            projection.lag().partitions().forEach((tp, lag) -> partitions.put(tp.toString(), lag));
        } catch (RuntimeException e) {
            // the summary carries the error already
        }
        return node;
    }

    private <K, V> JsonNode view(RunningProjection<K, V> projection, String typedKey) {
        K key = key(projection, typedKey);
        Optional<V> view;
        try {
            view = projection.query().get(key);
        } catch (ViewUnavailableException e) {
            throw new Refused(503, e.getMessage());
        }
        if (view.isEmpty()) {
            throw new Refused(404, "no view of key '" + typedKey + "' in " + projection.projection().name());
        }
        ObjectNode node = ValueJson.MAPPER.createObjectNode();
        node.put("projection", projection.projection().name());
        node.put("key", typedKey);
        node.set("view", mask.apply(ValueJson.of(view.get()), view.get(), projection.projection().name()));
        return node;
    }

    /** Turns the key a person typed into the view's key type, known by its serializer. */
    @SuppressWarnings("unchecked")
    static <K> K key(RunningProjection<K, ?> projection, String typed) {
        Serializer<K> serializer = projection.projection().keySerde().serializer();
        try {
            if (serializer instanceof StringSerializer) {
                return (K) typed;
            } else if (serializer instanceof LongSerializer) {
                return (K) Long.valueOf(typed);
            } else if (serializer instanceof IntegerSerializer) {
                return (K) Integer.valueOf(typed);
            } else if (serializer instanceof UUIDSerializer) {
                return (K) UUID.fromString(typed);
            }
        } catch (IllegalArgumentException e) {
            throw new Refused(400, "'" + typed + "' is not a key of " + projection.projection().name() + ": " + e.getMessage());
        }
        throw new Refused(400, "the console reads keys of type String, Long, Integer and UUID; "
                + projection.projection().name() + " has keys written by " + serializer.getClass().getName());
    }

    private JsonNode deadLetters(RunningProjection<?, ?> projection) {
        List<DeadLetter> letters = projection.deadLetters(READ_TIMEOUT);
        deadLetterCounts.remove(projection);
        ObjectNode node = ValueJson.MAPPER.createObjectNode();
        node.put("projection", projection.projection().name());
        node.put("topic", projection.projection().deadLetterTopic());
        ArrayNode list = node.putArray("deadLetters");
        Deserializer<?> events = projection.projection().eventSerde().deserializer();
        for (DeadLetter letter : letters) {
            ObjectNode entry = list.addObject();
            entry.put("reason", letter.reason().name());
            entry.put("errorClass", letter.errorClass());
            entry.put("errorMessage", letter.errorMessage());
            entry.put("origin", origin(letter.origin()));
            entry.put("attempts", letter.attempts());
            entry.put("failedAt", letter.failedAt().toString());
            entry.put("position", origin(letter.position()));
            entry.put("status", letter.status().name());
            ArrayNode actions = entry.putArray("actions");
            letter.actions().forEach(a -> actions.addObject().put("status", a.status().name()).put("by", a.by()).put("at", a.at().toString()));
            entry.set("key", ValueJson.bytes(letter.key()));
            entry.set("payload", payload(events, letter, projection.projection().name(), projection.projection().deadLetterTopic()));
        }
        return node;
    }

    /** The event decoded as its projection reads it, or its bytes when that is what failed; masked as the rules say. */
    private JsonNode payload(Deserializer<?> events, DeadLetter letter, String projection, String deadLetterTopic) {
        if (letter.reason() != DeadLetter.Reason.UNDECODABLE && letter.value().length > 0) {
            try {
                Object event = events.deserialize(letter.origin().topic(), letter.value());
                return mask.apply(ValueJson.of(event), event, projection, deadLetterTopic, letter.origin().topic());
            } catch (RuntimeException e) {
                // shown as bytes below
            }
        }
        return mask.apply(ValueJson.bytes(letter.value()), null, projection, deadLetterTopic, letter.origin().topic());
    }

    /** An origin as {@code topic:partition:offset}, how a redrive names the one to send back. */
    static String origin(RecordOrigin origin) {
        return origin.topic() + ":" + (origin.partition().isPresent() ? origin.partition().getAsInt() : -1) + ":"
                + (origin.offset().isPresent() ? origin.offset().getAsLong() : -1);
    }

    private JsonNode redrive(RunningProjection<?, ?> projection, Map<String, String> query, boolean redrive, String by) {
        Predicate<DeadLetter> which;
        String what;
        if ("true".equals(query.get("all"))) {
            which = letter -> true;
            what = "all";
        } else if (query.containsKey("origin") && ORIGIN.matcher(query.get("origin")).matches()) {
            String origin = query.get("origin");
            which = letter -> origin(letter.origin()).equals(origin);
            what = origin;
        } else {
            throw new Refused(400, "say which dead letters: ?all=true, or ?origin=topic:partition:offset");
        }
        // pending letters only, each action recorded on the dead-letter topic by whom
        int done = redrive ? projection.redrive(which, by, READ_TIMEOUT) : projection.skip(which, by, READ_TIMEOUT);
        deadLetterCounts.remove(projection);
        LOG.info("console: {} {} dead letter(s) of {} ({}), by {}", redrive ? "redrove" : "skipped", done,
                projection.projection().name(), what, by);
        ObjectNode node = ValueJson.MAPPER.createObjectNode();
        node.put("projection", projection.projection().name());
        node.put(redrive ? "redriven" : "skipped", done);
        return node;
    }

    // ---- sagas

    private SagaRuntime<?, ?> saga(String name) {
        return runtimes.sagas().stream().filter(s -> s.definition().name().equals(name)).findFirst()
                .orElseThrow(() -> new Refused(404, "no saga '" + name + "'; known: "
                        + runtimes.sagas().stream().map(s -> s.definition().name()).toList()));
    }

    private JsonNode sagaType(SagaRuntime<?, ?> saga) {
        ObjectNode node = ValueJson.MAPPER.createObjectNode();
        node.put("name", saga.definition().name());
        node.set("health", ValueJson.health(saga.health()));
        node.set("topics", ValueJson.MAPPER.valueToTree(saga.topics()));
        node.set("steps", ValueJson.MAPPER.valueToTree(saga.definition().stepNames()));
        node.put("mermaid", saga.definition().toMermaid());
        SagaLog log = sagaLog(saga);
        node.set("counts", ValueJson.MAPPER.valueToTree(log.countByStatus()));
        node.set("inFlightByStep", ValueJson.MAPPER.valueToTree(log.inFlightByStep()));
        node.put("diagram", log.annotate(saga.definition().toMermaid(), saga.definition().stepNames()));
        return node;
    }

    /**
     * Sagas of every type (or of {@code type}), newest first, as their logs say, filtered by
     * {@code status} (a {@link SagaStatus}, or {@code IN_FLIGHT} for running and compensating),
     * {@code step} and {@code olderThan} (an age in seconds); at most {@code limit} (default 200).
     */
    private JsonNode sagaList(Map<String, String> query) {
        String type = query.getOrDefault("type", "");
        String status = query.getOrDefault("status", "").trim().toUpperCase(Locale.ROOT);
        String step = query.getOrDefault("step", "").trim();
        Duration olderThan = Duration.ofSeconds(number(query, "olderThan", 0));
        int limit = (int) number(query, "limit", 200);
        if (!status.isEmpty() && !status.equals("IN_FLIGHT")
                && Arrays.stream(SagaStatus.values()).noneMatch(s -> s.name().equals(status))) {
            throw new Refused(400, "status must be IN_FLIGHT or one of " + Arrays.toString(SagaStatus.values()) + ": " + status);
        }
        Instant now = Instant.now();
        Predicate<SagaLog.Summary> filter = s -> (status.isEmpty() || (status.equals("IN_FLIGHT") ? !s.status().isFinal()
                : s.status().name().equals(status)))
                && (step.isEmpty() || s.step().equals(step))
                && s.age(now).compareTo(olderThan) >= 0;
        ObjectNode node = ValueJson.MAPPER.createObjectNode();
        ArrayNode list = node.putArray("sagas");
        int matched = 0;
        for (SagaRuntime<?, ?> saga : type.isEmpty() ? runtimes.sagas() : List.of(saga(type))) {
            for (SagaLog.Summary s : sagaLog(saga).list(filter)) {
                if (matched++ < limit) {
                    ObjectNode entry = list.addObject();
                    entry.put("saga", saga.definition().name());
                    entry.put("id", s.sagaId());
                    entry.put("status", s.status().name());
                    entry.put("step", s.step());
                    entry.put("attempt", s.attempt());
                    entry.put("started", s.started().toString());
                    entry.put("updated", s.updated().toString());
                    entry.put("ageSeconds", s.age(now).toSeconds());
                    entry.put("last", s.last().name());
                    entry.put("reason", s.reason());
                }
            }
        }
        node.put("matched", matched);
        node.put("limit", limit);
        return node;
    }

    private static long number(Map<String, String> query, String name, long otherwise) {
        String text = query.getOrDefault(name, "").trim();
        if (text.isEmpty()) {
            return otherwise;
        }
        try {
            long value = Long.parseLong(text);
            if (value < 0) {
                throw new NumberFormatException("negative");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new Refused(400, name + " must be a whole number, 0 or more: '" + text + "'");
        }
    }

    /**
     * One saga: its state from this instance's store when it holds it, and its timeline from the log
     * (every instance writes there) with the commands it sent and the replies and timers that moved it.
     */
    private JsonNode sagaState(SagaRuntime<?, ?> saga, String id) {
        Optional<? extends SagaState<?>> found = saga.state(id);
        SagaLog log = sagaLog(saga);
        Optional<SagaLog.Summary> logged = log.summary(id);
        if (found.isEmpty() && logged.isEmpty()) {
            throw new Refused(404, "no saga '" + id + "' of " + saga.definition().name() + " on this instance nor in its log (health: "
                    + ValueJson.health(saga.health()).get("status").asText() + ")");
        }
        ObjectNode node = ValueJson.MAPPER.createObjectNode();
        node.put("saga", saga.definition().name());
        node.put("id", id);
        if (found.isPresent()) {
            SagaState<?> state = found.get();
            node.put("status", state.status().name());
            node.put("step", state.step());
            node.put("attempt", state.attempt());
            node.set("completedSteps", ValueJson.MAPPER.valueToTree(state.completedSteps()));
            node.set("inFlightSteps", ValueJson.MAPPER.valueToTree(state.inFlightSteps()));
            node.put("failureReason", state.failureReason());
            state.nextDeadline().ifPresentOrElse(d -> node.put("nextDeadline", d.toString()), () -> node.putNull("nextDeadline"));
            node.set("data", mask.apply(ValueJson.of(state.data()), state.data(), saga.definition().name(), saga.topics().log()));
        } else {
            // another instance holds it: the log still says where it is
            SagaLog.Summary s = logged.get();
            node.put("status", s.status().name());
            node.put("step", s.step());
            node.put("attempt", s.attempt());
            node.put("failureReason", s.reason());
            node.putNull("data");
        }
        ArrayNode timeline = node.putArray("timeline");
        Map<String, String> commandIds = new LinkedHashMap<>();
        for (SagaLog.Entry e : log.timeline(id)) {
            SagaLog.command(e).ifPresent(c -> commandIds.put(e.detail(), c.step()));
        }
        Map<String, SagaMessages.Exchange> exchanges = commandIds.isEmpty() ? Map.of()
                : SagaMessages.read(saga, commandIds, runtimes, mask);
        for (SagaLog.Entry e : log.timeline(id)) {
            ObjectNode entry = timeline.addObject();
            entry.put("at", e.at().toString());
            entry.put("transition", e.transition().name());
            entry.put("kind", kind(e.transition()));
            entry.put("step", e.step());
            entry.put("attempt", e.attempt());
            entry.put("status", e.status().name());
            entry.put("detail", e.detail());
            SagaLog.command(e).ifPresent(c -> {
                ObjectNode command = entry.putObject("command");
                command.put("id", e.detail());
                command.put("step", c.step());
                command.put("compensation", c.compensation());
                Optional.ofNullable(exchanges.get(e.detail())).ifPresent(x -> SagaMessages.into(command, x));
            });
        }
        return node;
    }

    /** What moved the saga: a command it sent, a participant's reply, a timer, or the saga itself. */
    private static String kind(SagaTransition transition) {
        return switch (transition) {
            case STEP_SENT, COMPENSATION_SENT -> "command";
            case STEP_SUCCEEDED, STEP_FAILED, COMPENSATION_SUCCEEDED -> "reply";
            case TIMED_OUT -> "timer";
            default -> "saga";
        };
    }

    /** A saga type's log, read again once older than {@link #LOG_FRESH}. */
    private SagaLog sagaLog(SagaRuntime<?, ?> saga) {
        String topic = saga.topics().log();
        long now = System.nanoTime();
        Log cached = sagaLogs.get(topic);
        if (cached == null || now - cached.at() > LOG_FRESH.toNanos()) {
            cached = new Log(now, SagaLog.read(runtimes.readTopic(topic, READ_TIMEOUT)));
            sagaLogs.put(topic, cached);
        }
        return cached.log();
    }

    private record Log(long at, SagaLog log) {
    }

    // ---- plumbing

    private static void requireGet(Request request, boolean pathFits) {
        if (!pathFits) {
            throw new Refused(404, "no such API: " + request.rawPath());
        }
        if (!request.method().equals("GET")) {
            throw new Refused(405, request.method() + " " + request.rawPath() + " is not allowed; use GET");
        }
    }

    /** An action: a POST, with actions enabled and the request bearing the token; refused and logged (without the token) otherwise. */
    private void requireAction(Request request) {
        if (!request.method().equals("POST")) {
            throw new Refused(405, request.method() + " " + request.rawPath() + " is not allowed; use POST");
        }
        if (!access.actionsEnabled()) {
            throw new Refused(403, ConsoleAccess.HOW_TO_ENABLE);
        }
        if (!access.authorized(request.headers())) {
            LOG.warn("console: refused {} {}: no valid access token", request.method(), request.rawPath());
            throw new Refused(401, "this action needs the console's access token: send 'Authorization: Bearer <token>'"
                    + " (enter the token in the page)");
        }
    }

    private static Response asset(Request request, String name) {
        String type = ASSETS.get(name);
        if (type == null) {
            throw new Refused(404, "no such file: " + name);
        }
        requireGet(request, true);
        String resource = switch (name) {
            // Mermaid's browser bundle and its licence, vendored beside the page (see mermaid/README.md)
            case "mermaid.min.js" -> STATIC + "mermaid/mermaid.min.js";
            case "mermaid-LICENSE" -> STATIC + "mermaid/LICENSE";
            default -> STATIC + name;
        };
        try (InputStream in = ConsoleApi.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the console's " + name + " is missing from its jar");
            }
            return new Response(200, type, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The path's segments, each percent-decoded on its own so that an id may hold an encoded '/'. */
    static List<String> segments(String rawPath) {
        List<String> segments = new ArrayList<>();
        for (String raw : rawPath.split("/")) {
            if (!raw.isEmpty()) {
                // a '+' in a path is a plus, not a space
                segments.add(URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return segments;
    }

    private static Response json(int status, JsonNode node) {
        try {
            return new Response(status, JSON, ValueJson.MAPPER.writeValueAsBytes(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    private static Response error(int status, String message) {
        ObjectNode node = ValueJson.MAPPER.createObjectNode();
        node.put("error", message);
        return json(status, node);
    }
}
