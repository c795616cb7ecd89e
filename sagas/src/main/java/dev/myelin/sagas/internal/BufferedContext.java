package dev.myelin.sagas.internal;

import java.io.File;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * A processor context that, between {@link #begin()} and {@link #flush()}, keeps what is forwarded
 * instead of sending it: a record whose processing throws half-way is then {@link #discard()}ed whole,
 * so a saga marked FAILED for it never has a command sent or a transition logged that its stored state
 * does not show. Outside that window it forwards at once.
 */
final class BufferedContext<KF, VF> implements ProcessorContext<KF, VF> {

    private record Forward<KF, VF>(Record<KF, VF> record, String child) {
    }

    private final ProcessorContext<KF, VF> context;
    private final List<Forward<KF, VF>> buffer = new ArrayList<>();
    private boolean buffering;

    BufferedContext(ProcessorContext<KF, VF> context) {
        this.context = context;
    }

    /** Starts keeping forwards back. */
    void begin() {
        buffer.clear();
        buffering = true;
    }

    /** Sends what was kept back, in order, and stops keeping. */
    void flush() {
        buffering = false;
        for (Forward<KF, VF> f : buffer) {
            if (f.child() == null) {
                context.forward(f.record());
            } else {
                context.forward(f.record(), f.child());
            }
        }
        buffer.clear();
    }

    /** Drops what was kept back and stops keeping. */
    void discard() {
        buffering = false;
        buffer.clear();
    }

    @Override
    public <K extends KF, V extends VF> void forward(Record<K, V> record) {
        keep(record, null);
    }

    @Override
    public <K extends KF, V extends VF> void forward(Record<K, V> record, String childName) {
        keep(record, childName);
    }

    private <K extends KF, V extends VF> void keep(Record<K, V> record, String child) {
        Record<KF, VF> r = new Record<>(record.key(), record.value(), record.timestamp(), record.headers());
        if (buffering) {
            buffer.add(new Forward<>(r, child));
        } else if (child == null) {
            context.forward(r);
        } else {
            context.forward(r, child);
        }
    }

    @Override
    public String applicationId() {
        return context.applicationId();
    }

    @Override
    public TaskId taskId() {
        return context.taskId();
    }

    @Override
    public Optional<RecordMetadata> recordMetadata() {
        return context.recordMetadata();
    }

    @Override
    public Serde<?> keySerde() {
        return context.keySerde();
    }

    @Override
    public Serde<?> valueSerde() {
        return context.valueSerde();
    }

    @Override
    public File stateDir() {
        return context.stateDir();
    }

    @Override
    public StreamsMetrics metrics() {
        return context.metrics();
    }

    @Override
    public <S extends StateStore> S getStateStore(String name) {
        return context.getStateStore(name);
    }

    @Override
    public Cancellable schedule(Duration interval, PunctuationType type, Punctuator callback) {
        return context.schedule(interval, type, callback);
    }

    @Override
    public Cancellable schedule(Instant startTime, Duration interval, PunctuationType type, Punctuator callback) {
        return context.schedule(startTime, interval, type, callback);
    }

    @Override
    public void commit() {
        context.commit();
    }

    @Override
    public Map<String, Object> appConfigs() {
        return context.appConfigs();
    }

    @Override
    public Map<String, Object> appConfigsWithPrefix(String prefix) {
        return context.appConfigsWithPrefix(prefix);
    }

    @Override
    public long currentSystemTimeMs() {
        return context.currentSystemTimeMs();
    }

    @Override
    public long currentStreamTimeMs() {
        return context.currentStreamTimeMs();
    }
}
