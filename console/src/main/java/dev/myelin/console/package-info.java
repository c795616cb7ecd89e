/**
 * The Myelin Console: a web console an application serves itself (JDK HTTP server, a JSON API under
 * {@code /api/} and one page), showing its event stores, aggregates, projections, dead letters and
 * sagas; it redrives and skips dead letters (each action recorded on the dead-letter topic by the
 * owning module) and streams live views of projections as server-sent events. Start it with
 * {@link dev.myelin.console.MyelinConsole#start}.
 */
package dev.myelin.console;
