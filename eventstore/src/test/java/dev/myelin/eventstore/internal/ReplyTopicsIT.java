package dev.myelin.eventstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.MyelinConfig;

/**
 * Which reply addresses an event store writes results to, asked of a real broker: a saga inbox that
 * exists is taken once the broker has said so, one that does not is not (results go to the results
 * topic meanwhile, never nowhere), and it is asked again after a while, so an inbox made later is taken.
 */
@MyelinKafka(brokers = 1, shared = true)
class ReplyTopicsIT {
    private static final String RESULTS = "bank.account.command-results";
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Test
    void anExistingInboxIsTakenOnceTheBrokerHasSaidSoAndAMissingOneOnlyAfterItIsMadeAndAskedAgain(EmbeddedKafkaCluster kafka) {
        String existing = "rt-" + System.nanoTime() + ".saga.place-order.inbox";
        String later = "rt-" + System.nanoTime() + ".saga.refund.inbox";
        kafka.createTopic(existing, 2);
        AtomicLong clock = new AtomicLong(1_000_000);
        try (ReplyTopics topics = ReplyTopics.checked(RESULTS, MyelinConfig.DEFAULT_REPLY_TOPICS,
                () -> Admin.create(kafka.clientProperties()), clock::get)) {
            assertThat(topics.destination(Optional.of(existing))).as("asked, not answered yet: the results topic").isEqualTo(RESULTS);
            Await.until(PATIENCE, "the existing inbox is taken", () -> topics.destination(Optional.of(existing)).equals(existing));

            assertThat(topics.destination(Optional.of(later))).isEqualTo(RESULTS);
            Await.until(PATIENCE, "the broker's answer about the missing inbox is in", () -> !topics.pending(later));
            assertThat(topics.destination(Optional.of(later))).as("it does not exist").isEqualTo(RESULTS);
            kafka.createTopic(later, 1);
            assertThat(topics.destination(Optional.of(later))).as("made now, but not asked again before the re-check").isEqualTo(RESULTS);

            clock.addAndGet(ReplyTopics.RECHECK_MS);
            Await.until(PATIENCE, "the inbox made later is taken after the re-check", () -> topics.destination(Optional.of(later)).equals(later));

            assertThat(topics.destination(Optional.of(RESULTS))).isEqualTo(RESULTS);
            assertThat(topics.destination(Optional.empty())).isEqualTo(RESULTS);
            assertThat(topics.destination(Optional.of("bank.account.events"))).as("not a reply address by name").isEqualTo(RESULTS);
        }
    }
}
