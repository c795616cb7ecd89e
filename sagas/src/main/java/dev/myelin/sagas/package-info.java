/**
 * Sagas: business transactions across services that each own their data, written in a small DSL
 * and run exactly once on Kafka Streams.
 *
 * <p>A {@link dev.myelin.sagas.SagaDefinition} names the event that starts a saga, how its id and
 * typed data come from that event, and ordered steps: the command each step sends to which
 * {@link dev.myelin.sagas.Participant}, how a success updates the data, the compensation that undoes
 * the step, its timeout and its {@link dev.myelin.eventstore.RetryPolicy}. Steps that do not depend on
 * each other can run at the same time in a parallel group (a fork and a join), and a saga can have
 * an overall time limit. A
 * {@link dev.myelin.sagas.SagaRuntime} runs a definition as one Kafka Streams application with
 * {@code exactly_once_v2}: a saga's state change and the command it sends commit in one
 * transaction. {@code dev.myelin.testkit.SagaFixture} tests a definition without a broker.
 *
 * <p>Steps read replies as their own types, so saga code never casts one: {@code onReply} names the
 * reply types of a service that are a success, and {@code onEvent} reads the events of an
 * aggregate's accepted result.
 *
 * <pre>{@code
 * SagaDefinition<OrderPlaced, PlaceOrderData> placeOrder = SagaDefinition.named("place-order", OrderPlaced.class)
 *         .from("shop.order.events", avro)
 *         .sagaId(OrderPlaced::getOrderId)
 *         .data(PlaceOrderData.class, e -> new PlaceOrderData(e.getOrderId(), e.getCustomerId(), e.getTotal()))
 *         .step("reserve-credit")
 *             .invoke(customers, PlaceOrderData::getCustomerId, d -> new ReserveCredit(d.getOrderId(), d.getTotal()))
 *             .onEvent(CreditReserved.class, (d, reserved) -> d.withReservationId(reserved.getReservationId()))
 *             .compensate(d -> new ReleaseCredit(d.getOrderId()))
 *         .step("charge")
 *             .invoke(payments, PlaceOrderData::getOrderId, d -> new Charge(d.getOrderId(), d.getTotal()))
 *             .onReply(Paid.class, (d, paid) -> d.withPaymentId(paid.getPaymentId()))   // Declined fails the step
 *             .timeout(Duration.ofSeconds(30))
 *         .build();
 *
 * SagaFixture.of(placeOrder)
 *         .given(new OrderPlaced("o-1", "c-1", 30L))
 *         .thenCommand(customers, "c-1", new ReserveCredit("o-1", 30L))
 *         .reply(customers, new CommandResult.Accepted<>(4, List.of(new CreditReserved("o-1", "r-7"))))
 *         .thenCommand(payments, "o-1", new Charge("o-1", 30L))
 *         .reply(payments, new Declined("o-1", "card expired"))
 *         .thenCommand(customers, "c-1", new ReleaseCredit("o-1"))
 *         .reply(customers, SagaFixture.accepted())
 *         .thenStatus(SagaStatus.COMPENSATED);
 * }</pre>
 */
package dev.myelin.sagas;
