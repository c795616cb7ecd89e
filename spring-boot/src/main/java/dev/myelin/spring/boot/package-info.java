/**
 * Myelin in a Spring Boot application: add {@code myelin-spring-boot-starter}, set two properties,
 * and declare the domain as beans.
 *
 * <pre>{@code
 * # application.properties
 * myelin.application=bank
 * myelin.schema-registry.url=http://registry:8080/apis/ccompat/v7
 * spring.kafka.bootstrap-servers=kafka-1:9092     # or myelin.bootstrap-servers
 * }</pre>
 *
 * <pre>{@code
 * @SpringBootApplication
 * class BankApplication {
 *     @Bean AggregateType<AccountState, SpecificRecord, SpecificRecord> accounts() { return Account.TYPE; }
 *     @Bean Projection<String, AccountBalance> balances(Myelin bank) { return Bank.balances(bank); }
 * }
 * }</pre>
 *
 * <p>{@link dev.myelin.spring.boot.MyelinAutoConfiguration} builds the
 * {@link dev.myelin.application.Myelin} application from the {@link dev.myelin.spring.boot.MyelinProperties}
 * (a definition bean takes it as an argument, for its topics and serdes), and
 * {@link dev.myelin.spring.boot.MyelinRuntimes} runs an event store per {@code AggregateType} bean,
 * a saga runtime per {@code SagaDefinition} bean and a running projection per {@code Projection}
 * bean from when the context starts (before the web server) until it stops (after it), last started
 * first. Look them up there: {@code myelin.gateway(Account.TYPE).send(id, command)},
 * {@code myelin.projection(balances).query()}. {@link dev.myelin.spring.boot.MyelinBuilderCustomizer}
 * beans set what properties cannot hold.
 *
 * <p>With the actuator, the {@code myelin} health contributor reports each runtime (running is UP,
 * catching up or degraded OUT_OF_SERVICE, failed DOWN), the info endpoint shows the application's
 * topics and the Myelin and Kafka versions, and Myelin's meters are on Boot's {@code MeterRegistry}.
 * {@link dev.myelin.spring.boot.test.MyelinSpringTest} runs a test's context on an embedded broker
 * and schema registry.
 */
package dev.myelin.spring.boot;
