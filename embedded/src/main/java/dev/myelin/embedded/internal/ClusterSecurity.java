package dev.myelin.embedded.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.SaslConfigs;

import dev.myelin.embedded.EmbeddedKafkaException;

/**
 * The security material of one embedded cluster, SASL/SCRAM credentials of its super user and a TLS
 * certificate, each optional, and the broker and client settings that follow from them.
 */
public final class ClusterSecurity {

    /** The super user of a secured cluster: the brokers, the controllers and the cluster's admin client. */
    public static final String SUPER_USER = "myelin-admin";
    private static final String SCRAM = "SCRAM-SHA-256";

    /** Null on a cluster without SASL. */
    private final String superUserPassword;
    /** Null on a cluster without TLS. */
    private final SelfSignedTls tls;

    private ClusterSecurity(String superUserPassword, SelfSignedTls tls) {
        this.superUserPassword = superUserPassword;
        this.tls = tls;
    }

    /**
     * Makes the material a cluster asks for: a random super user password for SASL, a fresh
     * certificate in {@code base/tls} for TLS.
     *
     * @param saslScram whether clients log in with SASL/SCRAM
     * @param tls       whether clients talk TLS
     * @param base      the cluster's data folder
     * @return the material, empty of both when neither is asked for
     * @throws EmbeddedKafkaException if the certificate's folder cannot be made
     */
    public static ClusterSecurity create(boolean saslScram, boolean tls, Path base) {
        // letters and digits only: the password goes into JAAS and format arguments unquoted
        String password = saslScram ? randomSecret() : null;
        if (!tls) {
            return new ClusterSecurity(password, null);
        }
        try {
            return new ClusterSecurity(password, SelfSignedTls.create(Files.createDirectories(base.resolve("tls")), randomSecret()));
        } catch (IOException e) {
            throw new EmbeddedKafkaException("cannot create a folder for the cluster's certificate in " + base, e);
        }
    }

    private static String randomSecret() {
        return Uuid.randomUuid().toString().replace("-", "");
    }

    /**
     * Returns whether clients must log in and are checked against ACLs.
     *
     * @return true with SASL/SCRAM
     */
    public boolean isSecured() {
        return superUserPassword != null;
    }

    /**
     * Returns whether clients talk to the brokers over TLS.
     *
     * @return true with TLS
     */
    public boolean usesTls() {
        return tls != null;
    }

    /**
     * Returns what a client needs besides {@code bootstrap.servers} to connect as the super user
     * (or, on a cluster without SASL, as anyone).
     *
     * @return client settings, mutable
     */
    public Map<String, Object> superUserClientSettings() {
        if (isSecured()) {
            return userClientSettings(SUPER_USER, superUserPassword);
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        if (usesTls()) {
            properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
            properties.putAll(tls.clientTrust());
        }
        return properties;
    }

    /**
     * Returns what a client needs besides {@code bootstrap.servers} to log in as {@code user}.
     *
     * @param user     the user
     * @param password its password
     * @return client settings, mutable
     */
    public Map<String, Object> userClientSettings(String user, String password) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, usesTls() ? "SASL_SSL" : "SASL_PLAINTEXT");
        if (usesTls()) {
            properties.putAll(tls.clientTrust());
        }
        properties.put(SaslConfigs.SASL_MECHANISM, SCRAM);
        properties.put(SaslConfigs.SASL_JAAS_CONFIG, jaas("org.apache.kafka.common.security.scram.ScramLoginModule", user, password, ""));
        return properties;
    }

    /**
     * Returns the {@code kafka-storage format} SCRAM arguments that give the super user its
     * credentials from the start, so that brokers can log in to each other before they read the
     * metadata log.
     *
     * @return the arguments, empty without SASL
     */
    List<String> scramFormatArguments() {
        return isSecured() ? List.of(SCRAM + "=[name=" + SUPER_USER + ",password=" + superUserPassword + "]") : List.of();
    }

    /**
     * Replaces a node's plaintext client listener with one that speaks SASL, TLS or both, and adds
     * the login, ACL and certificate settings: nothing happens on a cluster with neither.
     */
    void secure(Properties p, String clientListener, String controllerListener, int brokerPort, int controllerPort) {
        if (!isSecured() && !usesTls()) {
            return;
        }
        String clientProtocol = isSecured() ? (usesTls() ? "SASL_SSL" : "SASL_PLAINTEXT") : "SSL";
        String controllerProtocol = isSecured() ? "SASL_PLAINTEXT" : "PLAINTEXT";
        p.put("listeners", clientListener + "://127.0.0.1:" + brokerPort + "," + controllerListener + "://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", clientListener + "://127.0.0.1:" + brokerPort);
        p.put("listener.security.protocol.map", clientListener + ":" + clientProtocol + "," + controllerListener + ":" + controllerProtocol);
        p.put("inter.broker.listener.name", clientListener);
        if (isSecured()) {
            authenticateAndAuthorize(p, clientListener, controllerListener);
        }
        if (usesTls()) {
            p.putAll(tls.brokerSettings());
        }
    }

    /** Makes every listener take SASL logins only and turns ACL checks on. */
    private void authenticateAndAuthorize(Properties p, String clientListener, String controllerListener) {
        String client = clientListener.toLowerCase(Locale.ROOT);
        String controller = controllerListener.toLowerCase(Locale.ROOT);
        // SCRAM credentials live in the metadata log, so clients and brokers may use them once it is
        // read; the controllers form that log, so they log in to each other with PLAIN
        p.put("listener.name." + client + ".sasl.enabled.mechanisms", SCRAM);
        p.put("sasl.mechanism.inter.broker.protocol", SCRAM);
        p.put("listener.name." + client + ".scram-sha-256.sasl.jaas.config",
                jaas("org.apache.kafka.common.security.scram.ScramLoginModule", SUPER_USER, superUserPassword, ""));
        p.put("listener.name." + controller + ".sasl.enabled.mechanisms", "PLAIN");
        p.put("sasl.mechanism.controller.protocol", "PLAIN");
        p.put("listener.name." + controller + ".plain.sasl.jaas.config",
                jaas("org.apache.kafka.common.security.plain.PlainLoginModule", SUPER_USER, superUserPassword,
                        " user_" + SUPER_USER + "=\"" + superUserPassword + "\""));
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:" + SUPER_USER);
        p.put("allow.everyone.if.no.acl.found", "false");
    }

    private static String jaas(String loginModule, String user, String password, String extra) {
        return loginModule + " required username=\"" + user + "\" password=\"" + password + "\"" + extra + ";";
    }
}
