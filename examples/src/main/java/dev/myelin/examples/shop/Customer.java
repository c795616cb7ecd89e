package dev.myelin.examples.shop;

import java.util.HashMap;
import java.util.Map;

import org.apache.avro.specific.SpecificRecord;

import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.Decision;

/**
 * A customer's credit: a limit, and the credit held per order. The saga reserves credit before it
 * reserves stock and releases it when a later step fails.
 *
 * <pre>{@code
 * customers.gateway().send("c-1", new OpenCustomer(100_000L));
 * customers.gateway().send("c-1", new ReserveCredit("o-1", 2_500L));   // Accepted: CreditReserved
 * }</pre>
 *
 * <p>Reservations are remembered per order, so reserving twice or releasing what was never reserved
 * changes nothing: the saga may retry a step without the customer paying twice.
 */
public final class Customer {
    /** The aggregate type, run by an {@code EventStore} and tested with {@code AggregateFixture}. */
    public static final AggregateType<CustomerState, SpecificRecord, SpecificRecord> TYPE =
            AggregateType.<CustomerState, SpecificRecord, SpecificRecord>named("customer")
                    .initialState(new CustomerState(0L, 0L, Map.of()))
                    .decide(Customer::decide)
                    .evolve(Customer::evolve);

    private Customer() {
    }

    static Decision<SpecificRecord> decide(CustomerState customer, SpecificRecord command) {
        if (command instanceof OpenCustomer open) {
            return Decision.accept(new CustomerOpened(open.getCreditLimit()));
        }
        if (command instanceof ReserveCredit reserve) {
            if (customer.getReservations().containsKey(reserve.getOrderId())) {
                return Decision.accept();
            }
            long wanted = customer.getReserved() + reserve.getAmount();
            return wanted > customer.getCreditLimit()
                    ? Decision.reject("credit limit " + customer.getCreditLimit() + " would be exceeded: " + wanted)
                    : Decision.accept(new CreditReserved(reserve.getOrderId(), reserve.getAmount()));
        }
        if (command instanceof ReleaseCredit release) {
            Long amount = customer.getReservations().get(release.getOrderId());
            return amount == null ? Decision.accept() : Decision.accept(new CreditReleased(release.getOrderId(), amount));
        }
        return Decision.reject("customers do not handle " + command.getSchema().getName());
    }

    static CustomerState evolve(CustomerState customer, SpecificRecord event) {
        Map<String, Long> reservations = new HashMap<>(customer.getReservations());
        if (event instanceof CustomerOpened opened) {
            return new CustomerState(opened.getCreditLimit(), customer.getReserved(), reservations);
        }
        if (event instanceof CreditReserved reserved) {
            reservations.put(reserved.getOrderId(), reserved.getAmount());
            return new CustomerState(customer.getCreditLimit(), customer.getReserved() + reserved.getAmount(), reservations);
        }
        if (event instanceof CreditReleased released) {
            reservations.remove(released.getOrderId());
            return new CustomerState(customer.getCreditLimit(), customer.getReserved() - released.getAmount(), reservations);
        }
        throw new IllegalArgumentException("Customer.evolve has no case for " + event.getSchema().getName());
    }
}
