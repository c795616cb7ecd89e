package dev.myelin.examples.shop;

import org.apache.avro.specific.SpecificRecord;

import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.Decision;

/**
 * An order: placed ({@code PENDING}), then {@code APPROVED} or {@code REJECTED} by the place-order
 * saga. The order knows nothing of credit or stock; the saga decides and tells it.
 *
 * <pre>{@code
 * orders.gateway().send("o-1", new PlaceOrder("o-1", "c-1", "sku-mug", 2, 2_500L));
 * // OrderPlaced starts the saga, which ends by sending ApproveOrder or RejectOrder
 * }</pre>
 *
 * <p>Placing, approving and rejecting again are accepted without events, so a retried command does
 * nothing twice; an approved order cannot be rejected, nor a rejected one approved.
 */
public final class Order {
    /** The aggregate type, run by an {@code EventStore} and tested with {@code AggregateFixture}. */
    public static final AggregateType<OrderState, SpecificRecord, SpecificRecord> TYPE =
            AggregateType.<OrderState, SpecificRecord, SpecificRecord>named("order")
                    .initialState(new OrderState(OrderStatus.NEW, "", "", 0, 0L))
                    .decide(Order::decide)
                    .evolve(Order::evolve);

    private Order() {
    }

    static Decision<SpecificRecord> decide(OrderState order, SpecificRecord command) {
        OrderStatus status = order.getStatus();
        if (command instanceof PlaceOrder place) {
            if (status != OrderStatus.NEW) {
                return Decision.accept();
            }
            if (place.getQuantity() <= 0 || place.getTotal() < 0) {
                return Decision.reject("an order needs a positive quantity and a total of 0 or more");
            }
            return Decision.accept(new OrderPlaced(place.getOrderId(), place.getCustomerId(), place.getSku(), place.getQuantity(),
                    place.getTotal()));
        }
        if (command instanceof CheckOrder) {
            return status == OrderStatus.PENDING ? Decision.accept() : Decision.reject("order is " + status + ", not PENDING");
        }
        if (command instanceof ApproveOrder approve) {
            return switch (status) {
                case PENDING -> Decision.accept(new OrderApproved(approve.getOrderId(), order.getTotal()));
                case APPROVED -> Decision.accept();
                default -> Decision.reject("cannot approve an order that is " + status);
            };
        }
        if (command instanceof RejectOrder reject) {
            return switch (status) {
                case PENDING -> Decision.accept(new OrderRejected(reject.getOrderId()));
                case REJECTED -> Decision.accept();
                default -> Decision.reject("cannot reject an order that is " + status);
            };
        }
        return Decision.reject("orders do not handle " + command.getSchema().getName());
    }

    static OrderState evolve(OrderState order, SpecificRecord event) {
        if (event instanceof OrderPlaced placed) {
            return new OrderState(OrderStatus.PENDING, placed.getCustomerId(), placed.getSku(), placed.getQuantity(), placed.getTotal());
        }
        if (event instanceof OrderApproved) {
            return withStatus(order, OrderStatus.APPROVED);
        }
        if (event instanceof OrderRejected) {
            return withStatus(order, OrderStatus.REJECTED);
        }
        throw new IllegalArgumentException("Order.evolve has no case for " + event.getSchema().getName());
    }

    private static OrderState withStatus(OrderState order, OrderStatus status) {
        return new OrderState(status, order.getCustomerId(), order.getSku(), order.getQuantity(), order.getTotal());
    }
}
