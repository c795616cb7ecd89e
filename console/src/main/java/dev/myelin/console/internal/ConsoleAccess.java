package dev.myelin.console.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;

/**
 * Who may do what: without an access token the console is read-only; with one, an action must carry
 * {@code Authorization: Bearer <token>}, and so must a read when the console listens beyond this
 * machine. The token is compared in constant time and never put in a message or a log.
 *
 * @param token    the access token, if actions are enabled
 * @param loopback whether the console listens on a loopback address only
 */
public record ConsoleAccess(Optional<String> token, boolean loopback) {
    /** The property whose absence the refusals name, so a person knows how to enable actions. */
    static final String HOW_TO_ENABLE = "actions are off: this console is read-only. To enable redrive and skip, start it with an"
            + " access token (ConsoleOptions.builder().accessToken(...), or the property myelin.console.access-token), then"
            + " enter that token in the page (it sends it as 'Authorization: Bearer <token>')";

    /**
     * Returns a read-only console's access on a loopback address.
     *
     * @return no token, loopback
     */
    public static ConsoleAccess readOnly() {
        return new ConsoleAccess(Optional.empty(), true);
    }

    /**
     * Returns whether actions are enabled at all.
     *
     * @return true with a token
     */
    public boolean actionsEnabled() {
        return token.isPresent();
    }

    /**
     * Returns whether a read must carry the token: with a token, on an address beyond this machine.
     *
     * @return whether reads are guarded
     */
    public boolean readsNeedToken() {
        return token.isPresent() && !loopback;
    }

    /**
     * Returns whether the request's headers carry the token.
     *
     * @param headers the request's headers, names lower-case
     * @return true if a token is set and the request bears it
     */
    public boolean authorized(Map<String, String> headers) {
        if (token.isEmpty()) {
            return false;
        }
        String header = headers.getOrDefault("authorization", "").trim();
        if (header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token.get().getBytes(StandardCharsets.UTF_8));
    }

    /** Never shows the token. */
    @Override
    public String toString() {
        return "ConsoleAccess[" + (token.isPresent() ? "actions with a token" : "read-only") + (loopback ? ", loopback" : "") + "]";
    }
}
