package dev.myelin.eventstore;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;

/**
 * The failure of every {@link CommandGateway#send} future of a gateway that stopped reading results
 * for good, for instance because its principal lost READ on the command-results topic or its TLS or
 * SASL credentials were refused. The cause is the error that stopped it. A command sent before the
 * failure may still be processed: start a new gateway once the cause is fixed and resend with the
 * same command id to learn its result without running it twice.
 */
public class GatewayFailedException extends MyelinEventStoreException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param resultsTopic the command-results topic the gateway read
     * @param cause        the error that stopped it
     */
    public GatewayFailedException(String resultsTopic, Throwable cause) {
        super("the command gateway stopped reading results from " + resultsTopic + " because of " + cause
                + "; " + fix(resultsTopic, cause) + ", then start a new gateway; a command sent before may still be processed: "
                + "resend it with the same command id (SendOptions.withCommandId) to learn its result without running it twice",
                cause);
    }

    private static String fix(String resultsTopic, Throwable cause) {
        if (cause instanceof AuthorizationException) {
            return "allow the gateway's principal READ and DESCRIBE on topic " + resultsTopic
                    + " (it reads without a consumer group) and WRITE on the commands topic";
        }
        if (cause instanceof AuthenticationException) {
            return "fix the gateway's security settings (security.protocol, sasl.*, ssl.*): its credentials or "
                    + "certificates were refused";
        }
        return "fix the cause";
    }
}
