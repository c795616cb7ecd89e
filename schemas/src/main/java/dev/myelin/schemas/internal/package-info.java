/**
 * The machinery behind Myelin's schema support: the HTTP registry client, the wire format and
 * property parsing. Not part of Myelin's API: it may change in any release without notice.
 */
package dev.myelin.schemas.internal;
