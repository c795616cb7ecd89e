package dev.myelin.processors.internal;

import java.time.Duration;
import java.util.concurrent.ExecutionException;

import dev.myelin.processors.MyelinProjectionException;

/** What the projection engine's admin and client calls share: their timeout and how their failures read. */
final class ProjectionAdmin {
    /** How long one admin call may take. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private ProjectionAdmin() {
    }

    /**
     * Returns the exception for a failed admin or client call, unwrapping a future's cause and keeping
     * the thread's interrupt.
     */
    static MyelinProjectionException failure(String what, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return new MyelinProjectionException("could not " + what + ": " + cause, cause);
    }
}
