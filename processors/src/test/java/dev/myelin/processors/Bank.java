package dev.myelin.processors;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serde;

import dev.myelin.processors.bank.AccountOpened;
import dev.myelin.processors.bank.Balance;
import dev.myelin.processors.bank.Deposited;
import dev.myelin.processors.bank.Withdrawn;
import dev.myelin.schemas.AvroSerdeConfig;
import dev.myelin.schemas.AvroSerdes;
import dev.myelin.schemas.EventMetadata;
import dev.myelin.schemas.SchemaRegistry;

/** The bank the tests project: its serdes, its balances projection and a writer of event records. */
final class Bank {

    static final String EVENTS = "bank.account.events";

    final Serde<SpecificRecord> events;
    final Serde<Balance> balances;
    private final Map<String, Long> sequences = new HashMap<>();

    Bank(SchemaRegistry registry) {
        events = AvroSerdes.specific(AvroSerdeConfig.builder(registry).build());
        balances = AvroSerdes.specific(Balance.class, registry);
    }

    /** Balances by account; a negative withdrawal is a bug the handler throws on. */
    Projection.Handlers<String, SpecificRecord, Balance> balances(String name) {
        return Projection.named(name)
                .from(EVENTS, events)
                .initially(() -> new Balance(0L, 0, 0L), balances)
                .on(Deposited.class, (balance, deposited, metadata) -> apply(balance, deposited.getAmount(), metadata))
                .on(Withdrawn.class, (balance, withdrawn, metadata) -> {
                    if (withdrawn.getAmount() < 0) {
                        throw new IllegalArgumentException("negative withdrawal " + withdrawn.getAmount());
                    }
                    return apply(balance, -withdrawn.getAmount(), metadata);
                });
    }

    static Balance apply(Balance balance, long delta, EventMetadata metadata) {
        return new Balance(balance.getAmount() + delta, balance.getEvents() + 1, metadata.sequence());
    }

    /** One event as it lies on an events topic. */
    record EventRecord(String key, byte[] value, Headers headers) {
    }

    /** Returns the next event of {@code aggregateId} as an events-topic record. */
    EventRecord event(String aggregateId, SpecificRecord event) {
        return raw(aggregateId, events.serializer().serialize(EVENTS, event), event.getSchema().getName());
    }

    /** Returns the next record of {@code aggregateId} with the given value bytes and full metadata. */
    EventRecord raw(String aggregateId, byte[] value, String type) {
        long sequence = sequences.merge(aggregateId, 1L, Long::sum);
        String id = UUID.randomUUID().toString();
        EventMetadata metadata = new EventMetadata(id, type, aggregateId, sequence, Instant.parse("2026-01-01T00:00:00Z"),
                "cmd-" + id, "corr-" + aggregateId, "cmd-" + id);
        return new EventRecord(aggregateId + "@" + sequence, value, metadata.writeTo(new RecordHeaders()));
    }

    static AccountOpened opened(String owner) {
        return new AccountOpened(owner);
    }

    static Deposited deposited(long amount) {
        return new Deposited(amount);
    }

    static Withdrawn withdrawn(long amount) {
        return new Withdrawn(amount);
    }
}
