package dev.myelin.eventstore;

import static dev.myelin.embedded.Await.join;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.myelin.embedded.Await;
import dev.myelin.embedded.EmbeddedKafkaCluster;
import dev.myelin.embedded.MyelinKafka;
import dev.myelin.eventstore.bank.AccountState;
import dev.myelin.eventstore.bank.Deposit;
import dev.myelin.eventstore.bank.OpenAccount;

/** Two instances of one application share the partitions, each serves the aggregates it owns, and one takes over when the other leaves. */
@MyelinKafka(brokers = 1, shared = true, brokerProperties = {"log.cleaner.backoff.ms=100"})
class TwoInstancesIT {
    private static final int ACCOUNTS = 40;

    @Test
    void twoInstancesShareThePartitionsAndBothServe(EmbeddedKafkaCluster kafka, @TempDir Path first, @TempDir Path second) {
        MyelinConfig config = BankApp.config(kafka, BankApp.newApplicationName()).partitions(4).build();
        try (EventStore<AccountState, SpecificRecord, SpecificRecord> one = BankApp.start(config, first)) {
            EventStore<AccountState, SpecificRecord, SpecificRecord> two = BankApp.start(config, second);
            try {
                bothServeThenOneTakesOver(one, two);
            } finally {
                two.close();
            }
        }
    }

    private static void bothServeThenOneTakesOver(EventStore<AccountState, SpecificRecord, SpecificRecord> one,
                                                  EventStore<AccountState, SpecificRecord, SpecificRecord> two) {
        List<EventStore<AccountState, SpecificRecord, SpecificRecord>> instances = List.of(one, two);
        Await.until(Duration.ofSeconds(60), "each partition is served by exactly one instance",
                () -> allAccounts().stream().allMatch(id -> servers(instances, id).size() == 1));

        for (String id : allAccounts()) {
            // alternate the gateways: any instance accepts commands for any aggregate
            CommandGateway<SpecificRecord, SpecificRecord> gateway = instances.get(id.hashCode() & 1).gateway();
            assertThat(join(gateway.send(id, new OpenAccount("owner-" + id)))).isInstanceOf(CommandResult.Accepted.class);
            assertThat(join(gateway.send(id, new Deposit(5L)))).isInstanceOf(CommandResult.Accepted.class);
        }

        int servedByOne = 0;
        int servedByTwo = 0;
        for (String id : allAccounts()) {
            List<EventStore<AccountState, SpecificRecord, SpecificRecord>> servers = servers(instances, id);
            assertThat(servers).as("instances serving %s", id).hasSize(1);
            EventStore<AccountState, SpecificRecord, SpecificRecord> server = servers.get(0);
            assertThat(server.state(id)).map(AggregateState::version).contains(2L);
            assertThat(server.history(id)).hasSize(2);
            if (server == one) {
                servedByOne++;
            } else {
                servedByTwo++;
            }
        }
        assertThat(servedByOne).as("aggregates served by the first instance").isPositive();
        assertThat(servedByTwo).as("aggregates served by the second instance").isPositive();

        // when one instance leaves, the other takes over its partitions with their state and history
        two.close();
        Await.until(Duration.ofSeconds(60), "the remaining instance serves every aggregate",
                () -> allAccounts().stream().allMatch(id -> servers(List.of(one), id).size() == 1));
        for (String id : allAccounts()) {
            assertThat(join(one.gateway().send(id, new Deposit(1L), SendOptions.expectingVersion(2))))
                    .isInstanceOf(CommandResult.Accepted.class);
            assertThat(one.state(id).orElseThrow().state().getBalance()).isEqualTo(6L);
            assertThat(one.history(id)).hasSize(3);
        }
    }

    private static List<EventStore<AccountState, SpecificRecord, SpecificRecord>> servers(
            List<EventStore<AccountState, SpecificRecord, SpecificRecord>> instances, String id) {
        List<EventStore<AccountState, SpecificRecord, SpecificRecord>> servers = new ArrayList<>();
        for (EventStore<AccountState, SpecificRecord, SpecificRecord> instance : instances) {
            try {
                Optional<AggregateState<AccountState>> ignored = instance.state(id);
                servers.add(instance);
            } catch (AggregateNotLocalException e) {
                // served elsewhere
            }
        }
        return servers;
    }

    private static List<String> allAccounts() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < ACCOUNTS; i++) {
            ids.add("acc-" + i);
        }
        return ids;
    }
}
