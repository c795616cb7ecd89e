package dev.myelin.examples.shop;

import java.util.HashMap;
import java.util.Map;

import org.apache.avro.specific.SpecificRecord;

import dev.myelin.eventstore.AggregateType;
import dev.myelin.eventstore.Decision;

/**
 * The stock of one SKU (the aggregate id): units available, and units held per order.
 *
 * <pre>{@code
 * stock.gateway().send("sku-mug", new AddStock(500));
 * stock.gateway().send("sku-mug", new ReserveStock("o-1", 2));   // Accepted: StockReserved
 * }</pre>
 *
 * <p>As with {@link Customer}, reservations are remembered per order so that retries and stray
 * releases change nothing.
 */
public final class Stock {
    /** The aggregate type, run by an {@code EventStore} and tested with {@code AggregateFixture}. */
    public static final AggregateType<StockState, SpecificRecord, SpecificRecord> TYPE =
            AggregateType.<StockState, SpecificRecord, SpecificRecord>named("stock")
                    .initialState(new StockState(0, Map.of()))
                    .decide(Stock::decide)
                    .evolve(Stock::evolve);

    private Stock() {
    }

    static Decision<SpecificRecord> decide(StockState stock, SpecificRecord command) {
        if (command instanceof AddStock add) {
            return add.getQuantity() < 0
                    ? Decision.reject("cannot add a negative quantity: " + add.getQuantity())
                    : Decision.accept(new StockAdded(add.getQuantity()));
        }
        if (command instanceof ReserveStock reserve) {
            if (stock.getReservations().containsKey(reserve.getOrderId())) {
                return Decision.accept();
            }
            return reserve.getQuantity() > stock.getAvailable()
                    ? Decision.reject("only " + stock.getAvailable() + " in stock, " + reserve.getQuantity() + " wanted")
                    : Decision.accept(new StockReserved(reserve.getOrderId(), reserve.getQuantity()));
        }
        if (command instanceof ReleaseStock release) {
            Integer quantity = stock.getReservations().get(release.getOrderId());
            return quantity == null ? Decision.accept() : Decision.accept(new StockReleased(release.getOrderId(), quantity));
        }
        return Decision.reject("stock does not handle " + command.getSchema().getName());
    }

    static StockState evolve(StockState stock, SpecificRecord event) {
        Map<String, Integer> reservations = new HashMap<>(stock.getReservations());
        if (event instanceof StockAdded added) {
            return new StockState(stock.getAvailable() + added.getQuantity(), reservations);
        }
        if (event instanceof StockReserved reserved) {
            reservations.put(reserved.getOrderId(), reserved.getQuantity());
            return new StockState(stock.getAvailable() - reserved.getQuantity(), reservations);
        }
        if (event instanceof StockReleased released) {
            reservations.remove(released.getOrderId());
            return new StockState(stock.getAvailable() + released.getQuantity(), reservations);
        }
        throw new IllegalArgumentException("Stock.evolve has no case for " + event.getSchema().getName());
    }
}
