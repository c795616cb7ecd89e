package dev.myelin.processors.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A projection's time lag: how old the newest event it processed is, while events wait. */
class FoldedUpToTest {
    @Test
    void noRecordWaitingIsNoLagWhateverWasFolded() {
        FoldedUpTo folded = new FoldedUpTo();
        assertThat(folded.lagSeconds(0, 50_000)).isZero();
        folded.processed(1_000);
        assertThat(folded.lagSeconds(0, 50_000)).isZero();
    }

    @Test
    void whileRecordsWaitTheLagIsTheAgeOfTheNewestEventProcessed() {
        FoldedUpTo folded = new FoldedUpTo();
        assertThat(folded.lagSeconds(3, 50_000)).as("nothing processed yet: cannot tell").isNaN();
        folded.processed(10_000);
        folded.processed(8_000); // an older event of another partition does not move it back
        assertThat(folded.newest()).hasValue(10_000);
        assertThat(folded.lagSeconds(3, 12_500)).isEqualTo(2.5);
        assertThat(folded.lagSeconds(3, 9_000)).as("never negative, whatever the clocks").isZero();
    }
}
