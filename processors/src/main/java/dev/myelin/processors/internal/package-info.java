/**
 * The machinery behind {@code dev.myelin.processors}: the projection builder, its Kafka Streams
 * topology, processors, queries and runtime. Everything here may change or disappear in any release
 * without notice; depend only on {@code dev.myelin.processors}. The test kit is the one exception,
 * and it moves in step with this module.
 */
package dev.myelin.processors.internal;
