package dev.myelin.eventstore.internal;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.TopicAuthorizationException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which topic a command's result is written to. A command names one in its
 * {@code myelin.reply-to} header; the result goes there only when the name is the aggregate's
 * command-results topic, or a topic whose name the event store answers on
 * ({@link dev.myelin.eventstore.MyelinConfig#replyTopics()}, by default a saga's inbox) and which this application has been seen to be allowed to write to. Anything else
 * is answered on the command-results topic, where a saga's reply router still finds it: a reply address
 * the store does not take costs a hop, never a result. The check is asked of the cluster in the
 * background, so a command never waits for it; until it answers, results go to the command-results topic.
 *
 * <p>Why a check at all: a producer writing to a topic that does not exist, or one it may not write to,
 * fails the whole transaction, and the same command would fail it again after every restart.
 */
public final class ReplyTopics implements AutoCloseable {
    /** How long a topic found unusable is not asked about again. */
    static final long RECHECK_MS = 30_000;
    private static final Logger log = LoggerFactory.getLogger(ReplyTopics.class);

    private final String results;
    private final Pattern pattern;
    private final Optional<Supplier<Admin>> cluster;
    private final LongSupplier clock;
    private final Map<String, Verdict> verdicts = new ConcurrentHashMap<>();
    private volatile Admin admin;
    private volatile boolean closed;

    private ReplyTopics(String results, Pattern pattern, Optional<Supplier<Admin>> cluster, LongSupplier clock) {
        this.results = Objects.requireNonNull(results, "results");
        this.pattern = Objects.requireNonNull(pattern, "pattern");
        this.cluster = cluster;
        this.clock = clock;
    }

    /**
     * Takes a reply address on its name alone: for a {@code TopologyTestDriver}, where every topic exists.
     *
     * @param results the aggregate's command-results topic
     * @param pattern the names answered on besides it
     * @return the reply topics
     */
    public static ReplyTopics byName(String results, Pattern pattern) {
        return new ReplyTopics(results, pattern, Optional.empty(), System::currentTimeMillis);
    }

    /**
     * Takes a reply address whose name matches once the cluster says the topic exists and may be
     * written to; the admin client is made on first need and closed by {@link #close()}.
     *
     * @param results the aggregate's command-results topic
     * @param pattern the names answered on besides it
     * @param admin   makes the admin client that asks
     * @return the reply topics
     */
    public static ReplyTopics checked(String results, Pattern pattern, Supplier<Admin> admin) {
        return new ReplyTopics(results, pattern, Optional.of(admin), System::currentTimeMillis);
    }

    /** As {@link #checked}, with a clock for tests of the re-check. */
    static ReplyTopics checked(String results, Pattern pattern, Supplier<Admin> admin, LongSupplier clock) {
        return new ReplyTopics(results, pattern, Optional.of(admin), clock);
    }

    /** Returns the command-results topic. */
    public String results() {
        return results;
    }

    /**
     * Returns the topic the result of a command naming {@code replyTo} is written to.
     *
     * @param replyTo the command's reply address, if it has one
     * @return {@code replyTo} when the store answers there, else the command-results topic
     */
    public String destination(Optional<String> replyTo) {
        if (replyTo.isEmpty() || replyTo.get().equals(results) || !pattern.matcher(replyTo.get()).matches()) {
            return results;
        }
        String topic = replyTo.get();
        if (cluster.isEmpty()) {
            return topic;
        }
        Verdict verdict = verdicts.get(topic);
        long now = clock.getAsLong();
        if (verdict == null) {
            ask(topic, now);
            return results;
        }
        if (verdict.writable()) {
            return topic;
        }
        if (!verdict.pending() && now - verdict.at() >= RECHECK_MS) {
            ask(topic, now);
        }
        return results;
    }

    /** Returns whether the cluster has been asked about {@code topic} and has not answered yet. */
    public boolean pending(String topic) {
        Verdict verdict = verdicts.get(topic);
        return verdict != null && verdict.pending();
    }

    private void ask(String topic, long now) {
        Verdict pending = Verdict.pending(now);
        Verdict previous = verdicts.get(topic);
        boolean mine = previous == null ? verdicts.putIfAbsent(topic, pending) == null : verdicts.replace(topic, previous, pending);
        if (!mine || closed) {
            return;
        }
        try {
            admin().describeTopics(List.of(topic), new DescribeTopicsOptions().includeAuthorizedOperations(true))
                    .allTopicNames()
                    .whenComplete((described, error) -> settle(topic, described == null ? null : described.get(topic), error));
        } catch (RuntimeException e) {
            settle(topic, null, e);
        }
    }

    private void settle(String topic, TopicDescription description, Throwable error) {
        long now = clock.getAsLong();
        if (error == null && description != null && mayWrite(description.authorizedOperations())) {
            verdicts.put(topic, Verdict.writable(now));
            log.info("results of commands naming {} as their reply address are written there", topic);
            return;
        }
        verdicts.put(topic, Verdict.refused(now));
        Throwable cause = error != null && error.getCause() != null ? error.getCause() : error;
        String why = cause instanceof UnknownTopicOrPartitionException ? "it does not exist"
                : cause instanceof TopicAuthorizationException ? "this application may not describe it"
                : cause != null ? "the cluster did not say whether it exists (" + cause + ")"
                : "this application may not write to it";
        log.warn("results of commands naming {} as their reply address go to {} instead, where a saga's reply router reads them "
                + "(one hop more): {}; asked again in {} s", topic, results, why, RECHECK_MS / 1000);
    }

    /** Null when the cluster has no authorizer to ask: then anyone may write. */
    private static boolean mayWrite(Set<AclOperation> operations) {
        return operations == null || operations.contains(AclOperation.WRITE) || operations.contains(AclOperation.ALL);
    }

    private Admin admin() {
        Admin current = admin;
        if (current == null) {
            synchronized (this) {
                if (admin == null) {
                    admin = cluster.orElseThrow().get();
                }
                current = admin;
            }
        }
        return current;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(5));
        }
    }

    /** What is known of one topic: asked and not yet answered, writable, or not (and since when). */
    private record Verdict(boolean pending, boolean writable, long at) {
        static Verdict pending(long at) {
            return new Verdict(true, false, at);
        }

        static Verdict writable(long at) {
            return new Verdict(false, true, at);
        }

        static Verdict refused(long at) {
            return new Verdict(false, false, at);
        }
    }
}
