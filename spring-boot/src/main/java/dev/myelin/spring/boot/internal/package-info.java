/**
 * The implementation of Myelin's Spring Boot integration; it may change in any release.
 */
package dev.myelin.spring.boot.internal;
