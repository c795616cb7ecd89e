/**
 * The Myelin Console: a web console an application serves itself (JDK HTTP server, a JSON API under
 * {@code /api/} and one page), showing its event stores, aggregates, projections, dead letters and
 * sagas. Start it with {@link dev.myelin.console.MyelinConsole#start}.
 */
package dev.myelin.console;
