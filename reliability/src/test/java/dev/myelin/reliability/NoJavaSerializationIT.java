package dev.myelin.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.myelin.examples.bank.Bank;
import dev.myelin.schemas.InMemorySchemaRegistry;
import dev.myelin.schemas.SubjectNameStrategy;
import dev.myelin.schemas.UntrustedClassException;

/**
 * No Java serialization anywhere in Myelin's main code, and Avro's specific decoding only
 * instantiates classes of the packages an application trusts: the two ways a record off a topic
 * could otherwise choose which class the consumer loads.
 */
@Tag("reliability")
class NoJavaSerializationIT {
    /** APIs that read or write Java's serialization format, or that deserialize objects from XML by class name. */
    private static final Pattern JAVA_SERIALIZATION = Pattern.compile(
            "\\bObjectInputStream\\b|\\bObjectOutputStream\\b|\\bExternalizable\\b|\\bXMLDecoder\\b|\\breadObject\\s*\\(|\\bSerializationUtils\\b");
    private static final Pattern IMPLEMENTS_SERIALIZABLE = Pattern.compile("\\bimplements\\b[^{]*\\bSerializable\\b");
    /**
     * Data classes allowed to be Serializable, each for a reason that is not data on a wire:
     * RecordOrigin is a field of the decoding exceptions, and exceptions are Serializable by Java's design.
     */
    private static final Set<String> SERIALIZABLE_ALLOWED = Set.of("RecordOrigin.java");

    @Test
    void noMainSourceUsesJavaSerializationAndOnlyExceptionPartsAreSerializable() throws IOException {
        Path root = Path.of(System.getProperty("myelin.sources.root", "..")).toAbsolutePath().normalize();
        List<Path> sources = mainSources(root);
        assertThat(sources).as("main sources under %s", root).hasSizeGreaterThan(50);
        List<String> serialization = new ArrayList<>();
        List<String> serializable = new ArrayList<>();
        for (Path source : sources) {
            String text = Files.readString(source, StandardCharsets.UTF_8);
            if (JAVA_SERIALIZATION.matcher(text).find()) {
                serialization.add(root.relativize(source).toString());
            }
            if (IMPLEMENTS_SERIALIZABLE.matcher(text).find() && !SERIALIZABLE_ALLOWED.contains(source.getFileName().toString())) {
                serializable.add(root.relativize(source).toString());
            }
        }
        assertThat(serialization).as("main sources using Java serialization").isEmpty();
        assertThat(serializable).as("main sources implementing Serializable outside the allow-list").isEmpty();
    }

    @Test
    void theGrepFindsWhatItLooksFor() {
        // the patterns must match real uses, or the test above proves nothing
        assertThat(JAVA_SERIALIZATION.matcher("var in = new ObjectInputStream(bytes);").find()).isTrue();
        assertThat(JAVA_SERIALIZATION.matcher("Object o = in.readObject ();").find()).isTrue();
        assertThat(IMPLEMENTS_SERIALIZABLE.matcher("final class Money implements Comparable<Money>, java.io.Serializable {").find()).isTrue();
        assertThat(IMPLEMENTS_SERIALIZABLE.matcher("final class Money implements Comparable<Money> {").find()).isFalse();
    }

    @Test
    void specificDecodingRefusesAClassOutsideTheTrustedPackagesBeforeLoadingIt() throws IOException {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        Serde<SpecificRecord> bank = Bank.avro(registry); // trusts dev.myelin.examples.bank only
        // a record whose schema names a JDK class, as a hostile producer could register it
        Schema hostile = SchemaBuilder.record("BadAttributeValueExpException").namespace("javax.management")
                .fields().requiredString("val").endRecord();
        int id = registry.register(SubjectNameStrategy.RECORD.subjectName("bank.account.commands", false, hostile), hostile);
        GenericRecord record = new GenericData.Record(hostile);
        record.put("val", "gadget");
        byte[] bytes = wireFormat(id, hostile, record);

        assertThatThrownBy(() -> bank.deserializer().deserialize("bank.account.commands", bytes))
                .isInstanceOf(UntrustedClassException.class)
                .hasMessageContaining("javax.management.BadAttributeValueExpException")
                .hasMessageContaining("not in a trusted package")
                .hasMessageContaining("dev.myelin.examples.bank");
    }

    private static byte[] wireFormat(int id, Schema schema, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static List<Path> mainSources(Path root) throws IOException {
        List<Path> sources = new ArrayList<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : modules.filter(Files::isDirectory).toList()) {
                Path main = module.resolve("src/main/java");
                if (Files.isDirectory(main)) {
                    try (Stream<Path> files = Files.walk(main)) {
                        files.filter(f -> f.toString().endsWith(".java")).forEach(sources::add);
                    }
                }
            }
        }
        return sources;
    }
}
