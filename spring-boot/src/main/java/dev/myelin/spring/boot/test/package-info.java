/**
 * Testing a Spring Boot application's Myelin domain on real servers:
 * {@link dev.myelin.spring.boot.test.MyelinSpringTest} starts an embedded Kafka broker and schema
 * registry for the test context and points the {@code myelin.*} properties at them. The Myelin
 * testkit's fixtures ({@code AggregateFixture}, {@code ProjectionFixture}, {@code SagaFixture})
 * need no context: they test the same aggregate type, projection and saga beans without a broker.
 */
package dev.myelin.spring.boot.test;
