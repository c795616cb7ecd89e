package dev.myelin.console.internal;

import java.util.Locale;

/**
 * The one gate every console action (a POST that changes something) passes: it refuses what is not an
 * action request and says who acts, for the audit the action writes. Today it checks the method and
 * the {@value ConsoleApi#ACTION_HEADER} header; an access-token check belongs here too, so that no
 * action can bypass it.
 */
final class ActionGate {
    /** Who acts when the request names nobody: the console itself. */
    static final String ANONYMOUS = "console";

    private ActionGate() {
    }

    /**
     * Lets an action request through, or refuses it.
     *
     * @param request the request
     * @return who acts, as the dead-letter audit records it
     * @throws ConsoleApi.Refused 405 if it is not a POST, 403 without the action header
     */
    static String requireAction(ConsoleApi.Request request) {
        if (!request.method().equals("POST")) {
            throw new ConsoleApi.Refused(405, request.method() + " " + request.rawPath() + " is not allowed; use POST");
        }
        if (!request.headers().containsKey(ConsoleApi.ACTION_HEADER.toLowerCase(Locale.ROOT))) {
            throw new ConsoleApi.Refused(403, "an action needs the header " + ConsoleApi.ACTION_HEADER + " (the console's page sends it)");
        }
        return ANONYMOUS;
    }
}
