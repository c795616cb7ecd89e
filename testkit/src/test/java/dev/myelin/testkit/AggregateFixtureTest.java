package dev.myelin.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.Decision;

class AggregateFixtureTest {

    sealed interface Command permits Open, Deposit, Withdraw {
    }

    record Open(String owner) implements Command {
    }

    record Deposit(long amount) implements Command {
    }

    record Withdraw(long amount) implements Command {
    }

    sealed interface Event permits Opened, Deposited, Withdrawn {
    }

    record Opened(String owner) implements Event {
    }

    record Deposited(long amount) implements Event {
    }

    record Withdrawn(long amount) implements Event {
    }

    record Account(boolean open, long balance) {
    }

    static final AggregateType<Account, Command, Event> ACCOUNT = AggregateType.<Account, Command, Event>named("account")
            .initialState(new Account(false, 0))
            .decide((account, command) -> {
                if (command instanceof Open open) {
                    return account.open() ? Decision.reject("already open") : Decision.accept(new Opened(open.owner()));
                }
                if (command instanceof Deposit deposit) {
                    if (deposit.amount() == 13) {
                        throw new IllegalStateException("unlucky");
                    }
                    return deposit.amount() == 0 ? Decision.accept() : Decision.accept(new Deposited(deposit.amount()));
                }
                Withdraw withdraw = (Withdraw) command;
                return withdraw.amount() > account.balance() ? Decision.reject("would overdraw") : Decision.accept(new Withdrawn(withdraw.amount()));
            })
            .evolve((account, event) -> {
                if (event instanceof Opened) {
                    return new Account(true, 0);
                }
                return new Account(true, account.balance() + (event instanceof Deposited d ? d.amount() : -((Withdrawn) event).amount()));
            });

    @Test
    void thenEventsPassesWhenTheCommandLeadsToExactlyThoseEvents() {
        AggregateFixture.of(ACCOUNT).given(new Opened("ada"), new Deposited(10)).when(new Withdraw(4))
                .thenEvents(new Withdrawn(4))
                .thenState(new Account(true, 6));
    }

