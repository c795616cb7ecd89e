package dev.myelin.eventstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.CommandResult;

class OwnWritesTest {
    private final AtomicLong clock = new AtomicLong();
    private final OwnWrites writes = new OwnWrites(clock::get);

    private static CommandResult<Object> accepted(long version) {
        return new CommandResult.Accepted<>(version, List.of());
    }

    @Test
    void remembersTheHighestVersionAcceptedWhateverOrderTheResultsCameIn() {
        writes.record("acc-1", accepted(3), false);
        writes.record("acc-1", accepted(2), false);
        writes.record("acc-2", new CommandResult.Rejected<>("no"), false);

        assertThat(writes.seen("acc-1")).contains(3L);
        assertThat(writes.seen("acc-2")).isEmpty();
    }

    @Test
    void aForgetOverridesTheVersionsBeforeItAndIsOverriddenByTheOnesAfter() {
        writes.record("acc-1", accepted(7), false);
        writes.record("acc-1", accepted(0), true);
        assertThat(writes.seen("acc-1")).contains(OwnWrites.FORGOTTEN);

        writes.record("acc-1", accepted(1), false);
        assertThat(writes.seen("acc-1")).contains(1L);
    }

    @Test
    void aVersionOutlivesOneTurnoverAndIsDroppedAtTheNext() {
        writes.record("acc-1", accepted(4), false);
        clock.addAndGet(OwnWrites.GENERATION_AGE.toNanos());
        writes.record("acc-2", accepted(1), false); // turns over: acc-1 is now in the older generation
        writes.record("acc-1", accepted(2), false); // an older result arriving late must not lower what was seen

        assertThat(writes.seen("acc-1")).contains(4L);

        clock.addAndGet(OwnWrites.GENERATION_AGE.toNanos());
        writes.record("acc-3", accepted(1), false); // turns over again
        assertThat(writes.seen("acc-2")).contains(1L);
        assertThat(writes.seen("acc-1")).contains(2L); // only the late one, recorded one turnover later, is left
        clock.addAndGet(OwnWrites.GENERATION_AGE.toNanos());
        writes.record("acc-3", accepted(2), false);
        assertThat(writes.seen("acc-1")).isEmpty();
    }

    @Test
    void aFullGenerationTurnsOverBeforeItsAge() {
        for (int i = 0; i < OwnWrites.GENERATION_SIZE; i++) {
            writes.record("acc-" + i, accepted(1), false);
        }
        writes.record("late", accepted(1), false); // the first generation is full: this starts the second
        for (int i = 0; i < OwnWrites.GENERATION_SIZE; i++) {
            writes.record("other-" + i, accepted(1), false);
        }
        writes.record("later", accepted(1), false); // and this the third, which drops the first

        assertThat(writes.seen("acc-0")).isEmpty();
        assertThat(writes.seen("late")).contains(1L);
        assertThat(writes.seen("later")).contains(1L);
    }

    @Test
    void aReadOfAnAggregateNotWrittenHereReadsOnce() {
        AtomicLong reads = new AtomicLong();

        long version = writes.readCommitted("acc-1", () -> reads.incrementAndGet() * 10, Long::longValue);

        assertThat(version).isEqualTo(10L);
        assertThat(reads).hasValue(1);
    }

    @Test
    void aReadOfAnAggregateWrittenHereReadsAgainUntilTheStoreHasTheVersionAccepted() {
        writes.record("acc-1", accepted(3), false);
        AtomicLong reads = new AtomicLong();

        long version = writes.readCommitted("acc-1", reads::incrementAndGet, Long::longValue);

        assertThat(version).isEqualTo(3L);
        assertThat(reads).hasValue(3);
    }
}
