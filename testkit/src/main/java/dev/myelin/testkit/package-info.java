/**
 * Tests of a Myelin application's business logic without a broker: aggregates, projections and
 * sagas run their real code (a saga or a projection its real Kafka Streams topology, on a
 * {@code TopologyTestDriver}) in milliseconds, written as given / when / then.
 *
 * <ul>
 *   <li>{@link dev.myelin.testkit.AggregateFixture}: given past events, when a command, then these
 *       events, a rejection or this state. Each run also checks that {@code decide} and
 *       {@code evolve} leave the state they are given untouched.</li>
 *   <li>{@link dev.myelin.testkit.ProjectionFixture}: given events on the source topics, then these
 *       views, published views and dead letters.</li>
 *   <li>{@link dev.myelin.testkit.SagaFixture}: given a trigger event, the test checks each
 *       command the saga sends, plays the participant's reply and moves the clock, then checks the
 *       saga's status and state.</li>
 *   <li>{@link dev.myelin.testkit.SchemaAssertions}: AssertJ assertions that an Avro schema can
 *       evolve as a registry's compatibility rules demand.</li>
 * </ul>
 *
 * <p>A complete test of the bank and shop examples ({@code dev.myelin.examples}): an
 * {@code InMemorySchemaRegistry} serves the Avro serdes, so nothing runs but the test's JVM.
 *
 * <pre>{@code
 * import static org.assertj.core.api.Assertions.assertThat;
 *
 * import org.apache.avro.specific.SpecificRecord;
 * import org.apache.kafka.common.serialization.Serde;
 * import org.junit.jupiter.api.Test;
 *
 * import dev.myelin.eventstore.AggregateTopics;
 * import dev.myelin.eventstore.CommandResult;
 * import dev.myelin.examples.bank.Account;
 * import dev.myelin.examples.bank.AccountBalance;
 * import dev.myelin.examples.bank.AccountOpened;
 * import dev.myelin.examples.bank.AccountState;
 * import dev.myelin.examples.bank.Bank;
 * import dev.myelin.examples.bank.Deposited;
 * import dev.myelin.examples.bank.Withdraw;
 * import dev.myelin.examples.bank.Withdrawn;
 * import dev.myelin.examples.shop.CheckOrder;
 * import dev.myelin.examples.shop.OrderPlaced;
 * import dev.myelin.examples.shop.RejectOrder;
 * import dev.myelin.examples.shop.ReserveCredit;
 * import dev.myelin.examples.shop.Shop;
 * import dev.myelin.sagas.Participant;
 * import dev.myelin.sagas.SagaStatus;
 * import dev.myelin.schemas.AvroSerdes;
 * import dev.myelin.schemas.InMemorySchemaRegistry;
 * import dev.myelin.testkit.AggregateFixture;
 * import dev.myelin.testkit.ProjectionFixture;
 * import dev.myelin.testkit.SagaFixture;
 *
 * class BankAndShopTest {
 *     private static final InMemorySchemaRegistry REGISTRY = new InMemorySchemaRegistry();
 *
 *     @Test
 *     void anAccountPaysOutWhatItsBalanceCovers() {
 *         AggregateFixture.of(Account.TYPE)
 *                 .given(new AccountOpened("ada"), new Deposited(100L))
 *                 .when(new Withdraw(30L))
 *                 .thenEvents(new Withdrawn(30L))
 *                 .thenState(new AccountState(true, "ada", 70L));
 *         AggregateFixture.of(Account.TYPE)
 *                 .given(new AccountOpened("ada"))
 *                 .when(new Withdraw(1L))
 *                 .thenRejected(reason -> assertThat(reason).contains("overdraw"));
 *     }
 *
 *     @Test
 *     void theBalancesViewFoldsEachAccountsEvents() {
 *         ProjectionFixture.of(Bank.balances("bank", Bank.avro(REGISTRY), AvroSerdes.specific(AccountBalance.class, REGISTRY)))
 *                 .given("acc-1", new AccountOpened("ada"), new Deposited(10L), new Withdrawn(4L))
 *                 .given("acc-2", new AccountOpened("bob"))
 *                 .thenView("acc-1", new AccountBalance("ada", 6L, 2))
 *                 .thenView("acc-2", view -> assertThat(view.getBalance()).isZero())
 *                 .thenNoView("acc-3")
 *                 .thenNoDeadLetters();
 *     }
 *
 *     @Test
 *     void anOrderWithoutCreditIsRejected() {
 *         Serde<SpecificRecord> avro = Shop.avro(REGISTRY);
 *         // a participant is known by its topics: these are the ones Shop.placeOrder sends to
 *         Participant<SpecificRecord, CommandResult<SpecificRecord>> orders =
 *                 Participant.aggregate(AggregateTopics.of("shop", "order"), avro, avro);
 *         Participant<SpecificRecord, CommandResult<SpecificRecord>> customers =
 *                 Participant.aggregate(AggregateTopics.of("shop", "customer"), avro, avro);
 *
 *         SagaFixture.of(Shop.placeOrder("shop", avro))
 *                 .given(new OrderPlaced("o-1", "c-1", "sku-mug", 2, 2_400L))
 *                 .thenCommand(orders, "o-1", new CheckOrder("o-1"))
 *                 .reply(orders, SagaFixture.accepted())
 *                 .thenCommand(customers, "c-1", new ReserveCredit("o-1", 2_400L))
 *                 .reply(customers, SagaFixture.rejected("credit limit reached"))
 *                 .thenCommand(orders, "o-1", new RejectOrder("o-1"))   // the compensation of check-order
 *                 .reply(orders, SagaFixture.accepted())
 *                 .thenStatus(SagaStatus.COMPENSATED);
 *     }
 * }
 * }</pre>
 *
 * <p>Things the fixtures do for you, and their defaults:
 * <ul>
 *   <li>Values pass through the serdes they were given (events, state, commands, replies, views),
 *       so a serde that cannot round-trip a value fails the test, not production.</li>
 *   <li>A projection fixture writes each given event with the metadata the event store would: the
 *       aggregate id, that aggregate's next sequence from 1, the class's simple name as type, and a
 *       timestamp one second after the previous event's from 2026-01-01T00:00:00Z. Events are
 *       projected at the first {@code then} call.</li>
 *   <li>A saga fixture's clock moves only on {@code advanceTime}, so timeouts and retries take no
 *       real time; its stores are in memory and nothing needs closing.</li>
 *   <li>A failed expectation is an {@link AssertionError} that names the saga, step, key or event
 *       concerned.</li>
 * </ul>
 *
 * <p>For what needs a broker (exactly-once across a crash, rebalancing, a broker loss), write an
 * integration test with {@code dev.myelin.embedded}: {@code @MyelinKafka} starts real brokers and
 * {@code Await} waits for the outcome.
 */
package dev.myelin.testkit;
