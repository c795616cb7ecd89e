package dev.myelin.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.RetryPolicy;
import dev.myelin.processors.DeadLetter;
import dev.myelin.processors.ErrorPolicy;
import dev.myelin.processors.Projection;
import dev.myelin.processors.ProjectionFailedException;
import dev.myelin.processors.ViewEntry;
import dev.myelin.schemas.EventMetadata;

/** The projection fixture, on events and views written with a plain text serde rather than Avro. */
class ProjectionFixtureTest {

    sealed interface AccountEvent permits Deposited, Withdrawn, Renamed {
    }

    record Deposited(long amount) implements AccountEvent {
    }

    record Withdrawn(long amount) implements AccountEvent {
    }

    record Renamed(String name) implements AccountEvent {
    }

    record Balance(long amount, long lastSequence) {
    }

    /** Events as text such as {@code Deposited:10}: any Serde will do for a projection. */
    static final Serde<AccountEvent> EVENTS = Serdes.serdeFrom(
            (topic, event) -> text(event).getBytes(StandardCharsets.UTF_8),
            (topic, bytes) -> {
                String[] parts = new String(bytes, StandardCharsets.UTF_8).split(":", 2);
                return switch (parts[0]) {
                    case "Deposited" -> new Deposited(Long.parseLong(parts[1]));
                    case "Withdrawn" -> new Withdrawn(Long.parseLong(parts[1]));
                    case "Renamed" -> new Renamed(parts[1]);
                    default -> throw new IllegalArgumentException("unknown event type " + parts[0]);
                };
            });

    private static String text(AccountEvent event) {
        if (event instanceof Deposited d) {
            return "Deposited:" + d.amount();
        }
        if (event instanceof Withdrawn w) {
            return "Withdrawn:" + w.amount();
        }
        return "Renamed:" + ((Renamed) event).name();
    }

