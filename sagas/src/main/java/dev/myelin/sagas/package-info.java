/**
 * Sagas: business transactions across services that each own their data, written in a small DSL
 * and run exactly once on Kafka Streams.
 *
 * <p>A {@link dev.myelin.sagas.SagaDefinition} names the event that starts a saga, how its id and
 * typed data come from that event, and ordered steps: the command each step sends to which
 * {@link dev.myelin.sagas.Participant}, how a success updates the data, the compensation that undoes
 * the step, its timeout and its {@link dev.myelin.sagas.RetryPolicy}. Steps that do not depend on
 * each other can run at the same time in a parallel group (a fork and a join), and a saga can have
 * an overall time limit. A
 * {@link dev.myelin.sagas.SagaRuntime} runs a definition as one Kafka Streams application with
 * {@code exactly_once_v2}: a saga's state change and the command it sends commit in one
 * transaction. {@code dev.myelin.testkit.SagaFixture} tests a definition without a broker.
 */
package dev.myelin.sagas;
