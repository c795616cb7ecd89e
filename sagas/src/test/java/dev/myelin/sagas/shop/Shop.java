package dev.myelin.sagas.shop;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

import dev.myelin.eventstore.AggregateTopics;
import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.CommandResult;
import dev.myelin.eventstore.Decision;
import dev.myelin.eventstore.RetryPolicy;
import dev.myelin.schemas.AvroSerdes;
import dev.myelin.sagas.Participant;
import dev.myelin.sagas.SagaDefinition;
import dev.myelin.schemas.AvroSerdeConfig;
import dev.myelin.schemas.AvroSerdes;
import dev.myelin.schemas.SchemaRegistry;

/**
 * The order example: three aggregate types (customer credit, stock, order) and the saga that places
 * an order across them. Reservations are remembered per order, so reserving twice or releasing
 * something never reserved changes nothing: the aggregates are safe to retry against on their own.
 */
public final class Shop {
    private Shop() {
    }

    /** Customers: a credit limit and the credit reserved per order. */
    public static final AggregateType<CustomerState, SpecificRecord, SpecificRecord> CUSTOMER =
            AggregateType.<CustomerState, SpecificRecord, SpecificRecord>named("customer")
                    .initialState(new CustomerState(0L, 0L, Map.of()))
                    .decide(Shop::decideCustomer)
                    .evolve(Shop::evolveCustomer);

    /** Stock of one SKU: the quantity available and the quantity reserved per order. */
    public static final AggregateType<StockState, SpecificRecord, SpecificRecord> STOCK =
            AggregateType.<StockState, SpecificRecord, SpecificRecord>named("stock")
                    .initialState(new StockState(0, Map.of()))
                    .decide(Shop::decideStock)
                    .evolve(Shop::evolveStock);

    /** Orders: placed, then approved by the saga. */
    public static final AggregateType<OrderState, SpecificRecord, SpecificRecord> ORDER =
            AggregateType.<OrderState, SpecificRecord, SpecificRecord>named("order")
                    .initialState(new OrderState("NEW", "", "", 0, 0L))
                    .decide(Shop::decideOrder)
                    .evolve(Shop::evolveOrder);

    /**
     * Returns the serde of the shop's commands and events.
     *
     * @param registry the schema registry
     * @return the serde
     */
    public static Serde<SpecificRecord> avro(SchemaRegistry registry) {
        return AvroSerdes.specific(AvroSerdeConfig.builder(registry).trustedPackages("dev.myelin.sagas.shop").build());
    }

    /**
     * Returns a registry-free serde of the shop's commands and events (Avro single-object encoding),
     * for tests that run the shop in more than one JVM without a shared schema registry.
     *
     * @return the serde
     */
    public static Serde<SpecificRecord> singleObject() {
        return AvroSerdes.singleObject(OrderPlaced.class, OrderApproved.class, PlaceOrder.class, ApproveOrder.class, OpenCustomer.class,
                CustomerOpened.class, ReserveCredit.class, CreditReserved.class, ReleaseCredit.class, CreditReleased.class,
                AddStock.class, StockAdded.class, ReserveStock.class, StockReserved.class, ReleaseStock.class, StockReleased.class);
    }

    /**
     * Returns the place-order saga of the application {@code application}.
     *
     * @param application the application name
     * @param avro        the shop's serde
     * @param stockTimeout how long the stock step waits for a reply
     * @return the definition
     */
    public static SagaDefinition<OrderPlaced, PlaceOrderData> placeOrder(String application, Serde<SpecificRecord> avro,
                                                                         Duration stockTimeout) {
        return placeOrder(application, avro, stockTimeout, Optional.empty());
    }

