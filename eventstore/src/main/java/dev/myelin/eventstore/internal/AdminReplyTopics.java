package dev.myelin.eventstore.internal;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts a reply topic once the cluster says it exists and this client may write to it; remembers
 * a yes for good and a no for a minute, so the check costs one admin call per topic, not one per
 * command. Runs on the stream thread, inside a transaction: the call is bounded by a short timeout,
 * and a timeout is a no (the result then takes the longer way, through the results topic).
 */
final class AdminReplyTopics implements ReplyTopics, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminReplyTopics.class);
    static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);
    static final Duration RECHECK_AFTER = Duration.ofMinutes(1);

    private final Map<String, Object> adminProperties;
    private final LongSupplier clock;
    private final Set<String> accepted = ConcurrentHashMap.newKeySet();
    /** Refused topics, with when they may be checked again. */
    private final Map<String, Long> refusedUntil = new ConcurrentHashMap<>();
    private Admin admin;

    AdminReplyTopics(Map<String, Object> adminProperties) {
        this(adminProperties, System::currentTimeMillis);
    }

    AdminReplyTopics(Map<String, Object> adminProperties, LongSupplier clock) {
        this.adminProperties = Map.copyOf(adminProperties);
        this.clock = clock;
    }

    @Override
    public boolean accepts(String topic) {
        if (accepted.contains(topic)) {
            return true;
        }
        Long until = refusedUntil.get(topic);
        if (until != null && clock.getAsLong() < until) {
            return false;
        }
        String refusal = check(topic);
        if (refusal == null) {
            accepted.add(topic);
            refusedUntil.remove(topic);
            return true;
        }
        if (until == null) {
            log.warn("results for commands that name reply topic {} go to the results topic instead: {}", topic, refusal);
        }
        refusedUntil.put(topic, clock.getAsLong() + RECHECK_AFTER.toMillis());
        return false;
    }

    /** Returns why {@code topic} cannot take results directly, or null if it can. */
    private String check(String topic) {
        try {
            TopicDescription description = admin().describeTopics(List.of(topic),
                            new DescribeTopicsOptions().includeAuthorizedOperations(true).timeoutMs((int) CHECK_TIMEOUT.toMillis()))
                    .allTopicNames().get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topic);
            Set<AclOperation> allowed = description.authorizedOperations();
            // null: the cluster has no authorizer to ask, so anyone may write
            if (allowed != null && !allowed.contains(AclOperation.WRITE) && !allowed.contains(AclOperation.ALL)) {
                return "this client has no WRITE permission on it";
            }
            return null;
        } catch (ExecutionException e) {
            return e.getCause() instanceof UnknownTopicOrPartitionException ? "it does not exist" : "describing it failed: " + e.getCause();
        } catch (TimeoutException e) {
            return "describing it took over " + CHECK_TIMEOUT.toMillis() + " ms";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while describing it";
        } catch (RuntimeException e) {
            return "describing it failed: " + e;
        }
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(adminProperties);
        }
        return admin;
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
            admin = null;
        }
    }
}
