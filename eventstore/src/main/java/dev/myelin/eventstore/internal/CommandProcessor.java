package dev.myelin.eventstore.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.CommandHeaders;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.Decision;
import dev.myelin.eventstore.SendOptions;
import dev.myelin.schemas.EventMetadata;
import dev.myelin.schemas.RecordOrigin;
import dev.myelin.schemas.SchemaRegistryUnavailableException;
import dev.myelin.schemas.TraceContext;

/**
 * Turns one command into events, a result and a new state. Kafka Streams runs it under
 * exactly_once_v2, so everything it forwards and puts commits atomically with the command's offset:
 * one writer per aggregate (the task owning its partition), no lost updates, no duplicates.
 *
 * <p>Everything that can fail because of the command (decoding, {@code decide}, {@code evolve},
 * serializing events) is done before anything is forwarded or stored; a failure then answers
 * {@code Rejected} (or dead-letters the command when it has no reply address) and the partition
 * moves on.
 */
final class CommandProcessor<S, C, E> implements Processor<String, byte[], String, byte[]> {

    private static final Logger log = LoggerFactory.getLogger(CommandProcessor.class);
    /** How long a command held for a registry outage waits before its task retries it. */
    private static final Duration HOLD_BACKOFF = Duration.ofSeconds(1);

    private final AggregateType<S, C, E> type;
    private final Serde<C> commandSerde;
    private final Serde<E> eventSerde;
    private final Serde<S> stateSerde;
    private final AggregateTopics topics;
    /** The topic name the state serde is told; made once, as the command path is hot. */
    private final String stateTopic;
    private final Duration dedupRetention;
    private final int commandPartitions;
    private final Holds holds;
    private final Meters.Count appended;
    private final Meters.Count deduplicated;
    private final Meters.Count deadLettered;
    private final Tracing tracing;
    private final ReplyTopics replyTopics;
    /** The span of the command being processed: the parent of its events and its result. */
    private Tracing.Span span;
    private boolean reroutedBefore;

    private ProcessorContext<String, byte[]> context;
    /** Whether the current command has begun writing; from then on only aborting the transaction undoes it. */
    private boolean writing;
    /** The largest record the processor's producer will send, less room for the batch and record overhead. */
    private int maxRecordBytes;
    private KeyValueStore<String, byte[]> aggregates;
    private KeyValueStore<Bytes, byte[]> history;
    private CommandOutcomes outcomes;
    private Deserializer<C> commandDeserializer;
    private Serializer<E> eventSerializer;
    private Deserializer<E> eventDeserializer;
    private Serializer<S> stateSerializer;
    private Deserializer<S> stateDeserializer;

    CommandProcessor(AggregateType<S, C, E> type, Serde<C> commandSerde, Serde<E> eventSerde, Serde<S> stateSerde,
                     AggregateTopics topics, Duration dedupRetention, int commandPartitions, Holds holds, Telemetry telemetry,
                     ReplyTopics replyTopics) {
        this.type = type;
        this.replyTopics = replyTopics;
        this.commandSerde = commandSerde;
        this.eventSerde = eventSerde;
        this.stateSerde = stateSerde;
        this.topics = topics;
        this.stateTopic = topics.events().replaceFirst("\\.events$", ".state");
        this.dedupRetention = dedupRetention;
        this.commandPartitions = commandPartitions;
        this.holds = holds;
        // counted as processed: a transaction that aborts and is processed again counts again
        Meters meters = telemetry.meters();
        this.tracing = telemetry.tracing();
        this.appended = meters.counter(Meters.EVENTS_APPENDED, "events the command processor appended", "aggregate", type.name());
        this.deduplicated = meters.counter(Meters.COMMANDS_DEDUPLICATED,
                "retried commands answered with their first result instead of being decided again", "aggregate", type.name());
        this.deadLettered = meters.counter(Meters.DEAD_LETTERS, "records written to a dead-letter topic", "topic", topics.deadLetters(),
                "aggregate", type.name());
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        this.maxRecordBytes = RecordLimits.maxRecordBytes(context.appConfigs());
        this.aggregates = context.getStateStore(CommandTopology.AGGREGATES_STORE);
        this.history = context.getStateStore(CommandTopology.HISTORY_STORE);
        this.outcomes = new CommandOutcomes(context.getStateStore(CommandTopology.OUTCOMES_STORE), dedupRetention);
        this.commandDeserializer = commandSerde.deserializer();
        this.eventSerializer = eventSerde.serializer();
        this.eventDeserializer = eventSerde.deserializer();
        this.stateSerializer = stateSerde.serializer();
        this.stateDeserializer = stateSerde.deserializer();
    }