    /**
     * Returns the place-order saga of the application {@code application}, with an overall time limit.
     *
     * @param application  the application name
     * @param avro         the shop's serde
     * @param stockTimeout how long the stock step waits for a reply
     * @param limit        the saga's time limit ({@code completeWithin}), if any
     * @return the definition
     */
    public static SagaDefinition<OrderPlaced, PlaceOrderData> placeOrder(String application, Serde<SpecificRecord> avro,
                                                                         Duration stockTimeout, Optional<Duration> limit) {
        Participant<SpecificRecord, CommandResult<SpecificRecord>> customers = participant(application, "customer", avro);
        Participant<SpecificRecord, CommandResult<SpecificRecord>> stock = participant(application, "stock", avro);
        Participant<SpecificRecord, CommandResult<SpecificRecord>> orders = participant(application, "order", avro);
        return limited(SagaDefinition.named("place-order", OrderPlaced.class)
                .from(AggregateTopics.of(application, "order").events(), avro)
                .sagaId(OrderPlaced::getOrderId)
                .data(PlaceOrderData.class, Shop::data), limit)
                .step("reserve-credit")
                    .invoke(customers, PlaceOrderData::getCustomerId, d -> new ReserveCredit(d.getOrderId(), d.getTotal()))
                    .compensate(d -> new ReleaseCredit(d.getOrderId()))
                .step("reserve-stock")
                    .invoke(stock, PlaceOrderData::getSku, d -> new ReserveStock(d.getOrderId(), d.getQuantity()))
                    .compensate(d -> new ReleaseStock(d.getOrderId()))
                    .timeout(stockTimeout)
                    .retry(RetryPolicy.attempts(3).backoff(Duration.ofMillis(100)))
                .step("approve")
                    .invoke(orders, PlaceOrderData::getOrderId, d -> new ApproveOrder(d.getOrderId()))
                .build();
    }

    /**
     * Returns the place-order saga that reserves credit and stock at the same time, then approves:
     * the same steps as {@link #placeOrder}, with the two reservations in a parallel group. If one
     * reservation fails, the other (once it answered or timed out) is released.
     *
     * @param application  the application name
     * @param avro         the shop's serde
     * @param stockTimeout how long the stock step waits for a reply
     * @return the definition
     */
    public static SagaDefinition<OrderPlaced, PlaceOrderData> placeOrderInParallel(String application, Serde<SpecificRecord> avro,
                                                                                   Duration stockTimeout) {
        return placeOrderInParallel(application, avro, stockTimeout, Optional.empty());
    }

    /**
     * Returns the place-order saga that reserves credit and stock at the same time, with an overall time limit.
     *
     * @param application  the application name
     * @param avro         the shop's serde
     * @param stockTimeout how long the stock step waits for a reply
     * @param limit        the saga's time limit ({@code completeWithin}), if any
     * @return the definition
     */
    public static SagaDefinition<OrderPlaced, PlaceOrderData> placeOrderInParallel(String application, Serde<SpecificRecord> avro,
                                                                                   Duration stockTimeout, Optional<Duration> limit) {
        Participant<SpecificRecord, CommandResult<SpecificRecord>> customers = participant(application, "customer", avro);
        Participant<SpecificRecord, CommandResult<SpecificRecord>> stock = participant(application, "stock", avro);
        Participant<SpecificRecord, CommandResult<SpecificRecord>> orders = participant(application, "order", avro);
        return limited(SagaDefinition.named("place-order-parallel", OrderPlaced.class)
                .from(AggregateTopics.of(application, "order").events(), avro)
                .sagaId(OrderPlaced::getOrderId)
                .data(PlaceOrderData.class, Shop::data), limit)
                .inParallel(reservations -> reservations
                        .step("reserve-credit")
                            .invoke(customers, PlaceOrderData::getCustomerId, d -> new ReserveCredit(d.getOrderId(), d.getTotal()))
                            .compensate(d -> new ReleaseCredit(d.getOrderId()))
                        .step("reserve-stock")
                            .invoke(stock, PlaceOrderData::getSku, d -> new ReserveStock(d.getOrderId(), d.getQuantity()))
                            .compensate(d -> new ReleaseStock(d.getOrderId()))
                            .timeout(stockTimeout)
                            .retry(RetryPolicy.attempts(3).backoff(Duration.ofMillis(100))))
                .step("approve")
                    .invoke(orders, PlaceOrderData::getOrderId, d -> new ApproveOrder(d.getOrderId()))
                .build();
    }

    private static Participant<SpecificRecord, CommandResult<SpecificRecord>> participant(String application, String aggregate,
                                                                                     Serde<SpecificRecord> avro) {
        return Participant.aggregate(AggregateTopics.of(application, aggregate), avro, avro);
    }

    private static SagaDefinition.StepsStage<OrderPlaced, PlaceOrderData> limited(
            SagaDefinition.FirstStepStage<OrderPlaced, PlaceOrderData> saga, Optional<Duration> limit) {
        return limit.isPresent() ? saga.completeWithin(limit.get()) : saga;
    }

    private static PlaceOrderData data(OrderPlaced e) {
        return new PlaceOrderData(e.getOrderId(), e.getCustomerId(), e.getSku(), e.getQuantity(), e.getTotal());
    }

