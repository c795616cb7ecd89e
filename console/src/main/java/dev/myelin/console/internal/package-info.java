/**
 * The console's implementation: its HTTP server, its JSON API and how it renders values. Not API:
 * it may change in any release.
 */
package dev.myelin.console.internal;