    @Test
    void thenEventsFailsWhenTheEventsDiffer() {
        assertThatThrownBy(() -> AggregateFixture.of(ACCOUNT).given(new Opened("ada"), new Deposited(10)).when(new Withdraw(4))
                .thenEvents(new Withdrawn(5)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Withdrawn[amount=5]").hasMessageContaining("Withdrawn[amount=4]");
    }

    @Test
    void thenEventsFailsWhenTheCommandIsRejected() {
        assertThatThrownBy(() -> AggregateFixture.of(ACCOUNT).given(new Opened("ada")).when(new Withdraw(4)).thenEvents(new Withdrawn(4)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("rejected: would overdraw");
    }

    @Test
    void thenNoEventsPassesOnlyForAnAcceptedCommandWithoutEvents() {
        AggregateFixture.of(ACCOUNT).given(new Opened("ada")).when(new Deposit(0)).thenNoEvents();
        assertThatThrownBy(() -> AggregateFixture.of(ACCOUNT).given(new Opened("ada")).when(new Deposit(1)).thenNoEvents())
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void thenRejectedChecksTheReason() {
        AggregateFixture.of(ACCOUNT).given(new Opened("ada")).when(new Withdraw(1))
                .thenRejected(reason -> assertThat(reason).contains("overdraw"))
                .thenState(new Account(true, 0));
        assertThatThrownBy(() -> AggregateFixture.of(ACCOUNT).given(new Opened("ada")).when(new Withdraw(1))
                .thenRejected(reason -> assertThat(reason).contains("closed")))
                .isInstanceOf(AssertionError.class).hasMessageContaining("would overdraw");
    }

    @Test
    void thenRejectedFailsWhenTheCommandIsAccepted() {
        assertThatThrownBy(() -> AggregateFixture.of(ACCOUNT).when(new Open("ada")).thenRejected())
                .isInstanceOf(AssertionError.class).hasMessageContaining("accepted");
    }

    @Test
    void thenStateFailsWhenTheStateDiffers() {
        assertThatThrownBy(() -> AggregateFixture.of(ACCOUNT).when(new Open("ada")).thenState(new Account(true, 1)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("Account[open=true, balance=0]");
        AggregateFixture.of(ACCOUNT).when(new Open("ada")).thenState(account -> assertThat(account.open()).isTrue());
    }

    @Test
    void aThrowingDecideFailsEveryExpectationWithTheCause() {
        assertThatThrownBy(() -> AggregateFixture.of(ACCOUNT).given(new Opened("ada")).when(new Deposit(13)).thenRejected())
                .isInstanceOf(AssertionError.class).hasMessageContaining("unlucky").hasCauseInstanceOf(IllegalStateException.class);
    }

    /** A ledger whose evolve appends to the list it is given: the bug a broker-less test should catch. */
    record Ledger(java.util.List<Long> entries) {
    }

    @Test
    void anEvolveThatChangesTheStateItIsGivenFailsTheTest() {
        AggregateType<Ledger, Command, Event> sloppy = AggregateType.of("ledger", new Ledger(new java.util.ArrayList<>()), Command.class,
                        Event.class)
                .on(Deposit.class, (ledger, deposit) -> Decision.accept(new Deposited(deposit.amount())))
                .on(Command.class, (ledger, other) -> Decision.reject("no"))
                .apply(Deposited.class, (ledger, deposited) -> {
                    ledger.entries().add(deposited.amount());
                    return ledger;
                })
                .ignore(Opened.class).ignore(Withdrawn.class)
                .build();

        assertThatThrownBy(() -> AggregateFixture.of(sloppy).given(new Deposited(5L)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("ledger.evolve changed the state it was given");
    }

    @Test
    void aDecideThatChangesTheStateItIsGivenFailsTheTest() {
        AggregateType<Ledger, Command, Event> sloppy = AggregateType.of("ledger", new Ledger(new java.util.ArrayList<>(java.util.List.of(1L))), Command.class,
                        Event.class)
                .on(Deposit.class, (ledger, deposit) -> {
                    ledger.entries().clear();
                    return Decision.accept();
                })
                .on(Command.class, (ledger, other) -> Decision.reject("no"))
                .apply(Deposited.class, (ledger, deposited) -> {
                    java.util.List<Long> entries = new java.util.ArrayList<>(ledger.entries());
                    entries.add(deposited.amount());
                    return new Ledger(entries);
                })
                .ignore(Opened.class).ignore(Withdrawn.class)
                .build();

        assertThatThrownBy(() -> AggregateFixture.of(sloppy).given(new Deposited(5L)).when(new Deposit(1L)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("ledger changed the state it was given while deciding");
    }

    /** A serde that keeps only what it knows: a deposit's amount survives, a withdrawal comes back as a deposit. */
    static final class LossySerde implements org.apache.kafka.common.serialization.Serde<Event> {
        @Override
        public org.apache.kafka.common.serialization.Serializer<Event> serializer() {
            return (topic, event) -> java.nio.ByteBuffer.allocate(8).putLong(event instanceof Deposited d ? d.amount()
                    : event instanceof Withdrawn w ? w.amount() : 0).array();
        }

        @Override
        public org.apache.kafka.common.serialization.Deserializer<Event> deserializer() {
            return (topic, bytes) -> new Deposited(java.nio.ByteBuffer.wrap(bytes).getLong());
        }
    }

    static final class AccountSerde implements org.apache.kafka.common.serialization.Serde<Account> {
        @Override
        public org.apache.kafka.common.serialization.Serializer<Account> serializer() {
            return (topic, account) -> java.nio.ByteBuffer.allocate(9).put((byte) (account.open() ? 1 : 0)).putLong(account.balance()).array();
        }

        @Override
        public org.apache.kafka.common.serialization.Deserializer<Account> deserializer() {
            return (topic, bytes) -> {
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(bytes);
                return new Account(buffer.get() == 1, buffer.getLong());
            };
        }
    }

    @Test
    void withSerdesEveryEventAndTheStateMustSurviveARoundTrip() {
        AggregateFixture.of(ACCOUNT).withSerdes(new LossySerde(), new AccountSerde())
                .given(new Deposited(10L))
                .when(new Deposit(5L))
                .thenEvents(new Deposited(5L));

        assertThatThrownBy(() -> AggregateFixture.of(ACCOUNT).withSerdes(new LossySerde(), new AccountSerde())
                .given(new Opened("ada"), new Deposited(10L))
                .when(new Withdraw(4L)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("given event #1 changes in a round trip through its serde").hasMessageContaining("Opened[owner=ada]");
    }
}
