package dev.myelin.examples.springbank;

import org.apache.avro.specific.SpecificRecord;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

import dev.myelin.application.Myelin;
import dev.myelin.eventstore.AggregateType;
import dev.myelin.examples.bank.Account;
import dev.myelin.examples.bank.AccountBalance;
import dev.myelin.examples.bank.AccountState;
import dev.myelin.examples.bank.Bank;
import dev.myelin.processors.Projection;
import dev.myelin.spring.boot.test.EmbeddedServers;

/**
 * The bank as a Spring Boot REST service: its domain is two beans, the account aggregate type and
 * the balances projection, which Myelin's starter runs (see {@code application.properties} for the
 * two properties it needs); {@link AccountController} serves them over HTTP.
 *
 * <pre>
 * mvn -B -q -pl examples/spring-bank -am -DskipTests package exec:java
 * curl -X POST localhost:8080/accounts/acc-1 -H 'Content-Type: application/json' -d '{"owner":"ada"}'
 * curl -X POST localhost:8080/accounts/acc-1/deposits -H 'Content-Type: application/json' -d '{"amount":100}'
 * curl localhost:8080/accounts/acc-1            # the account's state, from its event store
 * curl localhost:8080/accounts/acc-1/balance    # the balances view, from the projection
 * curl localhost:8080/actuator/health
 * </pre>
 */
@SpringBootApplication
public class SpringBank {

    /**
     * Returns the account aggregate type: Myelin runs its event store.
     *
     * @return {@link Account#TYPE}
     */
    @Bean
    public AggregateType<AccountState, SpecificRecord, SpecificRecord> accounts() {
        return Account.TYPE;
    }

    /**
     * Returns the balances projection: Myelin runs it and serves its view.
     *
     * @param bank the application: its account events and Avro serdes
     * @return the projection
     */
    @Bean
    public Projection<String, AccountBalance> balances(Myelin bank) {
        return Bank.balances(bank);
    }

    /**
     * Runs the service; without {@code --myelin.bootstrap-servers} (or {@code spring.kafka.bootstrap-servers})
     * it starts an embedded Kafka broker and schema registry first, so the demo needs nothing installed.
     *
     * @param args Spring Boot's arguments, such as {@code --server.port=8081}
     */
    public static void main(String[] args) {
        SpringApplication bank = new SpringApplication(SpringBank.class);
        bank.addInitializers(EmbeddedServers.unlessClusterConfigured());
        bank.run(args);
    }
}
