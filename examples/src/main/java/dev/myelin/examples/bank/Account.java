package dev.myelin.examples.bank;

import org.apache.avro.specific.SpecificRecord;

import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.Decision;

/** The bank account: Open, Deposit, and Withdraw refused when it would overdraw. */
public final class Account {
    /** The aggregate type, run by an EventStore and tested with AggregateFixture. */
    public static final AggregateType<AccountState, SpecificRecord, SpecificRecord> TYPE =
            AggregateType.<AccountState, SpecificRecord, SpecificRecord>named("account")
                    .initialState(new AccountState(false, "", 0L))
                    .decide(Account::decide)
                    .evolve(Account::evolve);

    static Decision<SpecificRecord> decide(AccountState account, SpecificRecord command) {
        if (command instanceof OpenAccount open) {
            return account.getOpen() ? Decision.reject("account is already open") : Decision.accept(new AccountOpened(open.getOwner()));
        }
        if (!account.getOpen()) {
            return Decision.reject("account is not open");
        }
        if (command instanceof Deposit deposit && deposit.getAmount() > 0) {
            return Decision.accept(new Deposited(deposit.getAmount()));
        }
        if (command instanceof Withdraw withdraw && withdraw.getAmount() > 0) {
            return withdraw.getAmount() > account.getBalance()
                    ? Decision.reject("withdrawing " + withdraw.getAmount() + " would overdraw balance " + account.getBalance())
                    : Decision.accept(new Withdrawn(withdraw.getAmount()));
        }
        return Decision.reject(command.getSchema().getName() + " needs a positive amount");
    }

    static AccountState evolve(AccountState account, SpecificRecord event) {
        if (event instanceof AccountOpened opened) {
            return new AccountState(true, opened.getOwner(), 0L);
        }
        long delta = event instanceof Deposited d ? d.getAmount() : -((Withdrawn) event).getAmount();
        return new AccountState(true, account.getOwner(), account.getBalance() + delta);
    }

    private Account() {
    }
}