    private static Decision<SpecificRecord> decideCustomer(CustomerState state, SpecificRecord command) {
        if (command instanceof OpenCustomer open) {
            return Decision.accept(new CustomerOpened(open.getCreditLimit()));
        }
        if (command instanceof ReserveCredit reserve) {
            if (state.getReservations().containsKey(reserve.getOrderId())) {
                return Decision.accept();
            }
            if (state.getReserved() + reserve.getAmount() > state.getCreditLimit()) {
                return Decision.reject("credit limit " + state.getCreditLimit() + " would be exceeded");
            }
            return Decision.accept(new CreditReserved(reserve.getOrderId(), reserve.getAmount()));
        }
        if (command instanceof ReleaseCredit release) {
            Long amount = state.getReservations().get(release.getOrderId());
            return amount == null ? Decision.accept() : Decision.accept(new CreditReleased(release.getOrderId(), amount));
        }
        return Decision.reject("customers do not handle " + command.getSchema().getName());
    }

    private static CustomerState evolveCustomer(CustomerState state, SpecificRecord event) {
        Map<String, Long> reservations = new HashMap<>(state.getReservations());
        if (event instanceof CustomerOpened opened) {
            return new CustomerState(opened.getCreditLimit(), state.getReserved(), reservations);
        }
        if (event instanceof CreditReserved reserved) {
            reservations.put(reserved.getOrderId(), reserved.getAmount());
            return new CustomerState(state.getCreditLimit(), state.getReserved() + reserved.getAmount(), reservations);
        }
        if (event instanceof CreditReleased released) {
            reservations.remove(released.getOrderId());
            return new CustomerState(state.getCreditLimit(), state.getReserved() - released.getAmount(), reservations);
        }
        return state;
    }

    private static Decision<SpecificRecord> decideStock(StockState state, SpecificRecord command) {
        if (command instanceof AddStock add) {
            return Decision.accept(new StockAdded(add.getQuantity()));
        }
        if (command instanceof ReserveStock reserve) {
            if (state.getReservations().containsKey(reserve.getOrderId())) {
                return Decision.accept();
            }
            if (reserve.getQuantity() > state.getAvailable()) {
                return Decision.reject("only " + state.getAvailable() + " in stock");
            }
            return Decision.accept(new StockReserved(reserve.getOrderId(), reserve.getQuantity()));
        }
        if (command instanceof ReleaseStock release) {
            Integer quantity = state.getReservations().get(release.getOrderId());
            return quantity == null ? Decision.accept() : Decision.accept(new StockReleased(release.getOrderId(), quantity));
        }
        return Decision.reject("stock does not handle " + command.getSchema().getName());
    }

    private static StockState evolveStock(StockState state, SpecificRecord event) {
        Map<String, Integer> reservations = new HashMap<>(state.getReservations());
        if (event instanceof StockAdded added) {
            return new StockState(state.getAvailable() + added.getQuantity(), reservations);
        }
        if (event instanceof StockReserved reserved) {
            reservations.put(reserved.getOrderId(), reserved.getQuantity());
            return new StockState(state.getAvailable() - reserved.getQuantity(), reservations);
        }
        if (event instanceof StockReleased released) {
            reservations.remove(released.getOrderId());
            return new StockState(state.getAvailable() + released.getQuantity(), reservations);
        }
        return state;
    }

    private static Decision<SpecificRecord> decideOrder(OrderState state, SpecificRecord command) {
        if (command instanceof PlaceOrder place) {
            if (!state.getStatus().equals("NEW")) {
                return Decision.accept();
            }
            return Decision.accept(new OrderPlaced(place.getOrderId(), place.getCustomerId(), place.getSku(), place.getQuantity(),
                    place.getTotal()));
        }
        if (command instanceof ApproveOrder approve) {
            return state.getStatus().equals("APPROVED") ? Decision.accept() : Decision.accept(new OrderApproved(approve.getOrderId()));
        }
        return Decision.reject("orders do not handle " + command.getSchema().getName());
    }

    private static OrderState evolveOrder(OrderState state, SpecificRecord event) {
        if (event instanceof OrderPlaced placed) {
            return new OrderState("PENDING", placed.getCustomerId(), placed.getSku(), placed.getQuantity(), placed.getTotal());
        }
        if (event instanceof OrderApproved) {
            return new OrderState("APPROVED", state.getCustomerId(), state.getSku(), state.getQuantity(), state.getTotal());
        }
        return state;
    }
}
