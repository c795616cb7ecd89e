/**
 * The saga-definition DSL and the exactly-once saga runtime. Not built yet: see the sagas issue.
 */
package dev.myelin.sagas;
