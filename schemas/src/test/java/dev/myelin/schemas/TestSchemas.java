package dev.myelin.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** Schemas of older event versions, kept as resources because their classes no longer exist. */
final class TestSchemas {

    /** AccountOpened before currency was added. */
    static final Schema ACCOUNT_OPENED_V1 = load("AccountOpened-v1.avsc");
    /** The event that was renamed to MoneyDeposited. */
    static final Schema FUNDS_ADDED = load("FundsAdded.avsc");

    private TestSchemas() {
    }

    static GenericRecord accountOpenedV1(String accountId, String owner) {
        GenericData.Record r = new GenericData.Record(ACCOUNT_OPENED_V1);
        r.put("accountId", accountId);
        r.put("owner", owner);
        return r;
    }

    static GenericRecord fundsAdded(String accountId, long sum) {
        GenericData.Record r = new GenericData.Record(FUNDS_ADDED);
        r.put("accountId", accountId);
        r.put("sum", sum);
        return r;
    }

    static Schema parse(String json) {
        return new Schema.Parser().parse(json);
    }

    private static Schema load(String name) {
        try (InputStream in = TestSchemas.class.getResourceAsStream("/schemas/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /schemas/" + name);
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
