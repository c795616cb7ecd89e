package dev.myelin.eventstore;

/**
 * The record headers of a command on a commands topic, for code that sends commands without a
 * {@link CommandGateway} (a saga, a connector). All values are UTF-8 text.
 */
public final class CommandHeaders {
    /** The command's id; results are keyed by it and a repeated id returns the first result. */
    public static final String COMMAND_ID = "myelin.command-id";
    /**
     * Says that a sender reads the command's result, and where. The result is written to the topic
     * named here when that is the aggregate's command-results topic or a topic the event store answers
     * on ({@code MyelinConfig.replyTopics()}: by default a saga's inbox), which exists and which the
     * store's application may write to; any other name, and any while the store is still asking the
     * cluster about it, is answered on the command-results topic. On the result, this header names the
     * topic it was written to. Present: a command that cannot be processed is answered {@code Rejected}
     * with the reason. Absent (a fire-and-forget producer): such a command goes to the dead-letter topic
     * with the reason in {@link #ERROR}, where someone will look.
     */
    public static final String REPLY_TO = "myelin.reply-to";
    /**
     * The key of the result when it is written to a {@link #REPLY_TO} topic other than the
     * command-results topic (a saga gives its saga id, so that the reply reaches the task that owns the
     * saga); absent, the command id. Results on the command-results topic are always keyed by command
     * id. A result written elsewhere carries the command id in {@link #COMMAND_ID}.
     */
    public static final String REPLY_KEY = "myelin.reply-key";
    /** The version the aggregate must be at, as a decimal number; absent means any version. */
    public static final String EXPECTED_VERSION = "myelin.expected-version";
    /** What the record asks for: {@link #TYPE_COMMAND} (the default), {@link #TYPE_APPEND} or {@link #TYPE_FORGET}. */
    public static final String COMMAND_TYPE = "myelin.command-type";
    /** The id shared by every message of one business transaction; defaults to the command id. */
    public static final String CORRELATION_ID = "myelin.correlation-id";
    /** The id of the message that caused this command; defaults to the command id. */
    public static final String CAUSATION_ID = "myelin.causation-id";
    /** Set on dead letters and on results of failed commands: what went wrong. */
    public static final String ERROR = "myelin.error";

    /** The value is one command, for {@code decide}. */
    public static final String TYPE_COMMAND = "command";
    /** The value is a list of already-decided events to append (see {@link EventStore#append}). */
    public static final String TYPE_APPEND = "append";
    /** The value is empty; erase the aggregate (see {@link EventStore#forget}). */
    public static final String TYPE_FORGET = "forget";

    private CommandHeaders() {
    }
}
