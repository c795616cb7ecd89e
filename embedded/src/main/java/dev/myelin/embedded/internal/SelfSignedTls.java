package dev.myelin.embedded.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for {@code 127.0.0.1} in a PKCS12 key store, and a trust store that
 * holds only that certificate: enough for brokers on loopback to serve TLS and for clients to
 * verify them, host name included.
 *
 * <p>The JDK has no public API to issue a certificate, so this runs the JDK's own {@code keytool}
 * (it ships with every JDK and JRE since 9) rather than pulling in a crypto library.
 *
 * @param keyStore   the broker's key store (PKCS12)
 * @param trustStore the clients' trust store (PKCS12)
 * @param password   the password of both stores and of the key
 */
public record SelfSignedTls(Path keyStore, Path trustStore, String password) {

    private static final String ALIAS = "myelin-embedded";

    /**
     * Checks the components.
     *
     * @throws NullPointerException if any is null
     */
    public SelfSignedTls {
        Objects.requireNonNull(keyStore, "keyStore");
        Objects.requireNonNull(trustStore, "trustStore");
        Objects.requireNonNull(password, "password");
    }

    /**
     * Creates a new key pair and certificate, valid for two days, and both stores in {@code directory}.
     *
     * @param directory an existing folder for the stores
     * @param password  the stores' password, at least 6 characters (keytool's minimum)
     * @return the stores
     * @throws IllegalStateException if keytool fails
     */
    public static SelfSignedTls create(Path directory, String password) {
        Path keyStore = directory.resolve("broker.p12");
        Path certificate = directory.resolve("broker.crt");
        Path trustStore = directory.resolve("truststore.p12");
        keytool("-genkeypair", "-alias", ALIAS, "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1, O=Myelin embedded Kafka", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", password, "-keypass", password);
        keytool("-exportcert", "-rfc", "-alias", ALIAS, "-keystore", keyStore.toString(), "-storepass", password,
                "-file", certificate.toString());
        keytool("-importcert", "-noprompt", "-alias", ALIAS, "-file", certificate.toString(), "-storetype", "PKCS12",
                "-keystore", trustStore.toString(), "-storepass", password);
        return new SelfSignedTls(keyStore, trustStore, password);
    }

    /**
     * Returns the client settings that trust this certificate: trust store location, type and password.
     *
     * @return {@code ssl.truststore.*} settings
     */
    public Map<String, Object> clientTrust() {
        return Map.of(
                "ssl.truststore.location", trustStore.toString(),
                "ssl.truststore.type", "PKCS12",
                "ssl.truststore.password", password);
    }

    /**
     * Returns the broker settings that serve this certificate and trust it on inter-broker connections.
     *
     * @return {@code ssl.keystore.*}, {@code ssl.key.password} and {@code ssl.truststore.*} settings
     */
    public Map<String, String> brokerSettings() {
        return Map.of(
                "ssl.keystore.location", keyStore.toString(),
                "ssl.keystore.type", "PKCS12",
                "ssl.keystore.password", password,
                "ssl.key.password", password,
                "ssl.truststore.location", trustStore.toString(),
                "ssl.truststore.type", "PKCS12",
                "ssl.truststore.password", password);
    }

    private static void keytool(String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(arguments));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool " + arguments[0] + " did not finish in 60 s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("keytool " + arguments[0] + " failed with exit code " + process.exitValue()
                        + ": " + new String(output, StandardCharsets.UTF_8).strip());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run keytool from " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running keytool", e);
        }
    }
}
