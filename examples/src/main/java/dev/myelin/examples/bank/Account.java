package dev.myelin.examples.bank;

import org.apache.avro.specific.SpecificRecord;

import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.Decision;

/** The bank account: Open, Deposit, and Withdraw refused when it would overdraw. */
public final class Account {
    /** The aggregate type, run by an EventStore and tested with AggregateFixture. */
    public static final AggregateType<AccountState, SpecificRecord, SpecificRecord> TYPE =
            AggregateType.avro("account", new AccountState(false, "", 0L))
                    .on(OpenAccount.class, (account, open) -> account.getOpen() ? Decision.reject("account is already open")
                            : Decision.accept(new AccountOpened(open.getOwner())))
                    .on(Deposit.class, (account, deposit) -> move(account, deposit, deposit.getAmount(), new Deposited(deposit.getAmount())))
                    .on(Withdraw.class, (account, withdraw) -> withdraw.getAmount() > account.getBalance() && account.getOpen()
                            ? Decision.reject("withdrawing " + withdraw.getAmount() + " would overdraw balance " + account.getBalance())
                            : move(account, withdraw, withdraw.getAmount(), new Withdrawn(withdraw.getAmount())))
                    .apply(AccountOpened.class, (account, opened) -> new AccountState(true, opened.getOwner(), 0L))
                    .apply(Deposited.class, (account, deposited) -> new AccountState(true, account.getOwner(), account.getBalance() + deposited.getAmount()))
                    .apply(Withdrawn.class, (account, withdrawn) -> new AccountState(true, account.getOwner(), account.getBalance() - withdrawn.getAmount()))
                    .build();

    /** Accepts a movement of money on an open account, for a positive amount. */
    private static Decision<SpecificRecord> move(AccountState account, SpecificRecord command, long amount, SpecificRecord event) {
        if (!account.getOpen()) {
            return Decision.reject("account is not open");
        }
        return amount > 0 ? Decision.accept(event) : Decision.reject(command.getSchema().getName() + " needs a positive amount");
    }

    private Account() {
    }
}
