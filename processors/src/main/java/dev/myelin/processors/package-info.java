/**
 * Projections: exactly-once materialised views built by Kafka Streams, with queries, dead
 * letters and rebuilds. Not built yet: see the processors issue.
 */
package dev.myelin.processors;
