/**
 * The machinery behind the embedded servers. Not part of Myelin's API: it may change in any
 * release without notice.
 */
package dev.myelin.embedded.internal;
