package dev.myelin.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * An ordered list of {@link Upcaster}s applied on read. Each event goes to the first upcaster that
 * handles its schema; every result goes through the chain again, so upcasters for v1→v2 and v2→v3
 * compose. An event no upcaster handles is returned as it is.
 *
 * <pre>{@code
 * UpcasterChain upcasters = UpcasterChain.of(
 *         Upcaster.renamed("bank.FundsAdded", MoneyDeposited.getClassSchema()));
 * Serde<SpecificRecord> serde = AvroSerdes.specific(AvroSerdeConfig.builder(registry)
 *         .upcasters(upcasters)
 *         .build());
 * }</pre>
 *
 * <p>Immutable and safe for use by many threads when its upcasters are.
 */
public final class UpcasterChain {

    /** How often one event may be upcast in a row before the chain is declared to loop. */
    static final int MAX_STEPS = 32;

    private static final UpcasterChain EMPTY = new UpcasterChain(List.of());

    private final List<Upcaster> upcasters;

    private UpcasterChain(List<Upcaster> upcasters) {
        this.upcasters = upcasters;
    }

    /**
     * Returns a chain that upcasts nothing.
     *
     * @return the empty chain
     */
    public static UpcasterChain empty() {
        return EMPTY;
    }

    /**
     * Returns a chain of the given upcasters, tried in order.
     *
     * @param upcasters the upcasters
     * @return the chain
     */
    public static UpcasterChain of(Upcaster... upcasters) {
        return of(List.of(upcasters));
    }

    /**
     * Returns a chain of the given upcasters, tried in order.
     *
     * @param upcasters the upcasters
     * @return the chain
     */
    public static UpcasterChain of(List<Upcaster> upcasters) {
        return new UpcasterChain(List.copyOf(upcasters));
    }

    /**
     * Tells whether the chain has no upcasters.
     *
     * @return true when empty
     */
    public boolean isEmpty() {
        return upcasters.isEmpty();
    }

    /**
     * Tells whether some upcaster handles events written with {@code writerSchema}. A reader decides
     * once per writer schema whether to take the (slower) upcasting path.
     *
     * @param writerSchema the schema an event was written with
     * @return true if {@link #apply} would change such an event
     */
    public boolean appliesTo(Schema writerSchema) {
        Objects.requireNonNull(writerSchema, "writerSchema");
        for (Upcaster u : upcasters) {
            if (u.appliesTo(writerSchema)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Upcasts one event as far as the chain goes.
     *
     * @param event the event, decoded with its writer's schema
     * @return its current form: the event itself when no upcaster handles it, several events after a
     *         split, none when dropped
     * @throws UpcastingException                 if an upcaster throws or returns null, or the chain goes on
     *                                            for more than 32 steps (an upcaster whose result it handles
     *                                            again)
     * @throws SchemaRegistryUnavailableException if an upcaster throws it (it asked an unavailable registry):
     *                                            passed on unwrapped, since it is transient
     */
    public List<GenericRecord> apply(GenericRecord event) {
        Objects.requireNonNull(event, "event");
        List<GenericRecord> out = new ArrayList<>(1);
        apply(event, 0, out);
        return out;
    }

    private void apply(GenericRecord event, int depth, List<GenericRecord> out) {
        Schema schema = event.getSchema();
        Upcaster upcaster = null;
        for (Upcaster u : upcasters) {
            if (u.appliesTo(schema)) {
                upcaster = u;
                break;
            }
        }
        if (upcaster == null) {
            out.add(event);
            return;
        }
        if (depth >= MAX_STEPS) {
            throw new UpcastingException("upcasting " + schema.getFullName() + " did not end after " + MAX_STEPS
                    + " steps; an upcaster seems to return a form it handles again (" + upcaster + ")", null);
        }
        List<GenericRecord> next;
        try {
            next = upcaster.upcast(event);
        } catch (UpcastingException | SchemaRegistryUnavailableException e) {
            // An unavailable registry is transient: passed on as it is so the record is held, not declared poison.
            throw e;
        } catch (RuntimeException e) {
            throw new UpcastingException(upcaster + " failed on a " + schema.getFullName() + ": " + e, e);
        }
        if (next == null) {
            throw new UpcastingException(upcaster + " returned null for a " + schema.getFullName()
                    + "; return an empty list to drop an event", null);
        }
        for (GenericRecord r : next) {
            if (r == null) {
                throw new UpcastingException(upcaster + " returned a null event for a " + schema.getFullName(), null);
            }
            apply(r, depth + 1, out);
        }
    }

    @Override
    public String toString() {
        return "UpcasterChain" + upcasters;
    }
}