    /** A problem with one command; it is answered, never retried. */
    private static final class CommandFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CommandFailure(String message) {
            super(message, null, false, false);
        }
    }

    @Override
    public void process(Record<String, byte[]> command) {
        span = tracing.process(topics.commands(), command.headers());
        span.run(() -> processTraced(command));
    }

    private void processTraced(Record<String, byte[]> command) {
        String commandId = given(command.headers(), CommandHeaders.COMMAND_ID).orElseGet(this::syntheticCommandId);
        if (movedToOwner(command, commandId)) {
            return;
        }
        writing = false;
        try {
            handle(command, commandId);
            if (holds.any()) {
                context.recordMetadata().ifPresent(m -> holds.release(m.topic() + "-" + m.partition()));
            }
        } catch (CommandFailure failure) {
            fail(command, commandId, failure.getMessage());
        } catch (SchemaRegistryUnavailableException transientFault) {
            // not the command's fault, so never its answer: hold it. A TaskMigratedException is what Kafka Streams
            // handles as a fenced thread: the task closes without committing (its transaction aborts), the thread
            // rejoins at once and reads again from the committed offset, so this command comes back first and
            // nothing behind it overtakes it. Any other exception would end the thread, and its replacement would
            // wait out the old member's session timeout before getting the partition back.
            String partition = context.recordMetadata().map(m -> m.topic() + "-" + m.partition()).orElse("?");
            RecordOrigin origin = currentOrigin();
            log.debug("holding command {} for {} (partition {}): {}", commandId, command.key(), partition, transientFault.getMessage());
            // a pause before giving the task up, so an outage costs a retry a second, not a busy loop; far under the
            // transaction timeout, as the registry call itself is bounded by its deadline
            LockSupport.parkNanos(HOLD_BACKOFF.toNanos());
            throw holds.hold(partition, origin, transientFault);
        } catch (RuntimeException unexpected) {
            if (writing || unexpected instanceof KafkaException) {
                // something failed between the first write and the last: only aborting the transaction undoes the rest;
                // or Kafka itself failed (a store read during a rebalance, a fenced task), which is no answer to the
                // command: what comes from the command (decoding, decide, evolve, encoding) is wrapped before this
                throw unexpected;
            }
            // whatever the record holds, it is answered and the partition moves on; a thrown exception here
            // would meet the same record again after every thread restart, forever
            log.error("command {} for {} failed unexpectedly; rejecting it", commandId, command.key(), unexpected);
            fail(command, commandId, "command " + commandId + " could not be processed: " + describe(unexpected));
        }
    }

    /**
     * Moves a command found on a partition that does not own its aggregate to the one that does, in
     * this transaction, and returns whether it did. Deciding it here would decide it against the
     * empty state this task holds for an aggregate it does not own, and fork the aggregate's history.
     * Clients that hash keys other than Kafka's Java default (murmur2), such as librdkafka's, put
     * commands on such partitions.
     */
    private boolean movedToOwner(Record<String, byte[]> command, String commandId) {
        String aggregateId = command.key();
        if (aggregateId == null || context.recordMetadata().isEmpty()) {
            return false;
        }
        int partition = context.recordMetadata().get().partition();
        int owner = AggregatePartitioner.partitionOf(aggregateId, commandPartitions);
        if (partition == owner) {
            return false;
        }
        if (!reroutedBefore) {
            reroutedBefore = true;
            log.warn("command {} for {} came on partition {} of {}, which does not own it; moving it to partition {}. Commands must be "
                            + "partitioned by murmur2 of the aggregate id (Kafka's Java default partitioner); a client that hashes "
                            + "otherwise (librdkafka: set partitioner=murmur2_random) costs each command an extra hop",
                    commandId, aggregateId, partition, topics.commands(), owner);
        } else {
            log.debug("moving command {} for {} from partition {} to {}", commandId, aggregateId, partition, owner);
        }
        context.forward(command, CommandTopology.REROUTE_SINK);
        return true;
    }

    /**
     * Returns a header's text, treating an empty or blank value like a missing one: such a header
     * comes from a client that meant "none", and metadata must never be blank.
     */
    private static Optional<String> given(Headers headers, String name) {
        return EventMetadata.header(headers, name).filter(value -> !value.isBlank());
    }

    private void handle(Record<String, byte[]> command, String commandId) {
        String aggregateId = command.key();
        if (aggregateId == null || aggregateId.isBlank()) {
            throw new CommandFailure("command " + commandId + " has no aggregate id: its record key must be the aggregate id");
        }
        if (aggregateId.indexOf('\0') >= 0) {
            // the history store separates id and sequence with a zero byte
            throw new CommandFailure("aggregate id of command " + commandId + " contains a NUL character, which ids must not");
        }
        Headers headers = command.headers();
        Optional<StoredAggregate> stored = load(aggregateId);
        long version = stored.map(StoredAggregate::version).orElse(0L);

        long now = context.currentSystemTimeMs();
        // an aggregate last written before the outcomes store existed still holds its recent ids itself
        Bytes outcomeKey = CommandOutcomes.key(aggregateId, commandId);
        Optional<StoredAggregate.Outcome> seen = outcomes.find(outcomeKey, commandId, now).or(() -> stored.flatMap(s -> s.find(commandId)));
        if (seen.isPresent()) {
            log.debug("command {} for {} was seen before; answering its first result", commandId, aggregateId);
            reply(command, commandId, replay(aggregateId, seen.get()));
            deduplicated.increment();
            return;
        }
        long expected = expectedVersion(headers);
        if (expected != SendOptions.ANY_VERSION && expected != version) {
            // not remembered: the command was never evaluated, so a retry with a fresh expected version is legitimate
            reply(command, commandId, new CommandResult.Conflict<>(expected, version));
            return;
        }
        String kind = given(headers, CommandHeaders.COMMAND_TYPE).orElse(CommandHeaders.TYPE_COMMAND);
        switch (kind) {
            case CommandHeaders.TYPE_COMMAND -> {
                S state = state(aggregateId, stored);
                C decoded = decodeCommand(command, commandId);
                Decision<E> decision;
                try {
                    decision = type.decide(state, decoded);
                } catch (RuntimeException e) {
                    throw poison(e, type.name() + ".decide threw " + describe(e) + " for command " + commandId);
                }
                if (decision instanceof Decision.Reject<E> reject) {
                    outcomes.remember(outcomeKey, new StoredAggregate.Outcome(commandId, false, 0, 0, reject.reason()), now);
                    reply(command, commandId, new CommandResult.Rejected<>(reject.reason()));
                } else if (decision instanceof Decision.Accept<E> accept) {
                    append(command, commandId, outcomeKey, aggregateId, stored, state, accept.events());
                }
            }
            case CommandHeaders.TYPE_APPEND -> append(command, commandId, outcomeKey, aggregateId, stored, state(aggregateId, stored),
                    decodeEvents(command, commandId));
            case CommandHeaders.TYPE_FORGET -> forget(command, commandId, aggregateId, version);
            default -> throw new CommandFailure("unknown " + CommandHeaders.COMMAND_TYPE + " '" + kind + "' on command " + commandId
                    + "; expected " + CommandHeaders.TYPE_COMMAND + ", " + CommandHeaders.TYPE_APPEND + " or " + CommandHeaders.TYPE_FORGET);
        }
    }

    private void append(Record<String, byte[]> command, String commandId, Bytes outcomeKey, String aggregateId, Optional<StoredAggregate> stored,
                        S state, List<E> events) {
        long version = stored.map(StoredAggregate::version).orElse(0L);
        S next = state;
        for (E event : events) {
            try {
                next = type.evolve(next, event);
            } catch (RuntimeException e) {
                throw poison(e, type.name() + ".evolve threw " + describe(e) + " for an event of command " + commandId);
            }
        }
        Headers in = command.headers();
        String correlationId = given(in, CommandHeaders.CORRELATION_ID).orElse(commandId);
        String causationId = given(in, CommandHeaders.CAUSATION_ID).orElse(commandId);
        Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
        List<Record<String, byte[]>> records = new ArrayList<>(events.size());
        List<byte[]> serialized = new ArrayList<>(events.size());
        List<EventMetadata> metadata = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            E event = events.get(i);
            long sequence = version + i + 1;
            EventMetadata m = new EventMetadata(UUID.randomUUID().toString(), type.eventTypeName(event), aggregateId, sequence, now,
                    commandId, correlationId, causationId);
            Headers headers = m.writeTo(new RecordHeaders());
            // the event's origin, kept with it: a replay or a re-driven dead letter still names the trace that wrote it
            span.inject(headers);
            byte[] bytes;
            try {
                bytes = eventSerializer.serialize(topics.events(), headers, event);
            } catch (RuntimeException e) {
                throw poison(e, "event " + m.eventType() + " of command " + commandId + " cannot be serialized: " + describe(e));
            }
            if (bytes == null) {
                throw new CommandFailure("the event serde turned " + m.eventType() + " into null; events must not be tombstones");
            }
            String key = AggregatePartitioner.eventKey(aggregateId, sequence);
            requireFits("event " + m.eventType() + " (sequence " + sequence + ") of command " + commandId, key, bytes, headers);
            records.add(new Record<>(key, bytes, command.timestamp(), headers));
            serialized.add(bytes);
            metadata.add(m.withTraceContext(TraceContext.readFrom(headers)));
        }
        long newVersion = version + events.size();
        byte[] newState = serializeState(aggregateId, next);
        requireFits("the new state of " + aggregateId + " after command " + commandId, aggregateId, newState, null);
        int resultBytes = ResultCodec.encodedSize(serialized);
        if (resultBytes > maxRecordBytes) {
            throw new CommandFailure("the result of command " + commandId + " would carry " + resultBytes + " bytes of events, over the "
                    + maxRecordBytes + " bytes a record may have (the processor's producer max.request.size, less overhead); "
                    + "split the command, or raise max.request.size (producer) and max.message.bytes (results topic)");
        }

        // nothing below depends on the command any more: from here on, only Kafka itself can fail
        writing = true;
        for (int i = 0; i < records.size(); i++) {
            context.forward(records.get(i), CommandTopology.EVENTS_SINK);
            history.put(HistoryCodec.key(aggregateId, metadata.get(i).sequence()), HistoryCodec.encode(metadata.get(i), serialized.get(i)));
        }
        long decidedAt = now.toEpochMilli();
        // ids an aggregate kept itself (before the outcomes store) move to the store on its next write
        stored.ifPresent(old -> old.recent().forEach(outcome -> outcomes.remember(CommandOutcomes.key(aggregateId, outcome.commandId()), outcome, decidedAt)));
        aggregates.put(aggregateId, new StoredAggregate(newVersion, newState, List.of()).encode());
        outcomes.remember(outcomeKey, new StoredAggregate.Outcome(commandId, true, newVersion, events.size(), ""), decidedAt);
        reply(command, commandId, new CommandResult.Accepted<>(newVersion, serialized));
        appended.add(events.size());
    }

    private void forget(Record<String, byte[]> command, String commandId, String aggregateId, long version) {
        writing = true;
        for (long sequence = 1; sequence <= version; sequence++) {
            context.forward(new Record<String, byte[]>(AggregatePartitioner.eventKey(aggregateId, sequence), null, command.timestamp()),
                    CommandTopology.EVENTS_SINK);
            history.delete(HistoryCodec.key(aggregateId, sequence));
        }
        aggregates.delete(aggregateId);
        log.info("forgot aggregate {}: {} event tombstones written", aggregateId, version);
        reply(command, commandId, new CommandResult.Accepted<>(0, List.of()));
    }

    private CommandResult<byte[]> replay(String aggregateId, StoredAggregate.Outcome outcome) {
        if (!outcome.accepted()) {
            return new CommandResult.Rejected<>(outcome.reason());
        }
        List<byte[]> events = new ArrayList<>(outcome.eventCount());
        for (long sequence = outcome.newVersion() - outcome.eventCount() + 1; sequence <= outcome.newVersion(); sequence++) {
            byte[] entry = history.get(HistoryCodec.key(aggregateId, sequence));
            if (entry != null) {
                events.add(HistoryCodec.decode(entry).event());
            }
        }
        return new CommandResult.Accepted<>(outcome.newVersion(), events);
    }

    private Optional<StoredAggregate> load(String aggregateId) {
        byte[] bytes = aggregates.get(aggregateId);
        return bytes == null ? Optional.empty() : Optional.of(StoredAggregate.decode(bytes));
    }

    private S state(String aggregateId, Optional<StoredAggregate> stored) {
        if (stored.isEmpty()) {
            return type.initialState();
        }
        try {
            S state = stateDeserializer.deserialize(stateTopic(), stored.get().state());
            if (state == null) {
                throw new CommandFailure("the state serde decoded the stored state of " + aggregateId + " to null");
            }
            return state;
        } catch (RuntimeException e) {
            if (e instanceof CommandFailure failure) {
                throw failure;
            }
            throw poison(e, "the stored state of " + aggregateId + " cannot be decoded: " + describe(e)
                    + "; a state schema change needs the old schema to stay readable");
        }
    }

    private byte[] serializeState(String aggregateId, S state) {
        try {
            byte[] bytes = stateSerializer.serialize(stateTopic(), state);
            if (bytes == null) {
                throw new CommandFailure("the state serde turned the state of " + aggregateId + " into null");
            }
            return bytes;
        } catch (RuntimeException e) {
            if (e instanceof CommandFailure failure) {
                throw failure;
            }
            throw poison(e, "the state of " + aggregateId + " cannot be serialized: " + describe(e));
        }
    }

    private String stateTopic() {
        return stateTopic;
    }

    private C decodeCommand(Record<String, byte[]> command, String commandId) {
        if (command.value() == null) {
            throw new CommandFailure("command " + commandId + " has no value");
        }
        C decoded;
        try {
            decoded = commandDeserializer.deserialize(topics.commands(), command.headers(), command.value());
        } catch (RuntimeException e) {
            throw poison(e, "command " + commandId + " cannot be deserialized: " + describe(e));
        }
        if (decoded == null) {
            throw new CommandFailure("command " + commandId + " deserialized to null");
        }
        return decoded;
    }

    private List<E> decodeEvents(Record<String, byte[]> command, String commandId) {
        if (command.value() == null) {
            throw new CommandFailure("append " + commandId + " has no value");
        }
        try {
            List<byte[]> encoded = EventListCodec.decode(command.value());
            List<E> events = new ArrayList<>(encoded.size());
            for (byte[] bytes : encoded) {
                E event = eventDeserializer.deserialize(topics.events(), bytes);
                if (event == null) {
                    throw new IllegalArgumentException("an event deserialized to null");
                }
                events.add(event);
            }
            return events;
        } catch (RuntimeException e) {
            throw poison(e, "the events of append " + commandId + " cannot be deserialized: " + describe(e));
        }
    }

    /** Refuses a record the producer would refuse: written, it would fail the transaction on every attempt. */
    private void requireFits(String what, String key, byte[] value, Headers headers) {
        long size = RecordLimits.size(key, value, headers);
        if (size > maxRecordBytes) {
            throw new CommandFailure(what + " would be a record of " + size + " bytes, over the " + maxRecordBytes
                    + " bytes a record may have (the processor's producer max.request.size, less overhead); "
                    + "keep it smaller, or raise max.request.size (producer) and max.message.bytes (topic)");
        }
    }

    private long expectedVersion(Headers headers) {
        Optional<String> text = given(headers, CommandHeaders.EXPECTED_VERSION);
        if (text.isEmpty()) {
            return SendOptions.ANY_VERSION;
        }
        try {
            long expected = Long.parseLong(text.get().trim());
            if (expected < SendOptions.ANY_VERSION) {
                throw new NumberFormatException();
            }
            return expected;
        } catch (NumberFormatException e) {
            throw new CommandFailure("header " + CommandHeaders.EXPECTED_VERSION + " is not a version: '" + text.get() + "'");
        }
    }

    private void reply(Record<String, byte[]> command, String commandId, CommandResult<byte[]> result) {
        Headers headers = new RecordHeaders();
        Optional<String> replyTo = EventMetadata.header(command.headers(), CommandHeaders.REPLY_TO);
        String topic = replyTopics.destination(replyTo);
        String key = commandId;
        if (replyTo.isPresent()) {
            // names the topic the sink writes to; a result answered on the results topic in place of another says so
            headers.add(CommandHeaders.REPLY_TO, topic.getBytes(StandardCharsets.UTF_8));
        }
        if (!topic.equals(replyTopics.results())) {
            key = given(command.headers(), CommandHeaders.REPLY_KEY).orElse(commandId);
            headers.add(CommandHeaders.COMMAND_ID, commandId.getBytes(StandardCharsets.UTF_8));
        }
        copy(command.headers(), headers, CommandHeaders.CORRELATION_ID);
        if (command.key() != null) {
            headers.add(EventMetadata.AGGREGATE_ID, command.key().getBytes(StandardCharsets.UTF_8));
        }
        if (result instanceof CommandResult.Rejected<byte[]> rejected) {
            headers.add(CommandHeaders.ERROR, rejected.reason().getBytes(StandardCharsets.UTF_8));
        }
        if (RecordLimits.size(key, null, headers) > maxRecordBytes / 2) {
            // the copied headers (a client's correlation id, say) are what made it large: answer on the results topic without them
            headers = new RecordHeaders();
            key = commandId;
        }
        span.inject(headers);
        context.forward(new Record<>(key, ResultCodec.encode(result), command.timestamp(), headers), CommandTopology.RESULTS_SINK);
    }

    private void fail(Record<String, byte[]> command, String commandId, String reason) {
        if (EventMetadata.header(command.headers(), CommandHeaders.REPLY_TO).isPresent()) {
            log.warn("rejecting command {} for {}: {}", commandId, command.key(), reason);
            reply(command, commandId, new CommandResult.Rejected<>(RecordLimits.shorten(reason)));
        } else {
            log.warn("dead-lettering command {} for {} (it has no {} header): {}", commandId, command.key(), CommandHeaders.REPLY_TO, reason);
            Headers headers = new RecordHeaders(command.headers().toArray());
            headers.remove(CommandHeaders.ERROR);
            headers.add(CommandHeaders.ERROR, reason.getBytes(StandardCharsets.UTF_8));
            // where and when, as every Myelin dead letter says, so the letter can be found, shown and redriven
            DeadLetterHeaders.put(headers, DeadLetterHeaders.AGGREGATE, type.name());
            RecordOrigin origin = currentOrigin();
            DeadLetterHeaders.put(headers, DeadLetterHeaders.SOURCE_TOPIC, origin.topic());
            DeadLetterHeaders.put(headers, DeadLetterHeaders.SOURCE_PARTITION, Integer.toString(origin.partition().orElse(-1)));
            DeadLetterHeaders.put(headers, DeadLetterHeaders.SOURCE_OFFSET, Long.toString(origin.offset().orElse(-1)));
            DeadLetterHeaders.put(headers, DeadLetterHeaders.FAILED_AT, Instant.ofEpochMilli(context.currentSystemTimeMs()).toString());
            context.forward(new Record<>(command.key(), command.value(), command.timestamp(), headers), CommandTopology.DEAD_LETTERS_SINK);
            deadLettered.increment();
        }
    }

    /** Where the command being processed was read: its commands topic, partition and offset. */
    private RecordOrigin currentOrigin() {
        return context.recordMetadata().filter(m -> m.offset() >= 0)
                .map(m -> RecordOrigin.of(m.topic(), m.partition(), m.offset())).orElse(RecordOrigin.topic(topics.commands()));
    }

    private String syntheticCommandId() {
        return context.recordMetadata()
                .map(m -> m.topic() + "-" + m.partition() + "@" + m.offset())
                .orElseGet(() -> UUID.randomUUID().toString());
    }

    private static void copy(Headers from, Headers to, String name) {
        given(from, name).ifPresent(v -> to.add(name, v.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Returns the failure to answer {@code e} with, unless {@code e} is a transient fault of the schema
     * registry, which is thrown on: a command must never be refused because the registry blinked.
     */
    private static CommandFailure poison(RuntimeException e, String message) {
        if (e instanceof SchemaRegistryUnavailableException transientFault) {
            throw transientFault;
        }
        if (e instanceof CommandFailure failure) {
            return failure;
        }
        return new CommandFailure(message);
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
