package dev.myelin.examples.bank;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

import dev.myelin.schemas.AvroSerdeConfig;
import dev.myelin.schemas.AvroSerdes;
import dev.myelin.schemas.SchemaRegistry;

/** The bank's serdes: Avro in the Confluent wire format, one registry subject per record type. */
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
}
