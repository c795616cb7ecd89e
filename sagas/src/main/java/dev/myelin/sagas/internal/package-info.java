/**
 * The saga engine: definition model, state machine ({@code SagaMachine}), topology, processors and codecs. Internal: anything here may
 * change or disappear in any release, without notice. Use the API in {@code dev.myelin.sagas}.
 */
package dev.myelin.sagas.internal;
