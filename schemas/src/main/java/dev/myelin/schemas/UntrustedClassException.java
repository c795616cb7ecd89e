package dev.myelin.schemas;

/**
 * Thrown when a record would decode into a generated class outside the packages listed in
 * {@code myelin.avro.trusted.packages}. Myelin checks the name before it loads the class, so an
 * untrusted class is never initialised. Add its package to the trusted packages if it is yours.
 */
public class UntrustedClassException extends UndecodableRecordException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param origin    where the record came from
     * @param className the class the record's schema names
     * @param trusted   the trusted packages, as configured
     */
    public UntrustedClassException(RecordOrigin origin, String className, java.util.Collection<String> trusted) {
        super(origin, "class " + className + " is not in a trusted package " + trusted
                + "; add its package to myelin.avro.trusted.packages if it is yours", null);
    }
}
