/**
 * The event store's engine: the command-processing topology, the gateway and store implementations,
 * topic setup and the binary formats of stored values.
 *
 * <p><b>Internal.</b> Everything in this package may change or disappear in any release, without
 * notice; depend only on {@code dev.myelin.eventstore}.
 */
package dev.myelin.eventstore.internal;
