package dev.myelin.eventstore.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.myelin.eventstore.MyelinConfig;
import dev.myelin.eventstore.WeakerGuaranteeException;

/**
 * Refuses settings that would weaken exactly-once processing or durability, wherever a user could
 * pass them: {@code processing.guarantee} other than {@code exactly_once_v2}; {@code acks} other than
 * {@code all}/{@code -1} and {@code enable.idempotence=false}, plain or with the {@code producer.}
 * prefix; {@code isolation.level} other than {@code read_committed}, plain or with any of Kafka
 * Streams' consumer prefixes. {@link MyelinConfig#ALLOW_WEAKER_GUARANTEES}{@code =true} lets them
 * through with one warning naming each. Every runtime calls it with the properties it is given,
 * before it creates a Kafka client:
 *
 * <pre>{@code
 * GuaranteeCheck.verify(config.properties(), "command gateway " + topics.commands());
 * }</pre>
 */
public final class GuaranteeCheck {
    private static final Logger log = LoggerFactory.getLogger(GuaranteeCheck.class);

    private record Rule(String setting, Set<String> prefixes, Set<String> safeValues, boolean safeUnlessListed, String risk) {
        boolean isSafe(String value) {
            return safeValues.contains(value) != safeUnlessListed;
        }
    }

    private static final List<Rule> RULES = List.of(
            new Rule(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, Set.of(), Set.of(StreamsConfig.EXACTLY_ONCE_V2), false,
                    "after a crash a command, event or view update may be processed twice; use exactly_once_v2"),
            new Rule(ProducerConfig.ACKS_CONFIG, Set.of(StreamsConfig.PRODUCER_PREFIX), Set.of("all", "-1"), false,
                    "a record is acknowledged before every in-sync replica has it, so losing a broker can lose it; use all"),
            new Rule(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Set.of(StreamsConfig.PRODUCER_PREFIX), Set.of("false"), true,
                    "a retried send may write a command twice or out of order; use true"),
            new Rule(ConsumerConfig.ISOLATION_LEVEL_CONFIG, Set.of(StreamsConfig.CONSUMER_PREFIX, StreamsConfig.MAIN_CONSUMER_PREFIX,
                    StreamsConfig.RESTORE_CONSUMER_PREFIX, StreamsConfig.GLOBAL_CONSUMER_PREFIX), Set.of("read_committed"), false,
                    "records of aborted transactions are read as if they happened, such as a result whose events were rolled back; "
                            + "use read_committed"));

    private GuaranteeCheck() {
    }

    /**
     * Verifies that {@code properties} weaken no guarantee, or that the escape hatch
     * {@link MyelinConfig#ALLOW_WEAKER_GUARANTEES} lets them; in that case logs one warning naming
     * each weakened setting.
     *
     * @param properties the user's properties, as given to the runtime (plain Kafka keys, Kafka
     *                   Streams' prefixed client keys, {@code myelin.*} keys); a {@link java.util.Properties} will do
     * @param runtime    what is starting, for the messages, such as {@code "event store bank.account"}
     * @return the weakened settings let through, each as {@code key=value}; empty when none
     * @throws WeakerGuaranteeException if a setting weakens a guarantee and the escape hatch is not {@code true}
     */
    public static List<String> verify(Map<?, ?> properties, String runtime) {
        Objects.requireNonNull(properties, "properties");
        Objects.requireNonNull(runtime, "runtime");
        List<String> weakened = new ArrayList<>();
        List<String> explained = new ArrayList<>();
        for (Rule rule : RULES) {
            List<String> keys = new ArrayList<>();
            keys.add(rule.setting());
            rule.prefixes().forEach(prefix -> keys.add(prefix + rule.setting()));
            for (String key : keys) {
                Object value = properties.get(key);
                if (value != null && !rule.isSafe(normalized(value))) {
                    weakened.add(key + "=" + value);
                    explained.add(key + "=" + value + " (" + rule.risk() + ")");
                }
            }
        }
        if (weakened.isEmpty()) {
            return List.of();
        }
        if (!isEscapeHatchOpen(properties.get(MyelinConfig.ALLOW_WEAKER_GUARANTEES))) {
            throw new WeakerGuaranteeException(runtime + " refuses settings that weaken its guarantees: " + String.join("; ", explained)
                    + ". Remove them, or set " + MyelinConfig.ALLOW_WEAKER_GUARANTEES + "=true to run with them anyway", weakened);
        }
        log.warn("{} runs with weaker guarantees because {}=true: {}", runtime, MyelinConfig.ALLOW_WEAKER_GUARANTEES,
                String.join("; ", explained));
        return List.copyOf(weakened);
    }

    private static boolean isEscapeHatchOpen(Object value) {
        return value != null && normalized(value).equals("true");
    }

    private static String normalized(Object value) {
        return value.toString().trim().toLowerCase(Locale.ROOT);
    }
}
