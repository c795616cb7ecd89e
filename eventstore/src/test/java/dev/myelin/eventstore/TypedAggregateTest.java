package dev.myelin.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import dev.myelin.eventstore.bank.AccountOpened;
import dev.myelin.eventstore.bank.AccountState;
import dev.myelin.eventstore.bank.Deposit;
import dev.myelin.eventstore.bank.Deposited;
import dev.myelin.eventstore.bank.OpenAccount;
import dev.myelin.eventstore.bank.Withdraw;
import dev.myelin.eventstore.bank.Withdrawn;

/** Aggregates handled type by type: {@code AggregateType.avro(...)} and {@code AggregateType.of(...)}. */
class TypedAggregateTest {

    private static final AggregateType<AccountState, SpecificRecord, SpecificRecord> ACCOUNT =
            AggregateType.avro("account", new AccountState(false, "", 0L))
                    .on(OpenAccount.class, (account, open) -> Decision.accept(new AccountOpened(open.getOwner())))
                    .on(Deposit.class, (account, deposit) -> Decision.accept(new Deposited(deposit.getAmount())))
                    .apply(AccountOpened.class, (account, opened) -> new AccountState(true, opened.getOwner(), 0L))
                    .apply(Deposited.class, (account, deposited) -> new AccountState(true, account.getOwner(),
                            account.getBalance() + deposited.getAmount()))
                    .build();

    @Test
    void eachCommandGoesToItsHandlerAndEachEventToItsApply() {
        AccountState state = ACCOUNT.fold(ACCOUNT.initialState(), List.of(new AccountOpened("ada"), new Deposited(10L)));

        assertThat(state).isEqualTo(new AccountState(true, "ada", 10L));
        assertThat(ACCOUNT.decide(state, new Deposit(5L))).isEqualTo(Decision.accept(new Deposited(5L)));
        assertThat(ACCOUNT.name()).isEqualTo("account");
    }

    @Test
    void aCommandWithoutAHandlerIsRejectedNamingItsTypeAndTheHandledOnes() {
        Decision<SpecificRecord> decision = ACCOUNT.decide(ACCOUNT.initialState(), new Withdraw(4L));

        assertThat(decision).isInstanceOf(Decision.Reject.class);
        assertThat(((Decision.Reject<SpecificRecord>) decision).reason())
                .isEqualTo("account does not handle command Withdraw; it handles [OpenAccount, Deposit]");
    }

    @Test
    void anEventWithoutAnApplyFailsNamingItAndTheFix() {
        assertThatThrownBy(() -> ACCOUNT.evolve(ACCOUNT.initialState(), new Withdrawn(1L)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no .apply handler for event Withdrawn")
                .hasMessageContaining(".apply(Withdrawn.class, ...)");
    }

    @Test
    void anIgnoredEventLeavesTheStateAsItIs() {
        AggregateType<AccountState, SpecificRecord, SpecificRecord> audited = AggregateType.avro("account", new AccountState(false, "", 0L))
                .on(OpenAccount.class, (account, open) -> Decision.accept(new AccountOpened(open.getOwner())))
                .apply(AccountOpened.class, (account, opened) -> new AccountState(true, opened.getOwner(), 0L))
                .ignore(Withdrawn.class)
                .build();
        AccountState open = new AccountState(true, "ada", 0L);

        assertThat(audited.evolve(open, new Withdrawn(3L))).isSameAs(open);
    }

    @Test
    void aHandlerForTheClassItselfWinsOverOneForASupertype() {
        AggregateType<String, Object, Object> type = AggregateType.of("things", "", Object.class, Object.class)
                .on(CharSequence.class, (state, text) -> Decision.accept("any text"))
                .on(String.class, (state, text) -> Decision.accept("a string"))
                .apply(Object.class, (state, event) -> state + event)
                .build();

        assertThat(type.decide("", "x")).isEqualTo(Decision.accept("a string"));
        assertThat(type.decide("", new StringBuilder("x"))).isEqualTo(Decision.accept("any text"));
        assertThat(type.evolve("a", 1)).isEqualTo("a1");
    }

    sealed interface CartCommand permits AddItem, RemoveItem, CartAdmin {
    }

    record AddItem(String sku) implements CartCommand {
    }

    record RemoveItem(String sku) implements CartCommand {
    }

    sealed interface CartAdmin extends CartCommand permits Clear, Lock {
    }

    record Clear() implements CartAdmin {
    }

    record Lock() implements CartAdmin {
    }

    sealed interface CartEvent permits ItemAdded, ItemRemoved {
    }

    record ItemAdded(String sku) implements CartEvent {
    }

    record ItemRemoved(String sku) implements CartEvent {
    }

    @Test
    void sealedCommandAndEventTypesAreCheckedWhenTheTypeIsBuiltNamingEveryGap() {
        AggregateType.Builder<List<String>, CartCommand, CartEvent> cart = AggregateType.of("cart", List.<String>of(), CartCommand.class,
                        CartEvent.class)
                .on(AddItem.class, (items, add) -> Decision.accept(new ItemAdded(add.sku())))
                .on(Clear.class, (items, clear) -> Decision.accept())
                .apply(ItemAdded.class, (items, added) -> items);

        assertThatThrownBy(cart::build)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("aggregate cart is incomplete")
                .hasMessageContaining("command " + RemoveItem.class.getName() + " has no .on handler")
                .hasMessageContaining("command " + Lock.class.getName() + " has no .on handler")
                .hasMessageContaining("event " + ItemRemoved.class.getName() + " has no .apply (or .ignore) handler")
                .hasMessageNotContaining(Clear.class.getName());
    }

    @Test
    void aSealedTypeIsCompleteWhenASupertypeHandlerCoversASubtree() {
        AggregateType<List<String>, CartCommand, CartEvent> cart = AggregateType.of("cart", List.<String>of(), CartCommand.class,
                        CartEvent.class)
                .on(AddItem.class, (items, add) -> Decision.accept(new ItemAdded(add.sku())))
                .on(RemoveItem.class, (items, remove) -> Decision.accept(new ItemRemoved(remove.sku())))
                .on(CartAdmin.class, (items, admin) -> Decision.reject("admin commands are not open to carts"))
                .apply(ItemAdded.class, (items, added) -> items)
                .ignore(ItemRemoved.class)
                .build();

        assertThat(cart.decide(List.of(), new Lock())).isEqualTo(Decision.reject("admin commands are not open to carts"));
    }

    @Test
    void aTypeWithoutCommandHandlersOrWithTwoHandlersForOneTypeIsRefused() {
        assertThatThrownBy(() -> AggregateType.avro("account", new AccountState(false, "", 0L)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("handles no command");
        assertThatThrownBy(() -> AggregateType.avro("account", new AccountState(false, "", 0L))
                .on(Deposit.class, (a, d) -> Decision.accept())
                .on(Deposit.class, (a, d) -> Decision.accept()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(Deposit.class.getName() + " already has an .on handler");
        assertThatThrownBy(() -> AggregateType.avro("Account", "state")).isInstanceOf(IllegalArgumentException.class);
    }
}