    static final Serde<Balance> BALANCES = Serdes.serdeFrom(
            (topic, b) -> (b.amount() + "," + b.lastSequence()).getBytes(StandardCharsets.UTF_8),
            (topic, bytes) -> {
                String[] parts = new String(bytes, StandardCharsets.UTF_8).split(",");
                return new Balance(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
            });

    private static Projection.Handlers<String, AccountEvent, Balance> balances() {
        return Projection.named("balances")
                .from("bank.account.events", EVENTS)
                .initially(() -> new Balance(0L, 0L), BALANCES)
                .on(Deposited.class, (b, e, m) -> new Balance(b.amount() + e.amount(), m.sequence()))
                .on(Withdrawn.class, (b, e, m) -> {
                    if (e.amount() > b.amount()) {
                        throw new IllegalStateException("overdrawn by " + (e.amount() - b.amount()));
                    }
                    return new Balance(b.amount() - e.amount(), m.sequence());
                })
                .retry(RetryPolicy.none());
    }

    @Test
    void foldsTheGivenEventsIntoTheViewOfEachAggregate() {
        ProjectionFixture.of(balances().build())
                .given("acc-1", new Deposited(10), new Deposited(5))
                .given("acc-2", new Deposited(7))
                .given("acc-1", new Withdrawn(3), new Renamed("savings"))
                .thenView("acc-1", new Balance(12, 3))
                .thenView("acc-2", view -> assertThat(view.amount()).isEqualTo(7))
                .thenNoView("acc-3")
                .thenViews(Map.of("acc-1", new Balance(12, 3), "acc-2", new Balance(7, 1)))
                .thenNoDeadLetters();
    }

    @Test
    void checksTheViewsOfAProjectionWithoutEvents() {
        ProjectionFixture.of(balances().build())
                .thenNoView("acc-1")
                .thenViews(Map.of());
    }

    @Test
    void deadLettersUndecodableRecordsAndThrowingHandlersAndGoesOn() {
        ProjectionFixture.of(balances().build())
                .given("acc-1", new Deposited(10))
                .givenUndecodable("acc-1", "Bogus:1".getBytes(StandardCharsets.UTF_8))
                .given("acc-1", new Withdrawn(50))
                .given("acc-1", new Deposited(1))
                .thenView("acc-1", new Balance(11, 4))
                .thenDeadLetters(letters -> {
                    assertThat(letters).extracting(DeadLetter::reason)
                            .containsExactly(DeadLetter.Reason.UNDECODABLE, DeadLetter.Reason.HANDLER_FAILED);
                    assertThat(letters.get(0).errorMessage()).isEqualTo("unknown event type Bogus");
                    assertThat(letters.get(0).origin().offset()).hasValue(1L);
                    assertThat(letters.get(1).errorMessage()).isEqualTo("overdrawn by 40");
                    assertThat(letters.get(1).origin().offset()).hasValue(2L);
                    assertThat(new String(letters.get(1).key(), StandardCharsets.UTF_8)).isEqualTo("acc-1@3");
                });
    }

    @Test
    void showsThePublishedViewsInOrder() {
        ProjectionFixture.of(balances().publishTo("bank.balances").build())
                .given("acc-1", new Deposited(10), new Renamed("x"), new Withdrawn(4))
                .thenPublished(List.of(new ViewEntry<>("acc-1", new Balance(10, 1)), new ViewEntry<>("acc-1", new Balance(6, 3))));
    }

    @Test
    void usesTheMetadataGivenWithAnEvent() {
        EventMetadata metadata = new EventMetadata("e-1", "Deposited", "acc-9", 42, Instant.parse("2026-05-01T00:00:00Z"),
                "c-1", "k-1", "c-1");

        ProjectionFixture.of(balances().build())
                .givenEvent(metadata, new Deposited(3))
                .thenView("acc-9", new Balance(3, 42));
    }

    @Test
    void reportsAStopUnderTheFailFastPolicy() {
        ProjectionFixture.of(balances().onError(ErrorPolicy.FAIL_FAST).build())
                .given("acc-1", new Deposited(1), new Withdrawn(2), new Deposited(5))
                .thenStopped(error -> assertThat(error).isInstanceOf(ProjectionFailedException.class)
                        .hasMessageContaining("offset 1").hasRootCauseMessage("overdrawn by 1"))
                .thenView("acc-1", new Balance(1, 1))
                .thenNoDeadLetters();
    }

    // ---- the fixture fails tests that should fail ----

    @Test
    void failsWhenAViewDiffers() {
        assertThatThrownBy(() -> ProjectionFixture.of(balances().build())
                .given("acc-1", new Deposited(10))
                .thenView("acc-1", new Balance(11, 1)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("expected: Balance[amount=11, lastSequence=1]")
                .hasMessageContaining("but was: Balance[amount=10, lastSequence=1]");
    }

    @Test
    void failsWhenAViewIsMissingAndNamesTheDeadLetters() {
        assertThatThrownBy(() -> ProjectionFixture.of(balances().build())
                .givenUndecodable("acc-1", new byte[] {1})
                .thenView("acc-1", new Balance(0, 0)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("has no view for acc-1").hasMessageContaining("dead letters");
    }

    @Test
    void failsWhenThereAreUnexpectedDeadLetters() {
        assertThatThrownBy(() -> ProjectionFixture.of(balances().build())
                .given("acc-1", new Withdrawn(1))
                .thenNoDeadLetters())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("dead-lettered 1 event(s)").hasMessageContaining("overdrawn by 1");
    }

    @Test
    void failsWhenAStopWasNotExpected() {
        assertThatThrownBy(() -> ProjectionFixture.of(balances().onError(ErrorPolicy.FAIL_FAST).build())
                .given("acc-1", new Withdrawn(1))
                .thenNoView("acc-1"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("stopped at given event #1").hasMessageContaining("thenStopped");
    }

    @Test
    void failsWhenAnExpectedStopDidNotHappen() {
        assertThatThrownBy(() -> ProjectionFixture.of(balances().build())
                .given("acc-1", new Deposited(1))
                .thenStopped(error -> { }))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("did not stop");
    }

    @Test
    void failsWhenThePublishedViewsDifferOrNothingIsPublished() {
        assertThatThrownBy(() -> ProjectionFixture.of(balances().publishTo("bank.balances").build())
                .given("acc-1", new Deposited(1))
                .thenPublished(List.of()))
                .isInstanceOf(AssertionError.class).hasMessageContaining("published views");
        assertThatThrownBy(() -> ProjectionFixture.of(balances().build()).thenPublished(List.of()))
                .isInstanceOf(AssertionError.class).hasMessageContaining("publishes nothing");
    }

    @Test
    void rejectsATopicThatIsNotASource() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ProjectionFixture.of(balances().build()).givenOn("other.events", "acc-1", new Deposited(1)))
                .withMessageContaining("other.events is not a source topic of projection balances");
    }

    @Test
    void rejectsEventsAfterTheFirstThen() {
        ProjectionFixture.Given<String, Balance> given = ProjectionFixture.of(balances().build()).given("acc-1", new Deposited(1));
        given.thenView("acc-1", new Balance(1, 1));

        assertThatIllegalStateException().isThrownBy(() -> given.given("acc-1", new Deposited(2)))
                .withMessageContaining("give every event before the first then");
    }

    @Test
    void rejectsAnEventTheSerdeCannotWrite() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ProjectionFixture.of(balances().build()).given("acc-1", "not an event"))
                .withMessageContaining("cannot write java.lang.String");
    }
}
