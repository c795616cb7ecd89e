package dev.myelin.examples.bank;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

import dev.myelin.application.Myelin;
import dev.myelin.eventstore.EventSource;
import dev.myelin.processors.Projection;
import dev.myelin.schemas.AvroSerdeConfig;
import dev.myelin.schemas.AvroSerdes;
import dev.myelin.schemas.SchemaRegistry;

/**
 * The bank's {@code account-balances} projection, defined in the application that runs it.
 *
 * <pre>{@code
 * RunningProjection<String, AccountBalance> balances = bank.projection(Bank.balances(bank));
 * }</pre>
 */
public final class Bank {
    /** The package of the bank's generated Avro classes: the only classes its records may decode into. */
    public static final String RECORDS = "dev.myelin.examples.bank";

    private Bank() {
    }

    /**
     * Returns a serde of the bank's commands, events and account state that trusts only the bank's
     * records, for code that runs the bank without a {@link Myelin} application object.
     *
     * @param registry the schema registry
     * @return the serde
     */
    public static Serde<SpecificRecord> avro(SchemaRegistry registry) {
        return AvroSerdes.specific(AvroSerdeConfig.builder(registry).trustedPackages(RECORDS).build());
    }

    /**
     * Returns the {@code account-balances} projection: each account's owner, balance and number of
     * movements, keyed by account id, folded from the account events.
     *
     * @param bank the application: its account events and Avro serdes
     * @return the projection
     */
    public static Projection<String, AccountBalance> balances(Myelin bank) {
        return balances(EventSource.of(bank.topics(Account.TYPE), bank.avro()), bank.avro(AccountBalance.class));
    }

    /**
     * Returns the {@code account-balances} projection reading {@code events}, for a bank run without
     * a {@link Myelin} application object (the benchmarks and reliability tests choose their serdes).
     *
     * @param events the account events and their serde
     * @param views  the serde of the view
     * @return the projection
     */
    public static Projection<String, AccountBalance> balances(EventSource<SpecificRecord> events, Serde<AccountBalance> views) {
        return Projection.named("account-balances")
                .from(events)
                .initially(() -> new AccountBalance("", 0L, 0), views)
                .on(AccountOpened.class, (view, opened, metadata) -> new AccountBalance(opened.getOwner(), 0L, 0))
                .on(Deposited.class, (view, deposited, metadata) ->
                        new AccountBalance(view.getOwner(), view.getBalance() + deposited.getAmount(), view.getMovements() + 1))
                .on(Withdrawn.class, (view, withdrawn, metadata) ->
                        new AccountBalance(view.getOwner(), view.getBalance() - withdrawn.getAmount(), view.getMovements() + 1))
                .build();
    }
}
