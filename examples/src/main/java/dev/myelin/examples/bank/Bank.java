package dev.myelin.examples.bank;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.processors.Projection;
import dev.myelin.schemas.AvroSerdeConfig;
import dev.myelin.schemas.AvroSerdes;
import dev.myelin.schemas.SchemaRegistry;

/**
 * The bank's serdes (Avro in the Confluent wire format, one registry subject per record type) and
 * its {@code account-balances} projection.
 *
 * <pre>{@code
 * Serde<SpecificRecord> avro = Bank.avro(registry);
 * RunningProjection.start(Bank.balances("bank", avro, AvroSerdes.specific(AccountBalance.class, registry)), config);
 * }</pre>
 */
public final class Bank {
    private Bank() {
    }

    /**
     * Returns the serde of the bank's commands, events and account state.
     *
     * @param registry the schema registry
     * @return the serde
     */
    public static Serde<SpecificRecord> avro(SchemaRegistry registry) {
        return AvroSerdes.specific(AvroSerdeConfig.builder(registry).trustedPackages("dev.myelin.examples.bank").build());
    }

    /**
     * Returns the {@code account-balances} projection: each account's owner, balance and number of
     * movements, keyed by account id, folded from the account events.
     *
     * @param application the application name, which prefixes the account topics
     * @param events      the bank's serde, from {@link #avro}
     * @param views       the serde of the view
     * @return the projection
     */
    public static Projection<String, AccountBalance> balances(String application, Serde<SpecificRecord> events,
                                                              Serde<AccountBalance> views) {
        return Projection.named("account-balances")
                .from(AggregateTopics.of(application, "account").events(), events)
                .initially(() -> new AccountBalance("", 0L, 0), views)
                .on(AccountOpened.class, (view, opened, metadata) -> new AccountBalance(opened.getOwner(), 0L, 0))
                .on(Deposited.class, (view, deposited, metadata) ->
                        new AccountBalance(view.getOwner(), view.getBalance() + deposited.getAmount(), view.getMovements() + 1))
                .on(Withdrawn.class, (view, withdrawn, metadata) ->
                        new AccountBalance(view.getOwner(), view.getBalance() - withdrawn.getAmount(), view.getMovements() + 1))
                .build();
    }
}
