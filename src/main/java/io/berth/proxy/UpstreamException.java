package io.berth.proxy;

/** The upstream failed (unreachable, 5xx, 429) or said no (404, 401/403). */
final class UpstreamException extends RuntimeException {
    final int status;
    final boolean transientFailure;

    UpstreamException(int status, boolean transientFailure, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.transientFailure = transientFailure;
    }

    static UpstreamException of(int status, String what) {
        boolean transientFailure = status == 429 || status >= 500;
        return new UpstreamException(status, transientFailure, what + ": upstream answered " + status, null);
    }
}
