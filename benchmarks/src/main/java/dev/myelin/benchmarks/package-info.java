/**
 * End-to-end benchmarks against raw Kafka, run by hand. Not built yet: see the benchmarks issue.
 */
package dev.myelin.benchmarks;
