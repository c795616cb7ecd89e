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
 * <h2>A complete saga</h2>
 * Placing an order reserves the customer's credit, then the stock, then approves the order; when
 * credit or stock is missing, what was reserved is released and the order rejected. Customer,
 * stock and order are Avro aggregate types of the application {@code shop}.
 * <pre>{@code
 * static SagaDefinition<OrderPlaced, PlaceOrderData> placeOrder(Myelin shop) {
 *     var customers = shop.participant(Customer.TYPE);        // commands to shop.customer.commands, replies its results
 *     var stock = shop.participant(Stock.TYPE);
 *     var orders = shop.participant(Order.TYPE);
 *     return SagaDefinition.named("place-order", OrderPlaced.class)
 *             .from(shop.events(Order.TYPE))                   // only OrderPlaced starts a saga
 *             .sagaId(OrderPlaced::getOrderId)
 *             .data(PlaceOrderData.class, placed -> new PlaceOrderData(placed.getOrderId(), placed.getCustomerId(),
 *                     placed.getSku(), placed.getQuantity(), placed.getTotal()))
 *             .step("reserve-credit")
 *                 .invoke(customers, PlaceOrderData::getCustomerId, d -> new ReserveCredit(d.getOrderId(), d.getTotal()))
 *                 .compensate(d -> new ReleaseCredit(d.getOrderId()))
 *                 .timeout(Duration.ofSeconds(30))
 *             .step("reserve-stock")
 *                 .invoke(stock, PlaceOrderData::getSku, d -> new ReserveStock(d.getOrderId(), d.getQuantity()))
 *                 .compensate(d -> new ReleaseStock(d.getOrderId()))
 *                 .timeout(Duration.ofSeconds(30))
 *                 .retry(RetryPolicy.attempts(3).backoff(Duration.ofSeconds(1)))
 *             .step("approve")                                 // the pivot: no compensation, waits for its answer
 *                 .invoke(orders, PlaceOrderData::getOrderId, d -> new ApproveOrder(d.getOrderId()))
 *             .build();
 * }
 *
 * try (Myelin shop = Myelin.application("shop").bootstrapServers(servers).schemaRegistry(registryUrl).build()) {
 *     shop.eventStore(Customer.TYPE);                           // the event stores first: they create the topics
 *     shop.eventStore(Stock.TYPE);
 *     EventStore<OrderState, SpecificRecord, SpecificRecord> orders = shop.eventStore(Order.TYPE);
 *     SagaRuntime<OrderPlaced, PlaceOrderData> sagas = shop.saga(placeOrder(shop));
 *     orders.gateway().send("o-1", new PlaceOrder("o-1", "c-1", "sku-mug", 2, 2_400L)).join();
 *     Optional<SagaState<PlaceOrderData>> saga = sagas.state("o-1");   // RUNNING, then COMPLETED or COMPENSATED
 * }
 * }</pre>
 * A saga runtime alone takes a {@code MyelinConfig}: {@code SagaRuntime.builder(definition, config).start()},
 * with participants made by {@link dev.myelin.sagas.Participant#aggregate} or
 * {@link dev.myelin.sagas.Participant#service}. {@link dev.myelin.sagas.SagaDefinition#toMermaid()}
 * draws the saga.
 *
 * <h2>Replies, typed</h2>
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
 *
 * <h2>Meters</h2>
 * With {@code MyelinConfig.Builder.meterRegistry} a saga runtime shows these meters, tagged
 * {@code application} and {@code saga}, beside Kafka Streams' own metrics. Counters come from its
 * log's transitions, counted as processed; gauges read this instance's stores.
 * <table>
 * <caption>Saga meters</caption>
 * <tr><th>Name</th><th>Type</th><th>What</th><th>Other tags</th></tr>
 * <tr><td>{@code myelin.sagas.started}, {@code .completed}, {@code .compensated}, {@code .failed}</td><td>counter</td>
 *     <td>sagas by how they went</td><td></td></tr>
 * <tr><td>{@code myelin.saga.steps}</td><td>counter</td><td>step answers</td><td>{@code step}, {@code outcome}
 *     (succeeded, failed, timed_out)</td></tr>
 * <tr><td>{@code myelin.saga.step.latency}</td><td>timer</td><td>from a step's first command to its answer</td><td>{@code step}</td></tr>
 * <tr><td>{@code myelin.sagas.in.flight}</td><td>gauge</td><td>sagas waiting for the step's command or its compensation
 *     (the saga store read through, at most every 5 s)</td><td>{@code step}</td></tr>
 * <tr><td>{@code myelin.saga.deadlines.due}</td><td>gauge</td><td>deadlines passed and not handled yet: above 0 for long, the
 *     runtime is behind</td><td></td></tr>
 * <tr><td>{@code myelin.dead.letters}</td><td>counter</td><td>triggers and replies dead-lettered</td><td>{@code topic}</td></tr>
 * </table>
 *
 * <h2>Spans</h2>
 * With {@code MyelinConfig.Builder.openTelemetry} each trigger and reply a saga handles is a consumer
 * span {@code process <inbox topic>} ({@code messaging.system=kafka}, {@code messaging.destination.name},
 * {@code messaging.operation.type=process}), a child of the record's {@code traceparent}, and the
 * commands it sends carry that span's context: the participant's processing span is its child.
 */
package dev.myelin.sagas;
