package dev.myelin.console.internal;

/**
 * The one gate every console action (a POST that changes something) passes after the console's access
 * check (the token, see {@link ConsoleAccess}): it refuses what is not a POST and says who acts, for the
 * audit the action writes.
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
     * @throws ConsoleApi.Refused 405 if it is not a POST
     */
    static String requireAction(ConsoleApi.Request request) {
        if (!request.method().equals("POST")) {
            throw new ConsoleApi.Refused(405, request.method() + " " + request.rawPath() + " is not allowed; use POST");
        }
        return ANONYMOUS;
    }
}
