package io.berth.auth;

/** Credentials were wrong, or too many wrong ones came from this user or address. */
public final class AuthException extends RuntimeException {
    public enum Kind { INVALID, RATE_LIMITED }

    private final Kind kind;
    private final long retryAfterSeconds;

    public AuthException(Kind kind, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.kind = kind;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public Kind kind() {
        return kind;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
