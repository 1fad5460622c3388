package io.berth.oci;

/** The error codes of the OCI Distribution Spec (and Docker Registry v2), each with its HTTP status. */
public enum ErrorCode {
    BLOB_UNKNOWN(404, "blob unknown to registry"),
    BLOB_UPLOAD_INVALID(400, "blob upload invalid"),
    BLOB_UPLOAD_UNKNOWN(404, "blob upload unknown to registry"),
    DIGEST_INVALID(400, "provided digest did not match uploaded content"),
    MANIFEST_BLOB_UNKNOWN(400, "manifest references a manifest or blob unknown to registry"),
    MANIFEST_INVALID(400, "manifest invalid"),
    MANIFEST_UNKNOWN(404, "manifest unknown to registry"),
    NAME_INVALID(400, "invalid repository name"),
    NAME_UNKNOWN(404, "repository name not known to registry"),
    SIZE_INVALID(400, "provided length did not match content length"),
    TAG_INVALID(400, "manifest tag did not match URI"),
    RANGE_INVALID(416, "requested range not satisfiable"),
    PAGINATION_NUMBER_INVALID(400, "invalid number of results requested"),
    BAD_REQUEST(400, "the request is malformed"),
    NOT_FOUND(404, "no such endpoint"),
    CONFLICT(409, "the resource already exists"),
    UNAUTHORIZED(401, "authentication required"),
    DENIED(403, "requested access to the resource is denied"),
    UNSUPPORTED(405, "the operation is unsupported"),
    MANIFEST_TOO_LARGE(413, "manifest too large"),
    TOOMANYREQUESTS(429, "too many requests"),
    UNAVAILABLE(503, "service unavailable"),
    INTERNAL(500, "internal server error");

    private final int status;
    private final String message;

    ErrorCode(int status, String message) {
        this.status = status;
        this.message = message;
    }

    public int status() {
        return status;
    }

    public String defaultMessage() {
        return message;
    }

    /** The code as it appears on the wire; a few internal codes map onto the spec's names. */
    public String wireName() {
        return switch (this) {
            case RANGE_INVALID -> "BLOB_UPLOAD_INVALID";
            case MANIFEST_TOO_LARGE -> "MANIFEST_INVALID";
            case UNAVAILABLE -> "UNAVAILABLE";
            case INTERNAL -> "UNKNOWN";
            default -> name();
        };
    }
}
