package dev.myelin.eventstore;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * The failure of a {@link CommandGateway#send} future whose result did not arrive in time. The
 * command may still be processed: send it again with the same command id to learn its result
 * without running it twice.
 */
public class CommandTimeoutException extends TimeoutException {
    private static final long serialVersionUID = 1L;

    private final String commandId;

    /**
     * Creates the exception.
     *
     * @param commandId the command that timed out
     * @param aggregateId the aggregate it was sent to
     * @param timeout   how long the gateway waited
     */
    public CommandTimeoutException(String commandId, String aggregateId, Duration timeout) {
        super("no result for command " + commandId + " (aggregate " + aggregateId + ") within " + timeout
                + "; it may still be processed: resend it with the same command id (SendOptions.withCommandId) "
                + "to get its result without running it twice");
        this.commandId = commandId;
    }

    /**
     * Returns the id of the command that timed out.
     *
     * @return the command id
     */
    public String commandId() {
        return commandId;
    }
}
